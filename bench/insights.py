"""The organiser console's aggregate pages on a club of the size issue 8 aims at.

    .venv/bin/python -m bench.insights [--members 10000] [--cases 10000] [--views 500000]
                                       [--marks 100000] [--comments 100000] [--repeat 3] [--seed 1]

Builds a temporary SQLite database with db.create_all() and the demo taxonomy, then inserts in bulk
(SQLAlchemy core): members with profiles spread over the sectors and functions, published cases with
one sector, one or two functions and an author, a year of case reads, useful marks and comments, and
vote origins. Then it times, as an organiser sees them through the test client (the whole request:
queries and rendering), the dashboard, the insights page by sector and by function, the silent
members list and the members list, and prints the best of --repeat runs with the number of SQL
statements each page ran. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, insert, select

from bench.digests import bench_config, build_schema


def _rows_in_batches(connection, table, rows, size=20_000) -> None:
    for start in range(0, len(rows), size):
        connection.execute(insert(table), rows[start : start + size])


def build_club(args) -> dict:
    from club.accounts.models import User
    from club.awards.models import AwardCategory, AwardEdition, VoteOrigin
    from club.cases.models import CaseAuthor, CaseStudy, CaseView, Comment, UsefulMark, case_functions
    from club.core.models import Function, Sector
    from club.core.timeutil import utcnow
    from club.events.models import EventWeek
    from club.extensions import db
    from club.members.models import Profile

    rng = random.Random(args.seed)
    now = utcnow()
    year_ago = now - timedelta(days=365)
    sectors = list(db.session.scalars(select(Sector.id)))
    functions = list(db.session.scalars(select(Function.id)))

    def moment() -> object:
        # More activity in recent months, as in a growing club.
        return year_ago + timedelta(seconds=int(365 * 86400 * rng.random() ** 0.7))

    started = time.perf_counter()
    with db.engine.begin() as connection:
        users = [
            {
                "id": number,
                "email": f"member{number}@bench.example",
                "display_name": f"Member {number}",
                "password_hash": "x",
                "role": "organiser" if number == 1 else "member",
                "created_at": now - timedelta(days=rng.randint(100, 900)),
                "email_verified_at": now - timedelta(days=100),
                "last_login_at": now - timedelta(days=rng.randint(0, 200)),
                "session_version": 1,
            }
            for number in range(1, args.members + 1)
        ]
        _rows_in_batches(connection, User.__table__, users)
        profiles = [
            {
                "user_id": number,
                "sector_id": rng.choice(sectors) if rng.random() < 0.9 else None,
                "function_id": rng.choice(functions) if rng.random() < 0.9 else None,
                "links": [],
                "organisation_visibility": "members",
                "job_title_visibility": "members",
                "bio_visibility": "members",
                "links_visibility": "members",
                "email_visibility": "private",
            }
            for number in range(1, args.members + 1)
        ]
        _rows_in_batches(connection, Profile.__table__, profiles)
        cases = []
        authors = []
        functions_of_cases = []
        for number in range(1, args.cases + 1):
            published = moment()
            cases.append(
                {
                    "id": number,
                    "title": f"Case {number}",
                    "summary": "A summary.",
                    "body": "A body.",
                    "organisation": f"Organisation {number % 300}",
                    "sector_id": rng.choice(sectors),
                    "language": "it",
                    "visibility": "members",
                    "status": "published",
                    "created_by_id": rng.randint(1, args.members),
                    "created_at": published,
                    "updated_at": published,
                    "published_at": published,
                    "published_year": published.year,
                    "useful_count": 0,
                    "comment_count": 0,
                }
            )
            authors.append({"case_id": number, "user_id": cases[-1]["created_by_id"], "position": 0})
            for function_id in rng.sample(functions, rng.choice((1, 2))):
                functions_of_cases.append({"case_id": number, "function_id": function_id})
        _rows_in_batches(connection, CaseStudy.__table__, cases)
        _rows_in_batches(connection, CaseAuthor.__table__, authors)
        _rows_in_batches(connection, case_functions, functions_of_cases)

        def acts(count: int) -> list[tuple[int, int, object]]:
            return [(rng.randint(1, args.cases), rng.randint(1, args.members), moment()) for _ in range(count)]

        _rows_in_batches(
            connection,
            CaseView.__table__,
            [{"case_id": c, "viewer_id": u, "viewed_at": at} for c, u, at in acts(args.views)],
        )
        marks = {(c, u): at for c, u, at in acts(args.marks)}
        _rows_in_batches(
            connection,
            UsefulMark.__table__,
            [{"case_id": c, "user_id": u, "created_at": at} for (c, u), at in marks.items()],
        )
        _rows_in_batches(
            connection,
            Comment.__table__,
            [
                {"case_id": c, "author_id": u, "body": "Un commento.", "created_at": at}
                for c, u, at in acts(args.comments)
            ],
        )
        week = connection.execute(
            insert(EventWeek.__table__).values(
                title="Settimana", themes=[], description="", starts_on=now.date(), ends_on=now.date(), status="draft"
            )
        ).inserted_primary_key[0]
        edition = connection.execute(
            insert(AwardEdition.__table__).values(
                week_id=week,
                title="Premio",
                description="",
                published=False,
                max_entries_per_case=2,
                anonymous_judging=False,
                jury_weight=70,
                nominations_open_at=year_ago,
                nominations_close_at=year_ago + timedelta(days=30),
                jury_open_at=year_ago + timedelta(days=31),
                jury_close_at=year_ago + timedelta(days=60),
                vote_open_at=year_ago + timedelta(days=31),
                vote_close_at=year_ago + timedelta(days=60),
                results_at=year_ago + timedelta(days=61),
            )
        ).inserted_primary_key[0]
        category = connection.execute(
            insert(AwardCategory.__table__).values(
                edition_id=edition,
                position=0,
                name="Categoria",
                description="",
                eligible_from=year_ago.date(),
                eligible_until=now.date(),
            )
        ).inserted_primary_key[0]
        _rows_in_batches(
            connection,
            VoteOrigin.__table__,
            [
                {
                    "category_id": category,
                    "origin_key": f"{number:064x}",
                    "first_choice_id": rng.randint(1, args.cases),
                    "voter_sector_id": rng.choice(sectors),
                    "voter_function_id": rng.choice(functions),
                    "month_start": year_ago + timedelta(days=45),
                }
                for number in range(min(5000, args.members))
            ],
        )
    return {"seconds": time.perf_counter() - started}


PAGES = {
    "dashboard": "/organiser/",
    "insights by sector (12 months)": "/organiser/insights",
    "insights by function (12 months)": "/organiser/insights?dimension=function",
    "insights, reads only (24 months)": "/organiser/insights?activity=view&months=24",
    "silent members": "/organiser/insights/silent",
    "members list": "/organiser/members",
    "audit log": "/organiser/audit",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=500_000)
    parser.add_argument("--marks", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from club import create_app
    from club.extensions import db

    with tempfile.TemporaryDirectory(prefix="club-bench-insights-") as folder:
        workdir = Path(folder)
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        app = create_app(bench_config(database_url, 25), instance_path=str(workdir / "instance"))
        with app.app_context():
            build_schema(drop_existing=False)
            built = build_club(args)
            print(
                f"data: {args.members:,} members, {args.cases:,} cases, {args.views:,} reads, "
                f"{args.marks:,} useful marks (fewer after removing repeats), {args.comments:,} comments, "
                f"built in {built['seconds']:.1f} s (SQLite, {db.engine.url.database})"
            )
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = "1:1"
            session["_fresh"] = True
        print(f"{'page':36} {'best ms':>9} {'median ms':>10} {'SQL':>5}")
        for name, path in PAGES.items():
            timings = []
            for _ in range(args.repeat):
                statements.clear()
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} answered {response.status_code}")
            timings.sort()
            print(f"{name:36} {timings[0]:9.0f} {timings[len(timings) // 2]:10.0f} {len(statements):5d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
