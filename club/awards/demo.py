"""Demo data of the awards domain: last year's award, judged, voted and published, and this year's, open.

Two editions of the "Premio Esperienza Cliente", each attached to an award week of club.events.demo
(found by query: the latest published "Settimana Relazione Esperienza Cliente" that is over, and the
first one still to come):

- last year's, over and published: three categories with weighted criteria and an eligibility period
  that covers the year of cases before its nominations closed; the members' published case studies
  entered by their authors (a few proposed by a colleague from another sector and accepted, one
  proposal declined, one entry withdrawn), every entry checked (a couple ruled ineligible, with the
  reason), four to six finalists per category, three to five jurors per category with complete scores
  and comments, the recusals the rules make (a juror from the organisation of a finalist) and one
  declared conflict, the members' ballots (partial rankings; nobody ranks a case they wrote), and the
  results frozen with services.publish_results at the award ceremony, on the Friday of the week;
- this year's, in its nomination phase today: nominations opened four days ago and close in about two
  weeks, the jury and the vote follow, the results come at the ceremony; a handful of entries already
  in, and one proposal waiting for its author (the demo login, when her cases qualify).

Everything is deterministic for a given database and day (random.Random(SEED)). The edition, its
categories and this year's entries go through the services (save_edition, save_category, nominate,
set_eligibility), which check what they check. Past actions cannot: the services refuse anything
outside its window, so last year's rows are written directly, keeping every rule the services keep
(one slot per entered category and at most max_entries_per_case slots per case; finalists entered and
eligible; no scores where a juror is recused; one ballot per member per category, keyed with
services.voter_key; receipts kept only as services.receipt_hash; only accounts that existed at the
time act), with an audit entry, dated then, for every organiser action. Nothing sends email.

Loading twice adds nothing: an edition whose week already has an edition of that title is left as it
is. Load the demo of core, accounts, members, cases and events first (`flask demo` does).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from club.accounts import demo as accounts_demo
from club.accounts.models import Role, User
from club.awards import services
from club.awards.models import (
    AwardCategory,
    AwardEdition,
    Ballot,
    DeclaredConflict,
    Eligibility,
    Juror,
    Nomination,
    NominationStatus,
    Review,
    Score,
)
from club.cases.models import CaseStudy, Status
from club.core import audit
from club.core.models import AuditEntry, Sector
from club.core.timeutil import ROME, utcnow
from club.events import demo as events_demo
from club.events.models import EventWeek, WeekStatus
from club.extensions import db
from club.members import demo as members_demo
from club.members.models import Profile

SEED = 2026
EDITION_TITLE = "Premio Esperienza Cliente {year}"
WEEK_PREFIX = events_demo.WEEK_TITLE.format(year="").strip()
PAOLA, STEFANO, ELENA = accounts_demo.ORGANISER_EMAILS
MAX_ENTRIES_PER_CASE = 2
JURY_WEIGHT = 70


# -- the texts ------------------------------------------------------------------------------------------------

PAST_DESCRIPTION = """\
Il **Premio Esperienza Cliente** celebra i casi di studio che i soci hanno pubblicato sul sito nell'ultimo \
anno: progetti veri, con i numeri, gli errori e quello che altri possono riprendere nel proprio settore.

Come funziona:

- **candidature**: gli autori candidano i propri casi (ogni caso in due categorie al massimo); un socio può \
proporre il caso di un altro, che conta se un autore accetta;
- **finalisti**: il comitato verifica i requisiti e sceglie da quattro a sei finalisti per categoria;
- **giuria**: per ogni categoria da tre a cinque soci esperti danno un voto da 1 a 10 su ogni criterio; chi \
lavora nell'organizzazione di un finalista, o dichiara un conflitto, non lo giudica;
- **voto dei soci**: ogni socio ordina i finalisti che preferisce (non i propri); i voti si contano con il \
metodo Schulze e restano anonimi, con una ricevuta per ritrovare il proprio.

La classifica finale pesa la giuria per il 70% e i soci per il 30%. I vincitori sono annunciati alla \
premiazione, il venerdì sera della Settimana.
"""

COMING_DESCRIPTION = """\
Torna il **Premio Esperienza Cliente**: candida il tuo caso di studio, o proponi quello di un collega che ti \
ha insegnato qualcosa.

Possono concorrere i casi pubblicati sul sito dopo la chiusura delle candidature dell'edizione precedente. \
Ogni caso concorre in due categorie al massimo; un caso proposto da un altro socio conta quando uno degli \
autori accetta.

Novità di quest'anno:

- una categoria dedicata ai **servizi essenziali**: pubblica amministrazione, utility, sanità e trasporti;
- **giudizio anonimo**: i giurati leggono i casi senza i nomi degli autori.

La classifica finale pesa la giuria per il 70% e il voto dei soci per il 30%. I vincitori saranno annunciati \
alla premiazione, il venerdì sera della Settimana.
"""


@dataclass(frozen=True)
class CategorySpec:
    name: str
    description: str
    criteria: tuple[tuple[str, int], ...]
    leaning: tuple[str, ...] = ()  # competence areas whose cases tend to be entered here
    sectors: tuple[str, ...] = ()  # open only to these sectors (slugs), if any


CX = CategorySpec(
    "Miglior progetto di customer experience",
    "Il progetto che ha cambiato di più, e in meglio, l'esperienza dei clienti: dal primo contatto alla "
    "soluzione, con risultati misurati prima e dopo.",
    (("Impatto sui clienti", 40), ("Risultati misurati", 35), ("Coinvolgimento delle persone", 25)),
    ("customer-experience", "customer-journey", "measurement-voice-of-customer"),
)
INNOVATION = CategorySpec(
    "Innovazione nel contact center",
    "Strumenti, processi o modi di lavorare nuovi nel servizio clienti: intelligenza artificiale, canali, "
    "organizzazione, formazione. Conta l'innovazione che ha retto alla prova dei fatti, non la tecnologia in "
    "sé.",
    (("Originalità della soluzione", 40), ("Risultati e sostenibilità", 35), ("Attenzione alle persone", 25)),
    ("artificial-intelligence", "omnichannel", "people-training-motivation"),
)
CROSS_SECTOR = CategorySpec(
    "Cross-settore: idea replicabile",
    "L'idea che un socio di un altro settore può riprendere domani: semplice da spiegare, poco costosa da "
    "provare, con risultati chiari. Il premio che rompe i silos.",
    (("Replicabilità in altri settori", 50), ("Solidità dei risultati", 30), ("Chiarezza del racconto", 20)),
)
ESSENTIAL_SERVICES = CategorySpec(
    "Servizi essenziali: cittadini e utenti",
    "Per i casi della pubblica amministrazione, delle utility, della sanità e dei trasporti: servizi che "
    "tutti usano e nessuno sceglie, dove semplificare vuol dire rispettare il tempo delle persone.",
    (("Semplificazione per il cittadino", 45), ("Accessibilità e inclusione", 30), ("Risultati misurati", 25)),
    ("customer-journey", "customer-experience"),
    ("public-administration", "energy-utilities", "healthcare", "transport"),
)
PAST_CATEGORIES = (CX, INNOVATION, CROSS_SECTOR)
COMING_CATEGORIES = (CX, INNOVATION, ESSENTIAL_SERVICES)

AUTHOR_STATEMENTS = [
    "",
    "",
    "Abbiamo cambiato il modo di lavorare di tutto il servizio, non solo uno strumento: i numeri sono nel caso.",
    "Un progetto nato dalle idee degli operatori, che ha retto anche nei mesi di picco.",
    "Lo candidiamo perché è replicabile con poco: ci sono bastati tre mesi e nessun nuovo sistema.",
    "I risultati parlano da soli, ma quello di cui siamo più orgogliosi è il clima nel team.",
    "Un lavoro fatto insieme da customer care, IT e marketing: per noi è stata la vera novità.",
    "Abbiamo misurato tutto prima e dopo, compreso quello che non è andato come speravamo.",
    "Ci piacerebbe che altri soci lo provassero nel loro settore e ci raccontassero come va.",
    "Il progetto continua: lo candidiamo per confrontarci con chi ha fatto percorsi simili.",
]
PROPOSER_STATEMENTS = [
    "L'ho sentito raccontare a un incontro del club: merita di essere conosciuto da tutti i soci.",
    "Un caso che abbiamo già ripreso in parte nella mia azienda: funziona anche fuori dal suo settore.",
    "Propongo questo caso perché mostra come si misura davvero l'esperienza del cliente.",
    "Semplice, concreto e con numeri onesti: è il tipo di progetto che il premio dovrebbe far conoscere.",
]
INELIGIBLE_NOTES = [
    "I risultati coprono meno di sei mesi: il regolamento chiede almeno un semestre di misure.",
    "Il progetto è ancora in fase pilota: lo aspettiamo alla prossima edizione, con i risultati.",
    "Il caso racconta lo stesso progetto già candidato in questa categoria da un'altra azienda del gruppo.",
]
CONFLICT_REASONS = [
    "Ho seguito il progetto come consulente esterno nella fase di avvio: preferisco non valutarlo.",
    "La responsabile del progetto è stata mia collaboratrice fino all'anno scorso.",
]
REVIEW_OPENINGS = {
    "high": [
        "Progetto solido: i risultati sono misurati prima e dopo, e il metodo si può raccontare ad altri.",
        "Il caso più convincente che ho letto: parte dai clienti e coinvolge davvero gli operatori.",
        "Numeri chiari e onesti, compresi quelli che non sono migliorati.",
        "Ottimo equilibrio tra strumenti e persone; la parte sulla formazione è esemplare.",
        "Un'idea semplice, realizzata con cura: è proprio quello che il premio vuole far conoscere.",
        "Impatto evidente sui clienti e un racconto che non nasconde le difficoltà.",
    ],
    "mid": [
        "Buon lavoro, ma i risultati coprono pochi mesi: vorrei vedere come tengono nel tempo.",
        "Approccio interessante; manca un confronto con un gruppo di controllo.",
        "Il racconto è chiaro; l'impatto sui clienti è più dichiarato che dimostrato.",
        "Progetto ben fatto, meno originale di altri finalisti.",
        "Bene la misura della soddisfazione; meno chiaro quanto sia costato e chi lo porta avanti.",
        "Solido sul processo, più debole sul coinvolgimento delle persone in prima linea.",
    ],
    "low": [
        "L'idea è buona, ma il caso non spiega che cosa è cambiato per i clienti.",
        "Troppo centrato sullo strumento: le persone del servizio restano sullo sfondo.",
        "I numeri non bastano per giudicare: mancano il punto di partenza e il periodo di misura.",
        "Interessante come esperimento, ancora lontano da un risultato replicabile.",
    ],
}
REVIEW_CLOSINGS = [
    "",
    "",
    "",
    "Da raccontare alla Settimana: altri settori possono imparare molto.",
    "Ho apprezzato la franchezza sugli errori dei primi mesi.",
    "Vorrei sapere di più sul ruolo dei team leader.",
    "Lo consiglierei a chi lavora nella pubblica amministrazione.",
    "Il confronto con il settore bancario sarebbe stato utile.",
    "Merita attenzione la parte sugli indicatori.",
]


# -- the timelines ----------------------------------------------------------------------------------------


def _rome(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ROME).astimezone(UTC)


EVENING = time(23, 59)
MORNING = time(9, 0)


def past_timeline(starts_on: date, ends_on: date) -> dict[str, datetime]:
    """Last year's moments (UTC) around its week (which went online some eight weeks before it): nominations
    from seven weeks before the week to three; jury and vote from two weeks before; the jury closes on the eve
    of the week, the vote on its Wednesday; the results at the ceremony, on its last evening."""
    return {
        "nominations_open_at": _rome(starts_on - timedelta(days=49), MORNING),
        "nominations_close_at": _rome(starts_on - timedelta(days=22), EVENING),
        "jury_open_at": _rome(starts_on - timedelta(days=14), MORNING),
        "jury_close_at": _rome(starts_on - timedelta(days=1), EVENING),
        "vote_open_at": _rome(starts_on - timedelta(days=14), MORNING),
        "vote_close_at": _rome(_last_vote_day(starts_on, ends_on), EVENING),
        "results_at": _rome(ends_on, time(18, 0)),
    }


def coming_timeline(today: date, starts_on: date, ends_on: date) -> dict[str, datetime]:
    """This year's moments (UTC): nominations opened four days ago and close in two weeks, or a week before
    the week if that comes first; then three days to choose the finalists, the jury until the eve of the
    week, the vote until its Wednesday, the results at the ceremony on its last evening. (A week too near
    for that gets the same steps after the close, ending after the week.)"""
    close = today + timedelta(days=14)
    if starts_on - timedelta(days=7) >= today + timedelta(days=7):
        close = min(close, starts_on - timedelta(days=7))
    if close <= starts_on - timedelta(days=7):
        jury_close, vote_close = starts_on - timedelta(days=1), _last_vote_day(starts_on, ends_on)
        results = _rome(ends_on, time(18, 0))
    else:
        jury_close, vote_close = close + timedelta(days=10), close + timedelta(days=12)
        results = _rome(close + timedelta(days=13), time(18, 0))
    return {
        "nominations_open_at": _rome(today - timedelta(days=4), MORNING),
        "nominations_close_at": _rome(close, EVENING),
        "jury_open_at": _rome(close + timedelta(days=3), MORNING),
        "jury_close_at": _rome(jury_close, EVENING),
        "vote_open_at": _rome(close + timedelta(days=3), MORNING),
        "vote_close_at": _rome(vote_close, EVENING),
        "results_at": results,
    }


def _last_vote_day(starts_on: date, ends_on: date) -> date:
    """The Wednesday of the week (the eve of a week shorter than four days)."""
    return starts_on + timedelta(days=2) if (ends_on - starts_on).days >= 3 else starts_on - timedelta(days=1)


def _past_eligibility(starts_on: date) -> tuple[date, date]:
    """Cases published in the year before last year's nominations closed."""
    until = past_timeline(starts_on, starts_on + timedelta(days=4))["nominations_close_at"].astimezone(ROME).date()
    return until - timedelta(days=364), until


# -- what the loaders work on ----------------------------------------------------------------------------


@dataclass
class _World:
    rng: random.Random
    now: datetime
    users: dict[int, User]  # active, verified accounts
    members: list[User]  # of those, the members (not the organisers): they enter, judge and vote
    profiles: dict[int, Profile]
    cases: list[CaseStudy]  # published, oldest first
    organisers: dict[str, User]

    def organiser(self, email: str) -> User:
        return self.organisers.get(email) or next(iter(self.organisers.values()))


def _world(now: datetime) -> _World | None:
    users = {
        user.id: user
        for user in db.session.scalars(select(User).order_by(User.id))
        if user.is_active and user.is_verified
    }
    organisers = {user.email: user for user in users.values() if user.role in (Role.ORGANISER, Role.ADMIN)}
    if not organisers:
        return None
    profiles = {
        profile.user_id: profile
        for profile in db.session.scalars(select(Profile).where(Profile.user_id.in_(list(users))))
    }
    cases = list(
        db.session.scalars(
            select(CaseStudy)
            .where(CaseStudy.status == Status.PUBLISHED, CaseStudy.published_at.is_not(None))
            .options(selectinload(CaseStudy.authors), selectinload(CaseStudy.competences))
            .order_by(CaseStudy.published_at, CaseStudy.id)
        )
    )
    return _World(
        rng=random.Random(SEED),  # noqa: S311 - reproducible demo data, not a secret
        now=now,
        users=users,
        members=[user for user in users.values() if user.role == Role.MEMBER],
        profiles=profiles,
        cases=cases,
        organisers=organisers,
    )


def _between(rng: random.Random, start: datetime, end: datetime, share: float | None = None) -> datetime:
    share = rng.random() if share is None else share
    return (start + (end - start) * share).replace(microsecond=0)


def _stamp_audit(moment: datetime) -> None:
    """Date the audit entries that the last service call added (not yet flushed) at `moment`."""
    for item in db.session.new:
        if isinstance(item, AuditEntry) and item.created_at is None:
            item.created_at = moment


def _award_weeks(today: date) -> tuple[EventWeek | None, EventWeek | None]:
    """The award week that is over (the latest), and the one to come (the first), among the published ones."""
    weeks = db.session.scalars(
        select(EventWeek)
        .where(EventWeek.status == WeekStatus.PUBLISHED, EventWeek.title.startswith(WEEK_PREFIX))
        .order_by(EventWeek.starts_on)
    ).all()
    past = [week for week in weeks if week.ends_on < today]
    coming = [week for week in weeks if week.starts_on > today]
    return (past[-1] if past else None), (coming[0] if coming else None)


def _edition_exists(week: EventWeek, title: str) -> bool:
    return (
        db.session.scalar(select(AwardEdition.id).where(AwardEdition.week_id == week.id, AwardEdition.title == title))
        is not None
    )


def _create_edition(
    world: _World, week: EventWeek, title: str, description: str, moments: dict, created: datetime, anonymous: bool
) -> AwardEdition:
    actor = world.organiser(PAOLA)
    edition = services.save_edition(
        None,
        services.EditionInput(
            week_id=week.id,
            title=title,
            description=description,
            published=True,
            max_entries_per_case=MAX_ENTRIES_PER_CASE,
            anonymous_judging=anonymous,
            jury_weight=JURY_WEIGHT,
            **moments,
        ),
        actor,
    )
    edition.created_at = created
    _stamp_audit(created)
    return edition


def _create_categories(
    world: _World, edition: AwardEdition, specs, eligible: tuple[date, date], created: datetime
) -> list[AwardCategory]:
    sectors = {sector.slug: sector.id for sector in db.session.scalars(select(Sector))}
    categories = []
    for index, spec in enumerate(specs):
        sector_ids = [sectors[slug] for slug in spec.sectors if slug in sectors]
        category = services.save_category(
            edition,
            None,
            services.CategoryInput(
                name=spec.name,
                description=spec.description,
                eligible_from=eligible[0],
                eligible_until=eligible[1],
                sector_ids=sector_ids,
                criteria=list(spec.criteria),
            ),
            world.organiser(PAOLA),
        )
        _stamp_audit(created + timedelta(minutes=12 * (index + 1)))
        categories.append(category)
    return categories


def _fits(case: CaseStudy, category: AwardCategory, sector_ids: set[int]) -> bool:
    published_on = case.published_at.astimezone(ROME).date()
    if not category.eligible_from <= published_on <= category.eligible_until:
        return False
    return not sector_ids or case.sector_id in sector_ids


def _appeal(case: CaseStudy, spec: CategorySpec) -> float:
    """How likely its authors are to enter the case in this category."""
    areas = {competence.slug for competence in case.competences}
    return 1.0 + 2.0 * len(areas & set(spec.leaning)) + 0.1 * min(case.useful_count, 20)


def _weighted_pick(rng: random.Random, items: list, weights: list[float], count: int) -> list:
    """`count` items without replacement, each draw in proportion to its weight (Efraimidis-Spirakis)."""
    keys = [rng.random() ** (1.0 / weight) for weight in weights]
    order = sorted(range(len(items)), key=lambda index: -keys[index])
    return [items[index] for index in order[:count]]


def _organisation(world: _World, user_id: int) -> str:
    profile = world.profiles.get(user_id)
    return services._normalise_organisation(profile.organisation if profile else None)


# -- last year's edition ------------------------------------------------------------------------------------


@dataclass
class _Entry:
    nomination: Nomination
    case: CaseStudy
    quality: float = 0.0  # how good the jury will find it (a latent figure, 1 to 10)


def _enter_past(
    world: _World, edition: AwardEdition, categories: list[AwardCategory], moments: dict
) -> dict[int, list[_Entry]]:
    """Every category's entered cases; also one declined proposal and one withdrawn entry."""
    rng = world.rng
    opens, closes = moments["nominations_open_at"], moments["nominations_close_at"]
    slots: dict[int, int] = {}  # case id -> slots taken
    entries: dict[int, list[_Entry]] = {category.id: [] for category in categories}

    def authors_then(case: CaseStudy, moment: datetime) -> list[User]:
        return [
            world.users[author.user_id]
            for author in sorted(case.authors, key=lambda a: a.position)
            if author.user_id in world.users and world.users[author.user_id].created_at < moment
        ]

    def proposer_for(case: CaseStudy, moment: datetime) -> User | None:
        own = _organisation(world, case.created_by_id)
        candidates = [
            user
            for user in world.members
            if user.id not in case.author_ids and user.created_at < moment and _organisation(world, user.id) != own
        ]
        return rng.choice(candidates) if candidates else None

    declined_done = withdrawn_done = False
    for category, spec in zip(categories, PAST_CATEGORIES, strict=True):
        sector_ids = {sector.id for sector in category.sectors}
        pool = [
            case
            for case in world.cases
            if _fits(case, category, sector_ids)
            and case.published_at < closes - timedelta(days=2)
            and slots.get(case.id, 0) < MAX_ENTRIES_PER_CASE
            and authors_then(case, closes - timedelta(days=2))
        ]
        wanted = min(len(pool), rng.randint(8, 11))
        chosen = _weighted_pick(rng, pool, [_appeal(case, spec) for case in pool], wanted)
        chosen.sort(key=lambda case: case.published_at)
        for position, case in enumerate(chosen):
            # After the case went out and an author had an account; most entries come in the last weeks.
            earliest = min(user.created_at for user in authors_then(case, closes - timedelta(days=2)))
            start = max(opens, case.published_at + timedelta(hours=2), earliest + timedelta(days=1))
            at = _between(rng, start, closes - timedelta(hours=3), rng.betavariate(2.2, 1.2))
            author = authors_then(case, at)[0]
            proposer = proposer_for(case, at) if rng.random() < 0.2 else None
            nomination = Nomination(
                edition_id=edition.id,
                category_id=category.id,
                case_id=case.id,
                nominated_by_id=(proposer or author).id,
                status=NominationStatus.PROPOSED.value,
                statement=rng.choice(PROPOSER_STATEMENTS if proposer else AUTHOR_STATEMENTS),
                created_at=at,
            )
            withdraw = not withdrawn_done and position == len(chosen) - 1 and len(chosen) > 6 and proposer is None
            decline = not declined_done and proposer is not None
            if decline:
                nomination.status = NominationStatus.DECLINED.value
                declined_done = True
            elif withdraw:
                # Entered, then withdrawn by its author before the close: it gives its slot back.
                nomination.status = NominationStatus.WITHDRAWN.value
                nomination.accepted_by_id = author.id
                nomination.entered_at = at
                withdrawn_done = True
            else:
                accepted = at + timedelta(hours=rng.uniform(6, 60))
                entered = at if proposer is None else min(accepted, closes - timedelta(minutes=5))
                nomination.status = NominationStatus.ENTERED.value
                nomination.accepted_by_id = author.id
                nomination.entered_at = entered.replace(microsecond=0)
                nomination.slot = slots.get(case.id, 0)
                slots[case.id] = nomination.slot + 1
            db.session.add(nomination)
            if nomination.status == NominationStatus.ENTERED:
                entries[category.id].append(_Entry(nomination, case))
    db.session.flush()
    return entries


def _check_eligibility(world: _World, edition: AwardEdition, entries: dict[int, list[_Entry]], moments: dict) -> None:
    """The committee checks every entry in the days after the close; one or two are not eligible."""
    rng = world.rng
    deadline = moments["nominations_close_at"] + timedelta(days=3)
    checker = world.organiser(ELENA)
    all_entries = [entry for items in entries.values() for entry in items]
    # One entry ruled out in each of the two categories with the most entries (if they can spare one).
    busiest = sorted(entries.values(), key=len, reverse=True)[:2]
    ineligible = {id(rng.choice(items)) for items in busiest if len(items) >= 7}
    notes = iter(rng.sample(INELIGIBLE_NOTES, k=len(INELIGIBLE_NOTES)))
    for entry in sorted(all_entries, key=lambda item: item.nomination.entered_at):
        nomination = entry.nomination
        if id(entry) in ineligible:
            nomination.eligibility, nomination.eligibility_note = Eligibility.INELIGIBLE.value, next(notes)
        else:
            nomination.eligibility = Eligibility.ELIGIBLE.value
        checked = min(nomination.entered_at + timedelta(hours=rng.uniform(3, 80)), deadline)
        audit.record(
            checker,
            "award.eligibility",
            edition.scope,
            entry.case.title,
            nomination_id=nomination.id,
            category_id=nomination.category_id,
            eligibility=nomination.eligibility,
            note=nomination.eligibility_note,
        )
        _stamp_audit(checked.replace(microsecond=0))


def _choose_finalists(
    world: _World, edition: AwardEdition, categories: list[AwardCategory], entries: dict[int, list[_Entry]], moments
) -> dict[int, list[_Entry]]:
    """Four to six finalists per category, by the committee's reading (a latent quality). In the first
    category where it can be, one finalist comes from an organisation that has another member, who will sit
    on its jury."""
    rng = world.rng
    chosen_at = moments["nominations_close_at"] + timedelta(days=3, hours=12)
    finalists: dict[int, list[_Entry]] = {}
    colleague_placed = False
    for category in categories:
        eligible = [entry for entry in entries[category.id] if entry.nomination.eligibility == Eligibility.ELIGIBLE]
        for entry in eligible:
            entry.quality = rng.uniform(5.2, 8.6)
        ranked = sorted(eligible, key=lambda entry: -entry.quality)
        count = min(len(ranked), rng.randint(4, 6))
        picked = ranked[:count]
        if not colleague_placed and picked:
            with_colleague = [
                entry for entry in ranked if _colleagues(world, entry.case, moments["nominations_open_at"])
            ]
            if with_colleague and not any(entry in with_colleague for entry in picked):
                picked[-1] = with_colleague[0]
            colleague_placed = any(entry in with_colleague for entry in picked)
        for entry in picked:
            entry.nomination.finalist = True
        finalists[category.id] = sorted(picked, key=lambda entry: entry.case.id)
        audit.record(
            world.organiser(PAOLA),
            "award.finalists",
            edition.scope,
            category.name,
            category_id=category.id,
            finalists=sorted(entry.case.id for entry in picked),
        )
        _stamp_audit(chosen_at)
        chosen_at += timedelta(minutes=20)
    db.session.flush()
    return finalists


def _colleagues(world: _World, case: CaseStudy, before: datetime) -> list[User]:
    """Members of the organisation the case tells about who did not write it, with an account by then."""
    organisation = services._normalise_organisation(case.organisation)
    return [
        user
        for user in world.members
        if user.id not in case.author_ids and user.created_at < before and _organisation(world, user.id) == organisation
    ]


def _appoint_jurors(
    world: _World, edition: AwardEdition, categories: list[AwardCategory], finalists: dict[int, list[_Entry]], moments
) -> dict[int, list[User]]:
    """Three to five members per category, each on one jury; none wrote a finalist of their category. The
    first jury that can gets a member from the organisation of one of its finalists (recused from it by the
    rules, automatically)."""
    rng = world.rng
    appointed_at = moments["nominations_close_at"] + timedelta(days=4, hours=10)
    taken: set[int] = set()
    juries: dict[int, list[User]] = {}
    colleague_seated = False
    for category in categories:
        writers = {author_id for entry in finalists[category.id] for author_id in entry.case.author_ids}
        pool = [
            user
            for user in world.members
            if user.id not in taken and user.id not in writers and user.created_at < moments["nominations_open_at"]
        ]
        size = min(len(pool), rng.randint(3, 5))
        seats: list[User] = []
        if not colleague_seated:
            for entry in finalists[category.id]:
                colleagues = [user for user in _colleagues(world, entry.case, appointed_at) if user in pool]
                if colleagues:
                    seats.append(colleagues[0])
                    colleague_seated = True
                    break
        # The rest from different organisations (and the club's many sectors).
        others = [user for user in pool if user not in seats]
        rng.shuffle(others)
        for user in others:
            if len(seats) >= size:
                break
            if _organisation(world, user.id) not in {_organisation(world, seat.id) for seat in seats}:
                seats.append(user)
        for index, user in enumerate(seats):
            db.session.add(
                Juror(category_id=category.id, user_id=user.id, assigned_at=appointed_at + timedelta(seconds=index))
            )
        taken |= {user.id for user in seats}
        juries[category.id] = seats
        audit.record(
            world.organiser(PAOLA),
            "award.jurors",
            edition.scope,
            category.name,
            category_id=category.id,
            added=[user.email for user in seats],
            removed=[],
        )
        _stamp_audit(appointed_at)
        appointed_at += timedelta(minutes=15)
    db.session.flush()
    return juries


def _judge(world: _World, categories: list[AwardCategory], finalists: dict[int, list[_Entry]], juries, moments) -> None:
    """One declared conflict, then every juror scores every finalist they are not recused from."""
    rng = world.rng
    opens, closes = moments["jury_open_at"], moments["jury_close_at"]
    # The declared conflict: in the last category with a juror and two finalists free of automatic recusals.
    for category in reversed(categories):
        automatic = {(item.juror.id, item.nomination.id) for item in services.recusals(category)}
        pairs = [
            (juror, entry)
            for juror in juries[category.id]
            for entry in finalists[category.id]
            if (juror.id, entry.nomination.id) not in automatic
        ]
        if len(finalists[category.id]) >= 2 and pairs:
            juror, entry = rng.choice(pairs)
            db.session.add(
                DeclaredConflict(
                    nomination_id=entry.nomination.id,
                    user_id=juror.id,
                    reason=rng.choice(CONFLICT_REASONS),
                    created_at=_between(rng, opens, opens + timedelta(days=3)),
                )
            )
            break
    db.session.flush()

    for category in categories:
        criteria = list(category.criteria)
        weights = sum(criterion.weight for criterion in criteria)
        recused = {(item.juror.id, item.nomination.id) for item in services.recusals(category)}
        for juror in juries[category.id]:
            # Each juror words each comment differently.
            openings = {band: rng.sample(texts, k=len(texts)) for band, texts in REVIEW_OPENINGS.items()}
            bias = rng.gauss(0, 0.5)
            start = opens + timedelta(days=rng.uniform(0, 6))
            for entry in finalists[category.id]:
                if (juror.id, entry.nomination.id) in recused:
                    continue
                values = {
                    criterion.id: max(1, min(10, round(entry.quality + bias + rng.gauss(0, 0.9))))
                    for criterion in criteria
                }
                mark = sum(values[criterion.id] * criterion.weight for criterion in criteria) / weights
                band = "high" if mark >= 7.8 else "mid" if mark >= 5.8 else "low"
                opening = openings[band].pop() if openings[band] else rng.choice(REVIEW_OPENINGS[band])
                comment = " ".join(part for part in (opening, rng.choice(REVIEW_CLOSINGS)) if part)
                review = Review(
                    nomination_id=entry.nomination.id,
                    juror_id=juror.id,
                    comment=comment,
                    updated_at=_between(rng, start, closes - timedelta(hours=2)),
                )
                review.scores = [Score(criterion_id=key, value=value) for key, value in values.items()]
                db.session.add(review)
    db.session.flush()


def _receipt(rng: random.Random) -> str:
    """A receipt code shaped like services._new_receipt's (random.Random here: demo data is reproducible)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    code = "".join(rng.choice(alphabet) for _ in range(16))
    return "-".join(code[index : index + 4] for index in range(0, 16, 4))


def _vote(world: _World, categories: list[AwardCategory], finalists: dict[int, list[_Entry]], juries, moments) -> None:
    """Members rank the finalists of a category, best first; most name two or three, some all of them, a
    few only their favourite. Preferences follow the finalists' appeal (close to, not the same as, the
    jury's reading) and lean towards cases of one's own sector. Nobody ranks a case they wrote."""
    rng = world.rng
    opens, closes = moments["vote_open_at"], moments["vote_close_at"]
    receipts: set[str] = set()
    rows = []
    for category in categories:
        entries = finalists[category.id]
        if not entries:
            continue
        appeal = {entry.case.id: math.exp(0.9 * (entry.quality + rng.gauss(0, 0.8))) for entry in entries}
        jurors = {user.id for user in juries[category.id]}
        turnout = rng.uniform(0.62, 0.85)
        for voter in world.members:
            if voter.id in jurors or voter.created_at > closes - timedelta(days=2) or rng.random() > turnout:
                continue
            options = [entry.case for entry in entries if voter.id not in entry.case.author_ids]
            if not options:
                continue
            sector = world.profiles[voter.id].sector_id if voter.id in world.profiles else None
            weights = [appeal[case.id] * (1.8 if sector and case.sector_id == sector else 1.0) for case in options]
            length = rng.choices([1, 2, 3, len(options)], weights=[2, 3, 3, 3])[0]
            ranking = [case.id for case in _weighted_pick(rng, options, weights, min(length, len(options)))]
            start = max(opens, voter.created_at + timedelta(days=1))
            cast_at = _between(rng, start, closes - timedelta(hours=1), rng.betavariate(1.1, 1.6))
            receipt = _receipt(rng)
            while receipt in receipts:
                receipt = _receipt(rng)
            receipts.add(receipt)
            rows.append(
                {
                    "category_id": category.id,
                    "voter_key": services.voter_key(category.id, voter.id),
                    "ranking": ranking,
                    "receipt_hash": services.receipt_hash(receipt),
                    "cast_at": cast_at,
                }
            )
    if rows:
        db.session.execute(insert(Ballot), rows)


def _load_past(world: _World, week: EventWeek, title: str) -> None:
    moments = past_timeline(week.starts_on, week.ends_on)
    # Prepared a week before the nominations opened, once its week was on the site.
    opens = moments["nominations_open_at"]
    created = max(opens - timedelta(days=7), min(week.created_at + timedelta(days=1), opens - timedelta(hours=1)))
    edition = _create_edition(world, week, title, PAST_DESCRIPTION, moments, created, anonymous=False)
    categories = _create_categories(world, edition, PAST_CATEGORIES, _past_eligibility(week.starts_on), created)
    entries = _enter_past(world, edition, categories, moments)
    _check_eligibility(world, edition, entries, moments)
    finalists = _choose_finalists(world, edition, categories, entries, moments)
    juries = _appoint_jurors(world, edition, categories, finalists, moments)
    _judge(world, categories, finalists, juries, moments)
    _vote(world, categories, finalists, juries, moments)
    db.session.flush()

    # The results, frozen and announced at the ceremony (the service dates them with `now`).
    ceremony = moments["results_at"]
    services.publish_results(edition, world.organiser(PAOLA), now=ceremony)
    _stamp_audit(ceremony)
    # The service counts the members who may vote when it runs; back then, fewer accounts existed.
    voters = sum(
        1
        for user in world.users.values()
        if user.email_verified_at is not None and user.email_verified_at <= moments["vote_close_at"]
    )
    for category in categories:
        category.eligible_voters = voters
    db.session.flush()


# -- this year's edition ------------------------------------------------------------------------------------


def _load_coming(world: _World, week: EventWeek, title: str, today: date, eligible_from: date) -> None:
    rng = world.rng
    moments = coming_timeline(today, week.starts_on, week.ends_on)
    created = _rome(today - timedelta(days=12), time(11, 0))
    edition = _create_edition(world, week, title, COMING_DESCRIPTION, moments, created, anonymous=True)
    until = moments["nominations_close_at"].astimezone(ROME).date()
    categories = _create_categories(world, edition, COMING_CATEGORIES, (eligible_from, until), created)

    opens, now = moments["nominations_open_at"], world.now
    demo_member = next((user for user in world.members if user.email == members_demo.DEMO_MEMBER_EMAIL), None)

    def first_author(case: CaseStudy) -> User | None:
        authors = [world.users.get(author.user_id) for author in sorted(case.authors, key=lambda a: a.position)]
        return next((user for user in authors if user is not None and user.role == Role.MEMBER), None)

    def candidates(category: AwardCategory) -> list[CaseStudy]:
        sector_ids = {sector.id for sector in category.sectors}
        return [case for case in world.cases if _fits(case, category, sector_ids) and first_author(case) is not None]

    used: set[tuple[int, int]] = set()  # (category, case)
    entered: dict[int, int] = {}  # case id -> entries

    def enter(category: AwardCategory, case: CaseStudy, author: User, statement: str) -> Nomination | None:
        try:
            with db.session.begin_nested():
                nomination = services.nominate(category, case, author, statement)
        except services.AwardError:
            return None
        start = max(opens, author.created_at + timedelta(hours=1), case.published_at + timedelta(hours=1))
        at = _between(rng, start, max(start, now - timedelta(hours=2)))
        nomination.created_at = nomination.entered_at = at
        used.add((category.id, case.id))
        entered[case.id] = entered.get(case.id, 0) + 1
        return nomination

    nominations: list[Nomination] = []
    # The demo login: one of her cases entered by her, another proposed by a member of another sector.
    own = [case for case in reversed(world.cases) if demo_member is not None and demo_member.id in case.author_ids]
    for category, spec in zip(categories, COMING_CATEGORIES, strict=True):
        pool = [case for case in candidates(category) if (category.id, case.id) not in used]
        if category is categories[1] and own:
            fitting = [case for case in own if case in pool]
            if fitting:
                nomination = enter(category, fitting[0], demo_member, rng.choice(AUTHOR_STATEMENTS[2:]))
                if nomination is not None:
                    nominations.append(nomination)
        count = 2 if spec.sectors else rng.randint(2, 3)
        pool = [case for case in pool if (category.id, case.id) not in used and case not in own]
        pool = [case for case in pool if entered.get(case.id, 0) < MAX_ENTRIES_PER_CASE]
        for case in _weighted_pick(rng, pool, [_appeal(case, spec) for case in pool], count):
            nomination = enter(category, case, first_author(case), rng.choice(AUTHOR_STATEMENTS))
            if nomination is not None:
                nominations.append(nomination)

    # A proposal waiting for its author: the demo login's, if one of her cases fits.
    target = next(
        (
            (category, case)
            for case in sorted(own, key=lambda item: entered.get(item.id, 0))
            for category in categories
            if (category.id, case.id) not in used and case in candidates(category)
        ),
        None,
    )
    if target is None:
        target = next(
            (
                (category, case)
                for category in categories
                for case in reversed(candidates(category))
                if (category.id, case.id) not in used and entered.get(case.id, 0) == 0
            ),
            None,
        )
    if target is not None:
        category, case = target
        organisation = services._normalise_organisation(case.organisation)
        proposers = [
            user
            for user in world.members
            if user.id not in case.author_ids
            and user.created_at < opens
            and _organisation(world, user.id) not in ("", organisation)
        ]
        if proposers:
            proposer = rng.choice(proposers)
            db.session.add(
                Nomination(
                    edition_id=edition.id,
                    category_id=category.id,
                    case_id=case.id,
                    nominated_by_id=proposer.id,
                    status=NominationStatus.PROPOSED.value,
                    statement=rng.choice(PROPOSER_STATEMENTS),
                    created_at=_between(rng, opens, now - timedelta(hours=6), 0.6),
                )
            )
    db.session.flush()

    # The committee has already checked the earliest entries.
    checker = world.organiser(ELENA)
    for nomination in sorted(nominations, key=lambda item: item.entered_at)[:2]:
        checked = min(nomination.entered_at + timedelta(hours=rng.uniform(5, 30)), now - timedelta(hours=1))
        services.set_eligibility(nomination, checker, Eligibility.ELIGIBLE.value, None)
        _stamp_audit(checked.replace(microsecond=0))
    db.session.flush()


# -- loading ---------------------------------------------------------------------------------------------


def load() -> None:
    now = utcnow().replace(microsecond=0)
    today = now.astimezone(ROME).date()
    past_week, coming_week = _award_weeks(today)
    past_title = EDITION_TITLE.format(year=past_week.starts_on.year) if past_week else None
    coming_title = EDITION_TITLE.format(year=coming_week.starts_on.year) if coming_week else None
    load_past = past_week is not None and not _edition_exists(past_week, past_title)
    load_coming = coming_week is not None and not _edition_exists(coming_week, coming_title)
    if past_week is None:
        current_app.logger.warning("Awards demo: no award week is over yet, so there is no past edition to show.")
    if not (load_past or load_coming):
        return
    world = _world(now)
    if world is None:
        return  # no organiser to run the editions: load club.accounts.demo first
    if load_past:
        _load_past(world, past_week, past_title)
    if load_coming:
        if past_week is not None:
            eligible_from = _past_eligibility(past_week.starts_on)[1] + timedelta(days=1)
        else:
            eligible_from = today - timedelta(days=365)
        _load_coming(world, coming_week, coming_title, today, eligible_from)
    db.session.flush()
