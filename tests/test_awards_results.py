"""Results: nothing exists for anybody before publication; publishing waits for the jury and the vote
to close; the published page, the recountable CSVs, certificates, badges and receipt checks; the
scheduled publication (idempotent); frozen figures; the audit log of every organiser action."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from club.accounts.models import User
from club.awards import services, tally
from club.awards.models import AwardCategory, AwardEdition, AwardResult, Ballot, Review
from club.core.timeutil import utcnow
from club.extensions import db
from tests.award_factories import (
    add_jurors,
    audit_entries,
    edition_form_data,
    form_moment,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    publish,
    reload,
    score,
    signed_in,
    vote,
)
from tests.case_factories import make_case
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import make_member, make_organiser
from tests.helpers import url

EN = {"Accept-Language": "en"}


@pytest.fixture
def contest(app):
    """A closed edition, not yet published: three finalists, two jurors, six ballots.

    Jury marks (weights 50/30/20): A 9 and 8, B 6 and 7, C 5 and 4: the jury ranks A, B, C.
    Ballots: 3 x B>A>C, 2 x A>C>B, 1 x C. B beats A 3-2, A beats C 5-1, B and C tie 3-3 but B
    reaches C through A: the members rank B, A, C. Final points (jury 70%): A 0.85, B 0.65, C 0.
    """
    organiser = make_organiser(display_name="Olga Organizzatrice")
    edition = make_edition("judging_voting", actor=organiser, title="Premio Relazione")
    category = make_category(edition, "Ascolto del cliente", actor=organiser)
    alice, carla = make_member(display_name="Alice Autrice"), make_member(display_name="Carla Coautrice")
    bruno, chiara = make_member(display_name="Bruno Bianchi"), make_member(display_name="Chiara Conti")
    a = make_case(alice, coauthors=[carla], title="Reclami in ventiquattro ore", organisation="Banca Adriatica")
    b = make_case(bruno, title="Il contact centre che ascolta", organisation="Telco Tirrenica")
    c = make_case(chiara, title="Bollette chiare", organisation="Energia Etrusca")
    finalists = make_finalists(category, a, b, c)
    jurors = [
        make_member(display_name="Giurato Primo", email="giurato.primo@example.com"),
        make_member(display_name="Giurata Seconda", email="giurata.seconda@example.com"),
    ]
    add_jurors(category, *jurors)
    for nomination, marks in zip(finalists, ((9, 8), (6, 7), (5, 4)), strict=True):
        for juror, mark in zip(jurors, marks, strict=True):
            score(nomination, juror, mark, mark, mark, comment=f"Commento di {juror.display_name}")
    voters = [make_member(display_name=f"Votante {n}") for n in range(6)]
    receipts = [vote(category, voter, b, a, c) for voter in voters[:3]]
    receipts += [vote(category, voter, a, c, b) for voter in voters[3:5]]
    receipts.append(vote(category, voters[5], c))
    # Everybody joined well before the vote closed: all of them count in the turnout.
    db.session.execute(update(User).values(created_at=utcnow() - timedelta(days=60)))
    move_to(edition, "closed")
    return SimpleNamespace(
        organiser=organiser,
        edition=edition,
        category=category,
        cases=SimpleNamespace(a=a, b=b, c=c),
        authors=SimpleNamespace(alice=alice, carla=carla, bruno=bruno, chiara=chiara),
        jurors=jurors,
        voters=voters,
        receipts=receipts,
    )


def _results_urls(contest) -> list[str]:
    category, edition = contest.category, contest.edition
    return [
        url("awards.results", category_id=category.id),
        url("awards.ballots_csv", category_id=category.id),
        url("awards.scores_csv", category_id=category.id),
        url("awards.certificate", category_id=category.id, case_id=contest.cases.a.id),
        url("awards.receipt", edition_id=edition.id),
        url("awards.receipt", edition_id=edition.id, receipt=contest.receipts[0]),
    ]


def _has_badge(page: str) -> bool:
    return "award-badge" in page


# -- before publication ----------------------------------------------------------------------------


def test_before_publication_no_results_url_exists_for_anybody(app, client, contest):
    viewers = {
        "anonymous": client,
        "member": signed_in(app, make_member()),
        "author": signed_in(app, contest.authors.alice),
        "juror": signed_in(app, contest.jurors[0]),
        "organiser": signed_in(app, contest.organiser),
    }
    for who, viewer in viewers.items():
        for path in _results_urls(contest):
            assert viewer.get(path, headers=EN).status_code == 404, (who, path)
        for page in (
            viewer.get(url("cases.detail", case_id=contest.cases.a.id), headers=EN).text,
            viewer.get(url("members.profile", user_id=contest.authors.alice.id), headers=EN).text,
        ):
            assert not _has_badge(page), who
        edition_page = viewer.get(url("awards.edition", edition_id=contest.edition.id), headers=EN).text
        assert url("awards.results", category_id=contest.category.id) not in edition_page
    assert db.session.scalars(select(AwardResult)).all() == []


def test_frozen_results_stay_hidden_until_their_time(app, client, contest):
    publish(contest.edition, contest.organiser)
    edition = reload(AwardEdition, contest.edition.id)
    edition.results_at = utcnow() + timedelta(days=1)  # as if frozen ahead of the planned time
    db.session.commit()
    organiser_client = signed_in(app, contest.organiser)
    for viewer in (client, signed_in(app, contest.authors.alice), organiser_client):
        for path in _results_urls(contest):
            assert viewer.get(path, headers=EN).status_code == 404, path
        assert not _has_badge(viewer.get(url("cases.detail", case_id=contest.cases.a.id), headers=EN).text)


@pytest.mark.parametrize("phase", ["judging", "voting", "judging_voting"])
def test_publishing_before_the_jury_and_the_vote_close_is_refused(app, contest, phase):
    move_to(reload(AwardEdition, contest.edition.id), phase)
    organiser_client = signed_in(app, contest.organiser)
    page = organiser_client.get(url("awards.edition", edition_id=contest.edition.id), headers=EN).text
    assert "Publish the results" not in page
    response = organiser_client.post(url("awards.publish", edition_id=contest.edition.id), headers=EN)
    assert response.status_code == 409
    assert "The results can be published once the jury and the vote have closed." in response.text
    edition = reload(AwardEdition, contest.edition.id)
    assert edition.results_frozen_at is None
    assert reload(AwardCategory, contest.category.id).tally is None
    assert audit_entries(edition, "award.results.published") == []


def test_members_cannot_publish(app, contest):
    response = signed_in(app, make_member()).post(url("awards.publish", edition_id=contest.edition.id), headers=EN)
    assert response.status_code == 403
    assert reload(AwardEdition, contest.edition.id).results_frozen_at is None


# -- publication -----------------------------------------------------------------------------------


@pytest.fixture
def published(app, contest):
    organiser_client = signed_in(app, contest.organiser)
    page = organiser_client.get(url("awards.edition", edition_id=contest.edition.id), headers=EN).text
    assert "Publish the results" in page
    response = organiser_client.post(url("awards.publish", edition_id=contest.edition.id), headers=EN)
    assert response.status_code == 302, response.text
    return contest


def _section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', page, re.S)
    assert found, heading_id
    return found.group(1)


def _rows(html: str) -> list[list[str]]:
    """The body rows of the first table in `html`, each cell as plain text."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def test_the_results_page_shows_everything_that_was_counted(client, published):
    a, b, c = published.cases.a, published.cases.b, published.cases.c
    response = client.get(url("awards.results", category_id=published.category.id), headers=EN)
    assert response.status_code == 200
    page = response.text
    winner = re.search(r'<section class="card winner".*?</section>', page, re.S).group(0)
    assert "Reclami in ventiquattro ore" in winner and "Banca Adriatica" in winner
    final = _rows(_section(page, "ranking-heading"))
    assert [row[:5] for row in final] == [
        ["1", "Reclami in ventiquattro ore · Banca Adriatica", "0.85", "1", "0.5"],
        ["2", "Il contact centre che ascolta · Telco Tirrenica", "0.65", "0.5", "1"],
        ["3", "Bollette chiare · Energia Etrusca", "0", "0", "0"],
    ]
    assert "jury 70% and the members 30%" in page
    jury = _rows(_section(page, "jury-heading"))
    assert jury == [
        ["Reclami in ventiquattro ore", "8.5", "8.5", "0.707", "2"],
        ["Il contact centre che ascolta", "6.5", "6.5", "0.707", "2"],
        ["Bollette chiare", "4.5", "4.5", "0.707", "2"],
    ]
    members = _section(page, "members-heading")
    assert _rows(members) == [
        ["1", "Il contact centre che ascolta", "3"],
        ["2", "Reclami in ventiquattro ore", "2"],
        ["3", "Bollette chiare", "1"],
    ]
    eligible = reload(AwardCategory, published.category.id).eligible_voters
    assert eligible == services.active_member_count()
    share = round(6 * 100 / eligible, 1)
    assert f"Ballots: 6 · turnout {share:g}%" in members
    matrix = _rows(_section(page, "matrix-heading"))
    order = [b.id, a.id, c.id]
    assert [row[0].split()[0] for row in matrix] == [f"#{case_id}" for case_id in order]
    pairwise = {(b.id, a.id): 3, (b.id, c.id): 3, (a.id, b.id): 2, (a.id, c.id): 5, (c.id, b.id): 3, (c.id, a.id): 1}
    for row_case, row in zip(order, matrix, strict=True):
        cells = row[1:]
        for column_case, cell in zip(order, cells, strict=True):
            expected = "—" if row_case == column_case else str(pairwise[(row_case, column_case)])
            assert cell == expected, (row_case, column_case)


def test_the_edition_and_category_pages_link_to_the_results(client, published):
    edition_page = client.get(url("awards.edition", edition_id=published.edition.id), headers=EN).text
    assert url("awards.results", category_id=published.category.id) in edition_page
    assert "Results published" in edition_page  # the banner's phase
    category_page = client.get(url("awards.category", category_id=published.category.id), headers=EN).text
    assert url("awards.results", category_id=published.category.id) in category_page


def _csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_ballots_csv_recounts_to_the_published_member_ranking(client, published):
    category = reload(AwardCategory, published.category.id)
    rows = _csv(client.get(url("awards.ballots_csv", category_id=category.id)))
    assert len(rows) == 6
    assert all(re.fullmatch(r"[0-9a-f]{12}", row["ballot"]) for row in rows)
    ballots = [[int(part) for part in row["ranking"].split(" > ")] for row in rows]
    candidates = sorted([published.cases.a.id, published.cases.b.id, published.cases.c.id])
    recount = tally.schulze(candidates, ballots)
    assert recount.ranking == category.tally["member_ranking"]
    assert recount.ranking == [published.cases.b.id, published.cases.a.id, published.cases.c.id]
    assert {str(k): v for k, v in recount.first_preferences.items()} == category.tally["first_preferences"]
    # The page's members table shows the same order.
    page = client.get(url("awards.results", category_id=category.id), headers=EN).text
    titles = [row[1] for row in _rows(_section(page, "members-heading"))]
    by_id = {published.cases.a.id: "Reclami in ventiquattro ore", published.cases.b.id: "Il contact centre che ascolta"}
    by_id[published.cases.c.id] = "Bollette chiare"
    assert titles == [by_id[case_id] for case_id in recount.ranking]
    # Each voter finds their ballot in the list by the fingerprint of their receipt.
    fingerprints = {row["ballot"] for row in rows}
    for receipt in published.receipts:
        assert services.fingerprint(services.receipt_hash(receipt)) in fingerprints


def test_the_scores_csv_names_no_juror(client, published):
    response = client.get(url("awards.scores_csv", category_id=published.category.id))
    rows = _csv(response)
    assert len(rows) == 2 * 3 * 3
    assert {row["juror"] for row in rows} == {"J1", "J2"}
    assert {row["criterion"] for row in rows} == {"Impatto", "Innovazione", "Replicabilità"}
    assert {(row["criterion"], row["weight"]) for row in rows} == {
        ("Impatto", "50"),
        ("Innovazione", "30"),
        ("Replicabilità", "20"),
    }
    for juror in published.jurors:
        for secret in (juror.display_name, juror.email, "Giurat", "Commento"):
            assert secret not in response.text
    # A juror's label is the same on each of their rows: J1 gave A 9 or 8, consistently.
    per_juror = {}
    for row in rows:
        per_juror.setdefault(row["juror"], {})[int(row["case"])] = int(row["score"])
    assert sorted(scores[published.cases.a.id] for scores in per_juror.values()) == [8, 9]


def test_authors_download_their_certificate_and_others_cannot(app, client, published):
    category, a = published.category, published.cases.a
    path = url("awards.certificate", category_id=category.id, case_id=a.id)
    for author in (published.authors.alice, published.authors.carla):
        response = signed_in(app, author).get(path)
        assert response.status_code == 200
        assert response.data[:4] == b"%PDF"
        assert response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "private, no-store"
    assert signed_in(app, published.organiser).get(path).data[:4] == b"%PDF"
    for other in (make_member(), published.authors.bruno, published.jurors[0]):
        response = signed_in(app, other).get(path, headers=EN)
        assert response.status_code == 403
        assert "Certificates are for the authors of the case." in response.text
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and url("accounts.login") in anonymous.headers["Location"]
    # A finalist's author has one for the finalist, and nobody has one for a case that was not a finalist.
    bruno = signed_in(app, published.authors.bruno)
    assert (
        bruno.get(url("awards.certificate", category_id=category.id, case_id=published.cases.b.id)).status_code == 200
    )
    outsider = make_case(published.authors.bruno)
    assert bruno.get(url("awards.certificate", category_id=category.id, case_id=outsider.id)).status_code == 404


def test_the_results_page_offers_certificates_only_to_authors(app, client, published):
    path = url("awards.results", category_id=published.category.id)
    certificate = url("awards.certificate", category_id=published.category.id, case_id=published.cases.a.id)
    assert certificate in signed_in(app, published.authors.alice).get(path, headers=EN).text
    assert certificate not in signed_in(app, published.authors.bruno).get(path, headers=EN).text
    assert certificate not in signed_in(app, make_member()).get(path, headers=EN).text
    assert certificate not in client.get(path, headers=EN).text


def test_badges_appear_on_the_case_pages_and_the_authors_profiles(client, published):
    title = "Ascolto del cliente · Premio Relazione"
    a_page = client.get(url("cases.detail", case_id=published.cases.a.id), headers=EN).text
    assert re.search(rf'class="award-badge award-badge--winner"[^>]*>.*?Winner: {title}', a_page, re.S)
    b_page = client.get(url("cases.detail", case_id=published.cases.b.id), headers=EN).text
    assert "award-badge--winner" not in b_page
    assert re.search(rf'class="award-badge"[^>]*>.*?Finalist: {title}', b_page, re.S)
    for author in (published.authors.alice, published.authors.carla):
        profile = client.get(url("members.profile", user_id=author.id), headers=EN).text
        assert "award-badge--winner" in profile and f"Winner: {title}" in profile
        assert "Reclami in ventiquattro ore" in profile
    unrelated = make_case(make_member())
    assert not _has_badge(client.get(url("cases.detail", case_id=unrelated.id), headers=EN).text)


def test_the_receipt_check_finds_a_counted_ballot_and_shows_its_ranking(client, published):
    path = url("awards.receipt", edition_id=published.edition.id)
    response = client.get(path, query_string={"receipt": published.receipts[0]}, headers=EN)
    assert response.status_code == 200
    found = re.search(r'aria-labelledby="found-heading".*?</section>', response.text, re.S).group(0)
    assert "Your ballot was counted as cast" in found and "Ascolto del cliente" in found
    assert re.findall(r"<li>(.*?)</li>", found) == [
        "Il contact centre che ascolta",
        "Reclami in ventiquattro ore",
        "Bollette chiare",
    ]
    assert services.fingerprint(services.receipt_hash(published.receipts[0])) in found
    missing = client.get(path, query_string={"receipt": "AAAA-BBBB-CCCC-DDDD"}, headers=EN)
    assert missing.status_code == 404 and "No ballot of this edition has this receipt code." in missing.text
    assert client.get(path, headers=EN).status_code == 200  # the empty form


def test_a_receipt_of_another_edition_is_not_found_here(client, published):
    other = make_edition("closed")
    publish(other)
    response = client.get(
        url("awards.receipt", edition_id=other.id), query_string={"receipt": published.receipts[0]}, headers=EN
    )
    assert response.status_code == 404


def test_publishing_twice_is_refused(app, published):
    response = signed_in(app, published.organiser).post(url("awards.publish", edition_id=published.edition.id))
    assert response.status_code == 409
    assert len(audit_entries(published.edition, "award.results.published")) == 1


def test_published_results_are_frozen(app, client, published):
    category = reload(AwardCategory, published.category.id)
    path = url("awards.results", category_id=category.id)
    before = client.get(path, headers=EN).text
    frozen_tally = dict(category.tally)
    # Later changes to the data: a late ballot, a changed score sheet, a juror removed, a finalist's
    # title edited, a member suspended.
    db.session.add(
        Ballot(category_id=category.id, voter_key="late", ranking=[published.cases.c.id], receipt_hash="late")
    )
    review = db.session.scalars(select(Review).order_by(Review.id)).first()
    for item in review.scores:
        item.value = 1
    from club.awards.models import Juror

    db.session.execute(Juror.__table__.delete().where(Juror.user_id == published.jurors[1].id))
    published.voters[0].suspended_at = utcnow()
    db.session.commit()
    after = client.get(path, headers=EN).text
    assert after == before
    assert reload(AwardCategory, category.id).tally == frozen_tally
    # ... and the edition itself no longer changes.
    organiser_client = signed_in(app, published.organiser)
    edition = reload(AwardEdition, published.edition.id)
    data = edition_form_data(edition.week, title="Titolo nuovo")
    for name in ("nominations_open_at", "nominations_close_at", "jury_open_at", "jury_close_at"):
        data[name] = form_moment(getattr(edition, name))
    for name in ("vote_open_at", "vote_close_at", "results_at"):
        data[name] = form_moment(getattr(edition, name))
    response = organiser_client.post(url("awards.edit_edition", edition_id=edition.id), data=data, headers=EN)
    assert response.status_code == 409
    assert "The results are published: the edition can no longer change." in response.text
    assert reload(AwardEdition, edition.id).title == "Premio Relazione"


def test_what_happens_to_people_later_changes_no_published_figure(app, client, published):
    category = published.category
    paths = [
        url("awards.results", category_id=category.id),
        url("awards.ballots_csv", category_id=category.id),
        url("awards.scores_csv", category_id=category.id),
    ]
    before = [client.get(path, headers=EN).text for path in paths]
    # After the results: a juror moves to a finalist's organisation (a recusal, were the jury still
    # counting), another is removed from the jury, a voter is suspended, a new member joins.
    from club.awards.models import Juror
    from club.members.models import Profile

    db.session.add(Profile(user_id=published.jurors[0].id, organisation="Telco Tirrenica"))
    db.session.execute(Juror.__table__.delete().where(Juror.user_id == published.jurors[1].id))
    published.voters[0].suspended_at = utcnow()
    db.session.commit()
    make_member()
    after = [client.get(path, headers=EN).text for path in paths]
    for path, old, new in zip(paths, before, after, strict=True):
        assert new == old, path


# -- the scheduled publication ---------------------------------------------------------------------


def test_the_scheduled_job_publishes_due_editions_once(app, client, contest):
    waiting = make_edition("counting", title="Premio in attesa")  # closed, results due tomorrow
    make_category(waiting)
    assert services.publish_due_results() == 1
    edition = reload(AwardEdition, contest.edition.id)
    assert edition.results_frozen_at is not None
    assert reload(AwardEdition, waiting.id).results_frozen_at is None
    assert services.publish_due_results() == 0
    assert len(audit_entries(edition, "award.results.published")) == 1
    [entry] = audit_entries(edition, "award.results.published")
    assert entry.actor_id is None and entry.details["by"] == "scheduler"
    response = client.get(url("awards.results", category_id=contest.category.id), headers=EN)
    assert response.status_code == 200 and "Reclami in ventiquattro ore" in response.text
    log = signed_in(app, contest.organiser).get(url("awards.audit_log", edition_id=edition.id), headers=EN).text
    assert re.search(r"<td>Scheduler</td>\s*<td>Results published", log)


def test_the_scheduled_job_leaves_an_edition_published_by_hand(app, published):
    assert services.publish_due_results() == 0
    assert len(audit_entries(published.edition, "award.results.published")) == 1


def test_the_scheduled_job_is_registered(app):
    [(name, job, trigger)] = services.scheduled_jobs()
    assert name == "awards.publish_results" and job is services.publish_due_results
    assert trigger["trigger"] == "cron"


def test_an_organiser_publishing_early_makes_the_results_visible_now(app, client):
    edition = make_edition("counting")  # closed, but the planned time is tomorrow
    category = make_category(edition)
    [nomination] = make_finalists(category, make_case(make_member()))
    response = signed_in(app, make_organiser()).post(url("awards.publish", edition_id=edition.id))
    assert response.status_code == 302
    assert client.get(url("awards.results", category_id=category.id), headers=EN).status_code == 200
    edition = reload(AwardEdition, edition.id)
    assert edition.results_at <= utcnow()
    [entry] = audit_entries(edition, "award.results.published")
    assert entry.details["by"] == "organiser"


# -- the audit log ---------------------------------------------------------------------------------


def test_every_organiser_action_is_on_the_audit_page_with_who(app):
    olga, otto = make_organiser(display_name="Olga Organizzatrice"), make_organiser(display_name="Otto Ordinatore")
    edition = make_edition("selection", actor=olga)
    category = make_category(edition, "Ascolto del cliente", actor=olga)
    [nomination] = make_finalists(category, make_case(make_member()))
    other = make_finalists(category, make_case(make_member()))[0]
    juror = make_member(email="giurato@example.com")
    # A timeline change, the finalists and the jury by Otto, the publication by Olga.
    edition = reload(AwardEdition, edition.id)
    data = services.EditionInput(
        **{name: getattr(edition, name) for name in services.EditionInput.__dataclass_fields__}
    )
    data.results_at = edition.results_at + timedelta(days=2)
    services.save_edition(edition, data, otto)
    services.set_finalists(reload(AwardCategory, category.id), otto, {nomination.id, other.id})
    services.set_jurors(reload(AwardCategory, category.id), otto, [juror.email])
    db.session.commit()
    move_to(reload(AwardEdition, edition.id), "closed")
    publish(edition, olga)
    page = signed_in(app, olga).get(url("awards.audit_log", edition_id=edition.id), headers=EN).text
    rows = _rows(page)
    who_did = [(row[1], row[2].split(":")[0]) for row in rows]
    for expected in [
        ("Olga Organizzatrice", "Edition created"),
        ("Olga Organizzatrice", "Category added"),
        ("Otto Ordinatore", "Timeline changed"),
        ("Otto Ordinatore", "Finalists chosen"),
        ("Otto Ordinatore", "Jurors assigned"),
        ("Olga Organizzatrice", "Results published"),
    ]:
        assert expected in who_did, expected
    assert who_did[0] == ("Olga Organizzatrice", "Results published")  # newest first
    timeline_row = next(row for row in rows if row[2].startswith("Timeline changed"))
    assert "results_at" in timeline_row[3]
    jurors_row = next(row for row in rows if row[2].startswith("Jurors assigned"))
    assert "giurato@example.com" in jurors_row[3]


def test_a_category_without_finalists_publishes_an_empty_result(app, client):
    edition = make_edition("closed")
    category = make_category(edition, "Categoria deserta")
    publish(edition)
    response = client.get(url("awards.results", category_id=category.id), headers=EN)
    assert response.status_code == 200
    assert "This category had no finalist." in response.text
    assert reload(AwardCategory, category.id).tally["winner"] is None


def test_without_ballots_the_jury_decides(app, client):
    edition = make_edition("judging_voting")
    category = make_category(edition)
    first, second = make_case(make_member(), title="Primo per la giuria"), make_case(make_member())
    finalists = make_finalists(category, first, second)
    juror = make_member()
    add_jurors(category, juror)
    score(finalists[0], juror, 9, 9, 9)
    score(finalists[1], juror, 3, 3, 3)
    move_to(edition, "closed")
    publish(edition)
    page = client.get(url("awards.results", category_id=category.id), headers=EN).text
    winner = re.search(r'<section class="card winner".*?</section>', page, re.S).group(0)
    assert "Primo per la giuria" in winner
    assert "Ballots: 0" in page
