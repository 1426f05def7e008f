"""The member vote under concurrent load, through a real gunicorn in production configuration.

The machinery is bench/votes.py's (bench/README.md, "Vote load"), with 60 voters and 20 client
threads: gunicorn serves the test database (the session's SQLite file in WAL mode, or the PostgreSQL
of TEST_DATABASE_URL) that the `app` fixture has just emptied; the bench writes the members and the
edition through an app of its own that shares the server's SECRET_KEY (voter keys and session cookies
depend on it), and stops gunicorn before the test ends, so the next test can empty the tables again.
"""

from __future__ import annotations

from bench import votes


def test_concurrent_ballots_are_counted_exactly_once_and_the_tally_equals_every_recount(app, database_url, tmp_path):
    # One run for every assertion: starting gunicorn and voting takes most of the test's seconds.
    report = votes.run(
        database_url,
        voters=60,
        concurrency=20,
        workers=2,
        categories=2,
        finalists=5,
        seed=8,
        workdir=tmp_path,
        say=lambda message: None,
    )

    assert report.problems == []
    # Nothing but the expected answers: pages, accepted ballots and, for a POST sent twice at once,
    # "being recorded by another request".
    assert set(report.statuses) <= {"GET 200", "POST 302", "POST 409"}
    assert report.statuses["GET 200"] >= 60
    # Some members cast twice in a category (a change, or the same POST twice at once), yet each
    # member has one row per category.
    assert report.accepted > report.ballots_stored >= 60
    # After the close the server refuses a ballot; the scheduled job published every category, and
    # each published tally equals the recounts (stored rows, the clients' own ballots, the public CSV).
    assert report.late_ballot_status == 409
    assert len(report.recount_equal) == 2
    assert all(report.recount_equal.values())
