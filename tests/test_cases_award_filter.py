"""The case list's "award winners only" filter: the cases that won a published award, nothing before."""

from club.awards import services
from club.extensions import db
from tests.award_factories import make_category, make_edition, make_finalists, move_to, vote
from tests.case_factories import make_case
from tests.factories import make_member, make_organiser
from tests.helpers import url

EN = {"Accept-Language": "en"}


def test_award_winner_filter_shows_only_winners_and_only_after_publication(client):
    edition = make_edition("judging_voting")
    category = make_category(edition)
    a = make_case(make_member(), title="Vincitore assoluto del premio")
    b = make_case(make_member(), title="Finalista onorevole del premio")
    make_case(make_member(), title="Caso qualunque senza premio")
    make_finalists(category, a, b)
    vote(category, make_member(), a, b)
    move_to(edition, "closed")
    r = client.get(url("cases.index", awarded="y"), headers=EN)
    assert "Vincitore assoluto" not in r.text
    services.publish_results(services.get_edition(edition.id), make_organiser())
    db.session.commit()
    r = client.get(url("cases.index", awarded="y"), headers=EN)
    assert "Vincitore assoluto" in r.text and "Finalista onorevole" not in r.text and "qualunque" not in r.text
