"""Factories for the awards tests: editions placed in any phase relative to now, categories, entries,
finalists, jurors, scores and ballots (through the services, committed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from club.awards import services
from club.awards.models import AwardCategory, AwardEdition, Nomination
from club.core.timeutil import ROME, utcnow
from club.extensions import db
from tests.event_factories import make_week
from tests.factories import make_organiser

DAY = timedelta(days=1)

# Offsets in days from now of (nominations open, close, jury open, close, vote open, close, results).
PHASES = {
    "announced": (1, 3, 4, 7, 4, 7, 8),
    "nominations": (-1, 1, 2, 5, 2, 5, 6),
    "selection": (-3, -1, 1, 4, 1, 4, 5),
    "judging": (-5, -3, -1, 2, 3, 5, 6),
    "voting": (-8, -6, -5, -3, -1, 2, 3),
    "judging_voting": (-5, -3, -1, 2, -1, 2, 3),
    "counting": (-10, -8, -7, -2, -7, -1, 1),
    "closed": (-10, -8, -7, -3, -7, -2, -1),
}
MOMENTS = (
    "nominations_open_at",
    "nominations_close_at",
    "jury_open_at",
    "jury_close_at",
    "vote_open_at",
    "vote_close_at",
    "results_at",
)


def timeline(phase: str) -> dict:
    now = utcnow().replace(second=0, microsecond=0)  # whole minutes, as the edition form sends them
    return {name: now + offset * DAY for name, offset in zip(MOMENTS, PHASES[phase], strict=True)}


def make_edition(phase: str = "nominations", *, week=None, actor=None, **overrides) -> AwardEdition:
    week = week or make_week()
    values = dict(
        week_id=week.id,
        title="Premio Esperienza Cliente",
        description="Le regole del premio.",
        published=True,
        max_entries_per_case=2,
        anonymous_judging=False,
        jury_weight=70,
        **timeline(phase),
    )
    values.update(overrides)
    edition = services.save_edition(None, services.EditionInput(**values), actor or make_organiser())
    db.session.commit()
    return edition


def move_to(edition: AwardEdition, phase: str) -> None:
    """Shift the edition's timeline so that it is now in `phase` (database constraints still hold)."""
    for name, value in timeline(phase).items():
        setattr(edition, name, value)
    db.session.commit()


def make_category(
    edition: AwardEdition,
    name: str = "Miglior caso di esperienza cliente",
    *,
    criteria=(("Impatto", 50), ("Innovazione", 30), ("Replicabilità", 20)),
    eligible_from: date | None = None,
    eligible_until: date | None = None,
    sectors=(),
    actor=None,
) -> AwardCategory:
    today = date.today()
    data = services.CategoryInput(
        name=name,
        description="",
        eligible_from=eligible_from or today - timedelta(days=365),
        eligible_until=eligible_until or today + timedelta(days=365),
        sector_ids=[sector.id for sector in sectors],
        criteria=list(criteria),
    )
    category = services.save_category(edition, None, data, actor or make_organiser())
    db.session.commit()
    return category


def enter(category: AwardCategory, case, *, eligible: bool = True, finalist: bool = False) -> Nomination:
    """The case entered by its creator (ignoring the window), optionally checked eligible and a finalist."""
    edition = category.edition
    used = set(
        db.session.scalars(
            select(Nomination.slot).where(Nomination.edition_id == edition.id, Nomination.case_id == case.id)
        )
    )
    slot = min(set(range(edition.max_entries_per_case)) - used)
    nomination = Nomination(
        edition_id=edition.id,
        category_id=category.id,
        case_id=case.id,
        nominated_by_id=case.created_by_id,
        accepted_by_id=case.created_by_id,
        status="entered",
        slot=slot,
        entered_at=utcnow(),
        eligibility="eligible" if eligible else "unchecked",
        finalist=finalist,
    )
    db.session.add(nomination)
    db.session.commit()
    return nomination


def make_finalists(category: AwardCategory, *cases) -> list[Nomination]:
    return [enter(category, case, finalist=True) for case in cases]


def add_jurors(category: AwardCategory, *users) -> None:
    from club.awards.models import Juror

    for user in users:
        db.session.add(Juror(category_id=category.id, user_id=user.id))
    db.session.commit()


def score(nomination: Nomination, juror, *values: int, comment: str = "") -> None:
    """Scores for every criterion, in the category's order (the jury window must be open)."""
    criteria = nomination.category.criteria
    services.submit_scores(nomination, juror, dict(zip([c.id for c in criteria], values, strict=True)), comment)
    db.session.commit()


def vote(category: AwardCategory, member, *cases) -> str:
    receipt = services.cast_ballot(category, member, [case.id for case in cases])
    db.session.commit()
    return receipt


def reload(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


# -- for the page tests ----------------------------------------------------------------------------


def signed_in(app, user):
    """A new client of `app`, signed in as `user`."""
    from tests.helpers import login

    member_client = app.test_client()
    login(member_client, user)
    return member_client


def publish(edition: AwardEdition, actor=None) -> None:
    """Publish the results as an organiser would (the edition must be closed)."""
    services.publish_results(db.session.get(AwardEdition, edition.id), actor or make_organiser())
    db.session.commit()


def form_moment(moment: datetime) -> str:
    """A moment as a datetime-local field sends it: Italian wall-clock time, to the minute."""
    return moment.astimezone(ROME).strftime("%Y-%m-%dT%H:%M")


def edition_form_data(week, phase: str = "announced", **overrides) -> dict:
    """What the browser sends from the edition form; overrides replace any field (None leaves it out)."""
    data = {
        "week_id": str(week.id),
        "title": "Premio Relazione 2031",
        "description": "Le **regole** del premio.",
        "published": "y",
        "max_entries_per_case": "2",
        "jury_weight": "70",
        **{name: form_moment(value) for name, value in timeline(phase).items()},
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def category_form_data(**overrides) -> dict:
    """What the browser sends from the category form; overrides replace any field (None leaves it out)."""
    today = date.today()
    data = {
        "name": "Miglior progetto di ascolto",
        "description": "Per chi ascolta i clienti.",
        "eligible_from": (today - 365 * DAY).isoformat(),
        "eligible_until": (today + 30 * DAY).isoformat(),
        "criteria": "Impatto | 50\nInnovazione | 30\nReplicabilità | 20",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def audit_entries(edition: AwardEdition, kind: str | None = None) -> list:
    """The edition's audit entries, oldest first (optionally of one kind)."""
    from club.core.models import AuditEntry

    db.session.expire_all()
    statement = select(AuditEntry).where(AuditEntry.scope == f"award-edition:{edition.id}").order_by(AuditEntry.id)
    if kind is not None:
        statement = statement.where(AuditEntry.kind == kind)
    return list(db.session.scalars(statement))


def ballots_of(category: AwardCategory) -> list:
    from club.awards.models import Ballot

    db.session.expire_all()
    return list(db.session.scalars(select(Ballot).where(Ballot.category_id == category.id).order_by(Ballot.id)))


def race(requests) -> list:
    """Send every (client, path, data) POST at the same moment; the status codes (or the exceptions).

    The test's transaction ends first, so it holds no lock nor snapshot while the requests run.
    """
    import threading

    db.session.commit()
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index, member_client, path, data):
        try:
            barrier.wait(timeout=30)
            results[index] = member_client.post(path, data=data, headers={"Accept-Language": "en"}).status_code
        except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
            results[index] = error

    threads = [threading.Thread(target=worker, args=(n, *request)) for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results
