"""Demo data of the events domain: the club's award week, last year's edition and the coming one.

`week_specs(today)` builds the weeks as plain data, deterministically (random.Random(2026)) for a
given day: last year's "Settimana Relazione Esperienza Cliente" (published, over, with its
registrations and its ratings), this year's (published, starting on a Monday about four weeks after
today, or the nearest week without a holiday, with registrations and full sessions with a waitlist, no
ratings yet; the demo login is registered for three sessions and speaks at one), and a study day
still in draft (visible to organisers only). The testimonials tell the members' published case
studies (club.cases.demo): the speakers are the cases' authors, the cases are linked to the session.
Last year's testimonials tell cases published before that week; this year's, cases published since.

`load()` finds each week by its title (the natural key) and creates the missing ones with
services.save_week and services.save_session, which check the days, the themes, the rooms (no two
sessions in a room at once) and the linked cases. Registrations and ratings are written as rows:
services.register and the waitlist promotion send email, and the demo sends none. They keep the
rules the services keep: seats 1..capacity, unique per session, the waitlist without a seat; no
member seated in two sessions at the same time; registrations after the account was created and
before the session; ratings only from those who had a seat, within 7 days after the session.
Loading twice adds nothing: a week whose title exists is left as it is (sessions and registrations
included).

Load the demo of club.core, club.accounts, club.members and club.cases first (`flask demo` does).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select, update

from club.accounts import demo as accounts_demo
from club.cases import demo as cases_demo
from club.cases.models import CaseStudy, Status
from club.core.models import AuditEntry
from club.core.timeutil import ROME, utcnow
from club.events import services
from club.events.models import EventSession, EventWeek, Feedback, Registration, WeekStatus
from club.extensions import db
from club.members import demo as members_demo

SEED = 2026
WEEK_TITLE = "Settimana Relazione Esperienza Cliente {year}"
STUDY_DAY_TITLE = "Giornata di studio {year}: intelligenza artificiale e persone nel contact center"
VENUE = "Milano, Centro Congressi Darsena"
STUDY_DAY_VENUE = "Roma, Palazzo dei Congressi Tiburtino"
LIVE_URL = f"https://live.{accounts_demo.DEMO_DOMAIN}"

DEMO_MEMBER = members_demo.DEMO_MEMBER_EMAIL
PAOLA, STEFANO, ELENA = accounts_demo.ORGANISER_EMAILS

PAST_THEMES = ["Resilienza", "Relazione", "Recupero"]
COMING_THEMES = ["Ascolto", "Semplicità", "Fiducia"]
STUDY_DAY_THEMES = ["Intelligenza artificiale", "Persone"]

# Words of a case's title that say which theme its testimonial fits (lower case; each matches at the start of a
# word: "reclam" finds "reclami" and "reclamo").
THEME_WORDS: dict[str, list[str]] = {
    "Resilienza": [
        "ibrido",
        "da casa",
        "a distanza",
        "picchi",
        "lunedì mattina",
        "turni",
        "benessere",
        "coaching",
        "academy",
        "microlearning",
        "affiancamento",
        "formazione",
        "turnover",
        "simulazioni",
    ],
    "Relazione": [
        "linguaggio chiaro",
        "lettere",
        "glossario",
        "fragili",
        "anziani",
        "ridisegnato",
        "ripensare",
        "ripetersi",
        "proattivo",
        "avvisare",
        "stessa squadra",
        "silos",
        "accessibile",
    ],
    "Recupero": [
        "reclam",
        "richiama",
        "insoddisfatt",
        "trattenere",
        "disservizio",
        "guast",
        "soccorso",
        "rimborso",
        "smarriti",
        "carta bloccata",
        "richiamata",
        "motivo di contatto",
    ],
    "Ascolto": [
        "ascolt",
        "perché ci chiamano",
        "motivo di contatto",
        "nps",
        "verbatim",
        "speech analytics",
        "indicatore",
        "comitato",
        "tutti al telefono",
        "diario",
    ],
    "Semplicità": [
        "linguaggio chiaro",
        "lettere",
        "glossario",
        "passaggi",
        "tre clic",
        "dieci minuti",
        "schede brevi",
        "ripetersi",
        "base di conoscenza",
        "knowledge base",
        "app che",
        "meno code",
    ],
    "Fiducia": [
        "assistente virtuale",
        "chatbot",
        "bot sincer",
        "fragili",
        "anziani",
        "coaching",
        "benessere",
        "ibrido",
        "academy",
        "proattivo",
        "avvisare",
        "trattenere",
        "stessa squadra",
        "affiancamento",
        "intelligenza artificiale",
        "consulenza",
    ],
    "Intelligenza artificiale": [
        "intelligenza artificiale",
        "assistente virtuale",
        "chatbot",
        "bot sincer",
        "speech analytics",
    ],
}

# How a testimonial's description opens, by theme.
THEME_INTROS: dict[str, list[str]] = {
    "Resilienza": [
        "Come si tiene in piedi un servizio quando tutto cambia intorno?",
        "Picchi, turnover, lavoro a distanza: la resilienza di un servizio clienti è prima di tutto quella delle "
        "sue persone.",
    ],
    "Relazione": [
        "La fiducia di un cliente si costruisce contatto dopo contatto.",
        "Una relazione comincia dalle parole che usiamo e dai problemi che risolviamo prima che il cliente li veda.",
    ],
    "Recupero": [
        "Quando il servizio sbaglia, il modo in cui rimedia conta più dell'errore.",
        "Un cliente scontento, ascoltato e richiamato in tempo, può diventare il più fedele.",
    ],
    "Ascolto": [
        "Ascoltare i clienti non è misurarli: è cambiare qualcosa dopo averli sentiti.",
        "Che cosa ci dicono davvero i clienti, quando li ascoltiamo tutti e non solo un campione?",
    ],
    "Semplicità": [
        "Ogni passaggio in meno è una telefonata in meno.",
        "Semplificare è un lavoro difficile: bisogna togliere, e mettersi d'accordo su che cosa.",
    ],
    "Fiducia": [
        "La fiducia si guadagna dicendo la verità, anche quando a rispondere è una macchina.",
        "Fiducia nei clienti, nelle persone del servizio e negli strumenti: una testimonianza che le tiene insieme.",
    ],
    "Intelligenza artificiale": ["Strumenti nuovi, domande antiche: chi decide, chi risponde, chi impara?"],
}
CLOSINGS = [
    "Segue mezz'ora di domande dal pubblico.",
    "Porta le tue domande: metà del tempo è per il confronto.",
    "Alla fine, spazio alle domande di chi lavora in settori diversi.",
]


# -- the plain data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    email: str
    name: str
    sector: str | None
    function: str | None
    organisation: str | None
    job_title: str | None
    competences: tuple[str, ...]
    days_ago: float  # how old the account is
    staff: bool  # an organiser: hosts and moderates, does not register


@dataclass(frozen=True)
class SpeakerSpec:
    email: str | None = None
    guest_name: str | None = None
    guest_organisation: str | None = None


@dataclass(frozen=True)
class RegistrationSpec:
    email: str
    seat: int | None  # None: on the waitlist
    at: datetime  # UTC
    promoted_at: datetime | None = None


@dataclass(frozen=True)
class FeedbackSpec:
    email: str
    rating: int
    comment: str | None
    at: datetime  # UTC
    updated_at: datetime


@dataclass
class SessionSpec:
    title: str
    kind: str
    theme: str | None
    description: str
    day: date
    start: time
    end: time
    room: str | None
    online_url: str | None
    capacity: int | None
    speakers: list[SpeakerSpec] = field(default_factory=list)
    case_titles: list[str] = field(default_factory=list)
    registrations: list[RegistrationSpec] = field(default_factory=list)
    feedback: list[FeedbackSpec] = field(default_factory=list)

    @property
    def starts_at(self) -> datetime:
        return services.rome_datetime(self.day, self.start).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        return services.rome_datetime(self.day, self.end).astimezone(UTC)


@dataclass
class WeekSpec:
    title: str
    themes: list[str]
    description: str
    starts_on: date
    ends_on: date
    place: str | None
    online: bool
    status: str
    published_at: datetime  # UTC: when the programme went out (the rows' created_at)
    sessions: list[SessionSpec] = field(default_factory=list)


# -- the programmes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A hand-written session: its text, and who speaks."""

    title: str
    description: str
    hosts: tuple[str, ...] = ()  # organisers (emails) who host or moderate
    functions: tuple[str, ...] = ()  # one panelist of each function, each from another sector
    guests: tuple[tuple[str, str], ...] = ()  # (name, organisation)
    testimonial_speakers: int = 0  # that many of the week's testimonial speakers (the closing panel)


@dataclass(frozen=True)
class Slot:
    day: int  # 0 = the week's Monday
    start: time
    end: time
    kind: str
    room: str | None
    capacity: int
    theme: str | None = None
    live: bool = False  # streamed too: the session has an online link
    full: bool = False  # popular: every seat taken, and a waitlist
    written: str | None = None  # a key of WRITTEN; None for a testimonial (a case study picked by theme)
    speaker: str | None = None  # a testimonial by this member (their most recent case in the window)


GUESTS = {
    "osservatorio": ("Ludovica Ardenghi", "Osservatorio Italiano sulla Relazione con il Cliente"),
    "universita": ("Corrado Bellandi", "Università di Valmarina"),
    "consumatori": ("Ermanno Tosetti", "Associazione Consumatori Valdarno"),
    "design": ("Nives Castagnoli", "Studio Tangram, design dei servizi"),
    "formazione": ("Aurelio Spadoni", "Scuola di Formazione Relazionale"),
    "ricerca": ("Fiorenza Dal Molin", "Istituto di Ricerca Sociale Valmarina"),
    "conduttrice": ("Ottavia Pignatelli", "Radio Portoverde Economia"),
}

WRITTEN: dict[str, Written] = {
    # -- last year's edition
    "past-opening": Written(
        "Apertura: perché raccontarsi tra settori diversi",
        "Gli organizzatori aprono la settimana con i dati dell'Osservatorio sulla relazione con il cliente: "
        "che cosa chiedono oggi i clienti italiani a banche, utility, telco e pubblica amministrazione, e "
        "perché le risposte migliori arrivano spesso da un settore diverso dal proprio.\n\n"
        "A seguire, il programma della settimana e come partecipare alle votazioni del premio.",
        hosts=(PAOLA, STEFANO, ELENA),
        guests=(GUESTS["osservatorio"],),
    ),
    "past-debriefing": Written(
        "Laboratorio: il debriefing dopo una chiamata difficile",
        "Un laboratorio pratico per team leader e formatori: come si accompagna un operatore dopo una chiamata "
        "aggressiva o dolorosa, in dieci minuti e senza giudizio.\n\n"
        "- simulazioni a coppie, con casi veri (resi anonimi);\n"
        "- una traccia di debriefing da portare nel proprio team;\n"
        "- che cosa misurare per capire se funziona.\n\n"
        "**Posti limitati**: si lavora in piccoli gruppi misti tra settori.",
        functions=("human-resources",),
        guests=(GUESTS["formazione"],),
    ),
    "past-resilience-panel": Written(
        "Tavola rotonda: tenere insieme persone e servizio quando tutto cambia",
        "Picchi imprevisti, lavoro ibrido, operatori che se ne vanno dopo pochi mesi: tre soci di settori "
        "diversi raccontano che cosa ha retto, che cosa no, e che cosa rifarebbero. Modera Elena Fabbri.",
        hosts=(ELENA,),
        functions=("human-resources", "customer-care", "operations"),
    ),
    "past-aperitivo": Written(
        "Aperitivo tra settori",
        "Un'ora e mezza per conoscersi: i tavoli sono misti per settore, così che accanto a chi lavora in banca "
        "ci sia chi lavora in un Comune o in un outsourcer. Offre il club.",
        hosts=(STEFANO,),
    ),
    "past-relation-panel": Written(
        "Tavola rotonda: la fiducia si costruisce contatto dopo contatto",
        "Customer experience, marketing e sistemi informativi allo stesso tavolo: come si progetta una relazione "
        "che regge anche quando il cliente cambia canale a metà strada? Modera Paola Marchetti, con un "
        "contributo dell'Università di Valmarina sulle ricerche più recenti.",
        hosts=(PAOLA,),
        functions=("customer-experience", "marketing", "information-technology"),
        guests=(GUESTS["universita"],),
    ),
    "past-journey-workshop": Written(
        "Laboratorio: mappare il percorso del cliente in novanta minuti",
        "Si parte da un percorso reale (l'attivazione di un servizio, un cambio di residenza, un rimborso) e lo si "
        "disegna dal punto di vista del cliente: momenti della verità, attese, punti di rottura.\n\n"
        "Porta un percorso della tua organizzazione: si esce con una mappa e tre ipotesi da verificare.",
        functions=("customer-experience",),
        guests=(GUESTS["design"],),
    ),
    "past-recovery-panel": Written(
        "Tavola rotonda: quando il servizio sbaglia, che cosa fa la differenza",
        "Reclami, disservizi, clienti da riconquistare: qualità, customer care e customer experience a confronto "
        "con un'associazione di consumatori, per capire che cosa si aspetta davvero chi ha subito un errore. "
        "Modera Stefano Colombo.",
        hosts=(STEFANO,),
        functions=("quality-compliance", "customer-care", "customer-experience"),
        guests=(GUESTS["consumatori"],),
    ),
    "past-closing": Written(
        "Cosa ci portiamo a casa: le lezioni della settimana",
        "Alcuni dei protagonisti delle testimonianze tornano sul palco per un bilancio a più voci: le idee che si "
        "possono copiare domani mattina, e quelle che richiedono anni. Modera Paola Marchetti.",
        hosts=(PAOLA,),
        testimonial_speakers=3,
    ),
    "past-ceremony": Written(
        "Premiazione dei migliori casi di studio dell'anno",
        "La serata che chiude la settimana: le giurie annunciano i vincitori di ogni categoria del premio e "
        "spiegano le loro scelte; i soci premiano il caso più votato.\n\n"
        "Conduce Ottavia Pignatelli; apre la serata Paola Marchetti, coordinatrice della settimana.",
        hosts=(PAOLA,),
        guests=(GUESTS["conduttrice"],),
    ),
    "past-cocktail": Written(
        "Cocktail con i finalisti",
        "Dopo la premiazione, il chiostro resta aperto per festeggiare i finalisti e salutarsi fino all'anno prossimo.",
        hosts=(STEFANO,),
    ),
    # -- this year's edition
    "opening": Written(
        "Apertura: ascoltare, semplificare, meritare fiducia",
        "Gli organizzatori presentano i tre temi di quest'anno e i nuovi dati dell'Osservatorio sulla relazione "
        "con il cliente: dove i clienti italiani si sentono ascoltati, dove si perdono, di chi si fidano.\n\n"
        "A seguire, il programma della settimana e come votare il caso di studio preferito.",
        hosts=(PAOLA, STEFANO, ELENA),
        guests=(GUESTS["osservatorio"],),
    ),
    "listening-workshop": Written(
        "Laboratorio: dalla voce del cliente alle decisioni in tre passi",
        "Questionari, NPS, commenti liberi, conversazioni registrate: i dati non mancano, mancano le decisioni. "
        "In questo laboratorio si lavora su un insieme di commenti veri (resi anonimi):\n\n"
        "1. raggrupparli per motivo, non per canale;\n"
        "2. stimare quanto costa ogni motivo, a chi;\n"
        "3. scegliere una sola cosa da cambiare, e chi se ne occupa.\n\n"
        "**Posti limitati**: si lavora in gruppi misti tra settori.",
        functions=("customer-experience",),
        guests=(GUESTS["ricerca"],),
    ),
    "listening-panel": Written(
        "Tavola rotonda: ascoltare tutte le conversazioni, che cosa cambia con l'intelligenza artificiale",
        "Con l'analisi automatica delle chiamate e delle chat si può ascoltare tutto, non più un campione del "
        "due per cento. Che cosa si scopre, che cosa si rischia (privacy, controllo, fiducia degli operatori) e "
        "chi deve decidere che cosa farne. Modera Paola Marchetti.",
        hosts=(PAOLA,),
        functions=("information-technology", "quality-compliance", "customer-care"),
        guests=(GUESTS["universita"],),
    ),
    "aperitivo": Written(
        "Aperitivo tra settori",
        "Un'ora e mezza per conoscersi: tavoli misti per settore e una domanda per rompere il ghiaccio "
        "(«qual è il reclamo più strano che avete ricevuto?»). Offre il club.",
        hosts=(STEFANO,),
    ),
    "breakfast": Written(
        "Colazione tra settori: un tavolo per ogni funzione",
        "Prima delle testimonianze, caffè e cornetto con chi fa il tuo stesso lavoro in un altro settore: un "
        "tavolo per il customer care, uno per le risorse umane, uno per l'IT, uno per il marketing.\n\n"
        "I tavoli sono piccoli: registrati per avere il posto.",
        hosts=(ELENA,),
    ),
    "plain-language-workshop": Written(
        "Laboratorio: riscrivere in linguaggio chiaro una lettera ai clienti",
        "Ognuno porta una lettera, una mail o una pagina del sito che genera telefonate. Insieme a "
        "un'associazione di consumatori la si riscrive: frasi brevi, parole di tutti i giorni, una sola "
        "richiesta per volta. Si esce con la versione nuova e una lista di controllo.",
        functions=("marketing",),
        guests=(GUESTS["consumatori"],),
    ),
    "trust-panel": Written(
        "Tavola rotonda: bot sinceri e persone presenti",
        "Gli assistenti virtuali rispondono a una parte crescente dei contatti. Quando aumentano la fiducia dei "
        "clienti, e quando la consumano? Customer care, risorse umane e direzione a confronto su trasparenza, "
        "passaggio all'operatore e nuovi mestieri. Modera Stefano Colombo.",
        hosts=(STEFANO,),
        functions=("customer-care", "human-resources", "general-management"),
    ),
    "closing": Written(
        "Cosa ci portiamo a casa: le lezioni della settimana",
        "Alcuni dei protagonisti delle testimonianze tornano sul palco per un bilancio a più voci: che cosa "
        "abbiamo imparato sull'ascolto, sulla semplicità e sulla fiducia, e che cosa proveremo a copiare. "
        "Modera Paola Marchetti.",
        hosts=(PAOLA,),
        testimonial_speakers=3,
    ),
    "ceremony": Written(
        "Premiazione dei migliori casi di studio dell'anno",
        "La serata che chiude la settimana: le giurie annunciano i vincitori di ogni categoria del premio e "
        "spiegano le loro scelte; i soci premiano il caso più votato.\n\n"
        "Conduce Ottavia Pignatelli; apre la serata Paola Marchetti, coordinatrice della settimana.",
        hosts=(PAOLA,),
        guests=(GUESTS["conduttrice"],),
    ),
    "cocktail": Written(
        "Cocktail con i finalisti",
        "Dopo la premiazione, il chiostro resta aperto per festeggiare i finalisti e salutarsi fino all'anno prossimo.",
        hosts=(STEFANO,),
    ),
    # -- the study day (draft)
    "ai-panel": Written(
        "L'intelligenza artificiale al fianco degli operatori",
        "Suggerimenti in tempo reale, riassunti automatici, ricerca nella base di conoscenza: che cosa ha "
        "funzionato davvero nei contact center dei soci, e che cosa ne pensano gli operatori.",
        hosts=(ELENA,),
        functions=("information-technology", "customer-care"),
        guests=(GUESTS["universita"],),
    ),
    "handover-workshop": Written(
        "Laboratorio: le regole del passaggio dal bot all'operatore",
        "Quando un assistente virtuale deve passare la mano, e con quali informazioni? Si scrivono insieme le "
        "regole per un caso reale.",
        functions=("customer-experience",),
    ),
}


def _t(text: str) -> time:
    return time.fromisoformat(text)


PAST_PROGRAMME: list[Slot] = [
    Slot(0, _t("09:30"), _t("10:45"), "panel", "Auditorium", 120, live=True, written="past-opening"),
    Slot(0, _t("11:15"), _t("12:15"), "testimonial", "Sala Verdi", 45, "Relazione", live=True),
    Slot(0, _t("14:30"), _t("15:30"), "testimonial", "Sala Verdi", 45, "Recupero", live=True),
    Slot(0, _t("16:00"), _t("17:30"), "workshop", "Sala Rossini", 40, "Resilienza", written="past-debriefing"),
    Slot(1, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 45, "Resilienza", live=True),
    Slot(1, _t("11:00"), _t("12:00"), "testimonial", "Sala Verdi", 45, "Resilienza", live=True),
    Slot(1, _t("14:30"), _t("16:00"), "panel", "Sala Puccini", 50, "Resilienza", True, written="past-resilience-panel"),
    Slot(1, _t("18:30"), _t("20:30"), "networking", "Terrazza", 100, written="past-aperitivo"),
    Slot(2, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 45, "Relazione", live=True),
    Slot(2, _t("11:00"), _t("12:00"), "testimonial", "Sala Verdi", 45, "Relazione", live=True),
    Slot(2, _t("14:30"), _t("16:00"), "panel", "Sala Puccini", 50, "Relazione", True, written="past-relation-panel"),
    Slot(2, _t("16:30"), _t("18:00"), "workshop", "Sala Rossini", 40, "Relazione", written="past-journey-workshop"),
    Slot(3, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 45, "Recupero", live=True),
    Slot(3, _t("11:00"), _t("12:00"), "testimonial", "Sala Verdi", 45, "Recupero", live=True),
    Slot(3, _t("14:30"), _t("15:30"), "testimonial", "Sala Verdi", 45, "Recupero", live=True),
    Slot(3, _t("16:00"), _t("17:30"), "panel", "Sala Puccini", 50, "Recupero", True, written="past-recovery-panel"),
    Slot(4, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 45, live=True),
    Slot(4, _t("11:00"), _t("12:30"), "panel", "Sala Puccini", 50, live=True, written="past-closing"),
    Slot(4, _t("17:00"), _t("19:00"), "award_ceremony", "Auditorium", 200, live=True, written="past-ceremony"),
    Slot(4, _t("19:30"), _t("21:30"), "networking", "Chiostro", 150, written="past-cocktail"),
]

COMING_PROGRAMME: list[Slot] = [
    Slot(0, _t("09:30"), _t("10:45"), "panel", "Auditorium", 200, live=True, written="opening"),
    Slot(0, _t("11:15"), _t("12:15"), "testimonial", "Sala Verdi", 60, "Ascolto", live=True),
    Slot(0, _t("11:15"), _t("12:15"), "testimonial", "Sala Puccini", 40, "Semplicità"),
    Slot(
        0, _t("14:30"), _t("16:00"), "workshop", "Sala Rossini", 40, "Ascolto", full=True, written="listening-workshop"
    ),
    Slot(1, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 60, "Ascolto", live=True),
    Slot(1, _t("09:30"), _t("10:30"), "testimonial", "Sala Puccini", 40, "Fiducia"),
    Slot(1, _t("11:00"), _t("12:30"), "panel", "Sala Verdi", 80, "Ascolto", True, written="listening-panel"),
    Slot(1, _t("18:30"), _t("20:30"), "networking", "Terrazza", 100, written="aperitivo"),
    Slot(2, _t("08:30"), _t("09:15"), "networking", "Sala Rossini", 40, full=True, written="breakfast"),
    Slot(2, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 60, "Semplicità", live=True),
    Slot(2, _t("11:00"), _t("12:00"), "testimonial", "Sala Verdi", 60, "Semplicità", live=True),
    Slot(2, _t("14:30"), _t("16:00"), "workshop", "Sala Rossini", 40, "Semplicità", written="plain-language-workshop"),
    Slot(2, _t("17:00"), _t("18:00"), "testimonial", None, 100, "Fiducia", live=True),
    Slot(3, _t("09:30"), _t("10:30"), "testimonial", "Sala Puccini", 50, "Fiducia", True, True, speaker=DEMO_MEMBER),
    Slot(3, _t("11:00"), _t("12:30"), "panel", "Sala Verdi", 80, "Fiducia", True, written="trust-panel"),
    Slot(3, _t("14:30"), _t("15:30"), "testimonial", "Sala Puccini", 50, "Fiducia", live=True),
    Slot(3, _t("16:00"), _t("17:00"), "testimonial", "Sala Verdi", 60, "Ascolto", live=True),
    Slot(4, _t("09:30"), _t("10:30"), "testimonial", "Sala Verdi", 60, live=True),
    Slot(4, _t("11:00"), _t("12:30"), "panel", "Sala Verdi", 80, live=True, written="closing"),
    Slot(4, _t("17:00"), _t("19:00"), "award_ceremony", "Auditorium", 200, live=True, written="ceremony"),
    Slot(4, _t("19:30"), _t("21:30"), "networking", "Chiostro", 150, written="cocktail"),
]
# The demo login's sessions in the coming week, by index in COMING_PROGRAMME: a workshop, her own testimonial
# (she speaks there), the award ceremony. /events/my shows them.
DEMO_MEMBER_SESSIONS = (3, 13, 19)

STUDY_DAY_PROGRAMME: list[Slot] = [
    Slot(0, _t("10:00"), _t("11:00"), "panel", "Sala Grande", 120, "Intelligenza artificiale", written="ai-panel"),
    Slot(0, _t("11:30"), _t("12:30"), "testimonial", "Sala Grande", 120, "Intelligenza artificiale"),
    Slot(0, _t("14:00"), _t("15:30"), "workshop", "Sala Piccola", 40, "Persone", written="handover-workshop"),
]

PAST_DESCRIPTION = """\
La **Settimana Relazione Esperienza Cliente** torna a Milano, e in diretta online, per cinque giorni di \
testimonianze: soci di banche, telco, utility, pubblica amministrazione, retail e outsourcer raccontano un \
progetto concreto, con i numeri, gli errori e quello che rifarebbero.

Il programma segue tre parole:

- **Resilienza**: tenere insieme persone e servizio quando tutto cambia (picchi, lavoro ibrido, turnover);
- **Relazione**: la fiducia che si costruisce contatto dopo contatto, con parole chiare e un servizio che \
anticipa i problemi;
- **Recupero**: che cosa fa la differenza quando il servizio sbaglia, dal reclamo al cliente riconquistato.

Ogni giornata alterna testimonianze, tavole rotonde e laboratori; venerdì sera la **premiazione** dei migliori \
casi di studio dell'anno e il cocktail con i finalisti.

La partecipazione è gratuita per i soci. I posti in sala sono limitati: **registrati alle sessioni** che ti \
interessano. Testimonianze e tavole rotonde sono trasmesse anche in diretta: il link compare nella pagina della \
sessione a chi è registrato.
"""

COMING_DESCRIPTION = """\
Cinque giorni di testimonianze a Milano, e in diretta online: la **Settimana Relazione Esperienza Cliente** \
riunisce i soci di tutti i settori per raccontarsi che cosa ha funzionato, e che cosa no, nella relazione con \
i clienti.

I temi di quest'anno:

- **Ascolto**: dalla voce del cliente alle decisioni, ora che si possono ascoltare tutte le conversazioni;
- **Semplicità**: meno passaggi, parole più chiare, una risposta sola;
- **Fiducia**: dei clienti, delle persone del servizio, e negli strumenti nuovi, dagli assistenti virtuali in poi.

Ogni giornata alterna testimonianze dei soci, tavole rotonde e laboratori pratici. Venerdì sera la \
**premiazione** dei migliori casi di studio dell'anno, e il cocktail con i finalisti.

La partecipazione è gratuita per i soci. I posti in sala sono limitati e alcune sessioni sono già complete: \
**registrati** per avere il posto, o entra in lista d'attesa (ti scriviamo se un posto si libera). Le sessioni \
trasmesse in diretta mostrano il link a chi è registrato.
"""

STUDY_DAY_DESCRIPTION = """\
Una giornata a Roma per i soci che stanno introducendo l'**intelligenza artificiale** nel servizio clienti: \
che cosa chiedere ai fornitori, come coinvolgere gli operatori, che cosa misurare.

*Bozza del programma: relatori e orari da confermare.*
"""

# -- the ratings' comments, by session type and by how it went ----------------------------------------------

_GOOD_TALK = [
    "Testimonianza concreta, con numeri veri e anche gli errori: è raro sentirlo dire così apertamente.",
    "Mi porto a casa almeno due idee da provare subito con il mio team.",
    "Bello vedere come un settore così diverso dal mio affronti gli stessi problemi.",
    "Chiaro, sincero e nei tempi. Le domande dal pubblico sono state la parte migliore.",
    "Finalmente un caso raccontato anche dal punto di vista degli operatori, non solo dei manager.",
    "Ottimo equilibrio tra racconto e dati. Mi piacerebbe ricevere le slide.",
    "Ho apprezzato che si parlasse anche di che cosa non ha funzionato.",
    "Una delle sessioni più utili della settimana.",
    "Un esempio concreto di come si abbattono i silos tra customer care, marketing e IT.",
    "Da riproporre anche nelle altre sedi del club.",
    "Intervento preparato e coinvolgente, si vede che il progetto l'hanno vissuto davvero.",
    "Seguita online: audio e video perfetti, e le domande in chat sono state lette tutte.",
]
_FAIR_TALK = [
    "Interessante, ma troppo breve: il tempo per le domande è finito subito.",
    "Buon caso, ma mi aspettavo più dettagli su costi e tempi del progetto.",
    "Alcuni passaggi erano troppo tecnici per chi non lavora nel settore.",
    "Utile, anche se in parte l'avevo già sentito in altre occasioni.",
    "Contenuti validi, ma dal fondo della sala si sentiva male.",
    "Il collegamento online si è interrotto un paio di volte.",
]
_POOR_TALK = [
    "Più una presentazione commerciale che una testimonianza: peccato.",
    "Poco spazio al confronto, quasi un'ora di slide lette.",
    "Mi aspettavo i dati sui risultati, sono rimasti molto generici.",
    "Iniziata con venti minuti di ritardo e domande tagliate.",
]
COMMENTS: dict[str, dict[str, list[str]]] = {
    "testimonial": {"good": _GOOD_TALK, "fair": _FAIR_TALK, "poor": _POOR_TALK},
    "panel": {
        "good": [
            "Confronto vivace tra settori diversi, il moderatore ha fatto le domande giuste.",
            "Finalmente una tavola rotonda in cui i relatori non erano d'accordo su tutto.",
            "Tre punti di vista diversi sullo stesso problema: esattamente lo spirito del club.",
            "L'intervento dell'ospite esterno ha dato una prospettiva che in azienda ci manca.",
            *_GOOD_TALK[1:3],
            *_GOOD_TALK[6:8],
        ],
        "fair": [
            "Troppi relatori per il tempo a disposizione, ognuno ha parlato pochi minuti.",
            "Interessante, ma è rimasta sul generale.",
            *_FAIR_TALK[4:6],
        ],
        "poor": [
            "Più una sequenza di monologhi che un confronto.",
            "Il moderatore ha lasciato troppo spazio a un solo relatore.",
        ],
    },
    "workshop": {
        "good": [
            "Esercizi pratici ben pensati, il lavoro in gruppi misti tra settori è stato prezioso.",
            "Ho già riusato il materiale con il mio team la settimana dopo.",
            "Il formato migliore della settimana: si lavora davvero, non si ascolta soltanto.",
            "Facilitazione ottima, tempi rispettati e una traccia chiara da portare a casa.",
            "Piccolo gruppo, tanto confronto: da ripetere.",
        ],
        "fair": [
            "Bello, ma novanta minuti sono pochi: avrei fatto mezza giornata.",
            "Il gruppo era troppo eterogeneo per lavorare sullo stesso caso.",
        ],
        "poor": ["Troppa teoria per un laboratorio: abbiamo lavorato solo gli ultimi venti minuti."],
    },
    "networking": {
        "good": [
            "Ho conosciuto colleghi di settori che non avrei mai incontrato altrimenti.",
            "Ambiente informale e piacevole, ottima idea i tavoli misti.",
            "Ne sono nate due collaborazioni concrete: grazie!",
            "Organizzazione impeccabile.",
        ],
        "fair": ["Troppa gente e poco spazio per parlare davvero.", "Bello, ma la musica era troppo alta."],
        "poor": ["Finito troppo presto, non c'è stato il tempo di conoscersi."],
    },
    "award_ceremony": {
        "good": [
            "Emozionante vedere premiati colleghi che conosco: un bel modo di chiudere la settimana.",
            "Cerimonia ben condotta, tempi rispettati e motivazioni delle giurie chiare.",
            "Le motivazioni delle giurie sono già una lezione: andrebbero pubblicate.",
            "Bella serata, e un'ottima occasione per conoscere i finalisti.",
        ],
        "fair": [
            "Bella serata, ma un po' lunga nella parte dei ringraziamenti.",
            "Avrei voluto sentire di più i vincitori raccontare i loro casi.",
        ],
        "poor": ["Troppo lunga, e dallo streaming non si capivano i nomi dei premiati."],
    },
}
# The mean rating of each type of session, before the session's own luck.
MEAN_RATING = {"testimonial": 4.1, "panel": 3.95, "workshop": 4.25, "networking": 4.3, "award_ceremony": 4.45}

# -- building the specs --------------------------------------------------------------------------------------


def members() -> list[Member]:
    """The demo members and organisers (not the administrator), as the events need them."""
    result = [
        Member(
            spec.email,
            spec.display_name,
            spec.sector,
            spec.function,
            spec.organisation,
            spec.job_title,
            tuple(spec.competences),
            spec.days_ago,
            False,
        )
        for spec in members_demo.member_specs()
    ]
    for index, (email, name) in enumerate(accounts_demo.ORGANISERS):
        profile = members_demo.STAFF_PROFILES[email]
        result.append(
            Member(
                email,
                name,
                profile["sector"],
                profile["function"],
                profile["organisation"],
                profile["job_title"],
                tuple(profile["competences"]),
                cases_demo.PLATFORM_DAYS - index,
                True,
            )
        )
    return result


def _easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def quiet_days(first: date, days: int) -> bool:
    """No Italian public holiday among these days, nor August, nor the Christmas holidays: a club can meet."""
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.month == 8 or (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 6):
            return False
        if (day.month, day.day) in {(4, 25), (5, 1), (6, 2), (11, 1), (12, 8)}:
            return False
        if day == _easter(day.year) + timedelta(days=1):
            return False
    return True


def edition_mondays(today: date) -> tuple[date, date]:
    """The first day of the coming week, and of last year's edition (52 weeks earlier).

    The coming week starts on a Monday about four weeks away (three to five when it can); one that would
    meet on a holiday, this year or last, gives way to the nearest quiet one.
    """
    next_monday = today + timedelta(days=7 - today.weekday())
    mondays = [next_monday + timedelta(weeks=weeks) for weeks in range(2, 9)]
    mondays.sort(key=lambda monday: (abs((monday - today).days - 28), monday))
    for coming in mondays:
        if quiet_days(coming, 5) and quiet_days(coming - timedelta(weeks=52), 5):
            return coming - timedelta(weeks=52), coming
    coming = next_monday + timedelta(weeks=3)
    return coming - timedelta(weeks=52), coming


@dataclass(frozen=True)
class _Case:
    title: str
    sector: str
    organisation: str
    authors: tuple[str, ...]
    competences: tuple[str, ...]
    summary: str
    published_days_ago: float


def _published_cases() -> list[_Case]:
    cases = []
    for spec in cases_demo.case_specs():
        if spec.status != Status.PUBLISHED or spec.language != "it":
            continue
        published = [step.days_ago for step in spec.steps if step.action == "publish"][-1]
        cases.append(
            _Case(
                spec.title,
                spec.sector,
                spec.organisation,
                tuple(spec.authors),
                tuple(spec.competences),
                spec.summary,
                published,
            )
        )
    return cases


def _utc(day: date, clock: time) -> datetime:
    return services.rome_datetime(day, clock).astimezone(UTC)


def _fits(case: _Case, theme: str | None) -> bool:
    if theme is None:
        return True
    title = case.title.lower()
    return any(re.search(rf"\b{re.escape(word)}", title) for word in THEME_WORDS.get(theme, []))


class _WeekBuilder:
    """Picks the cases and speakers of one week, then its registrations (and ratings, once it is over)."""

    def __init__(
        self,
        rng: random.Random,
        people: list[Member],
        cases: list[_Case],
        monday: date,
        *,
        days_ago: float,
        url_prefix: str | None,
    ) -> None:
        self.rng = rng
        self.people = people
        self.by_email = {person.email: person for person in people}
        self.cases = cases
        self.monday = monday
        self.days_ago = days_ago  # how long ago the week starts (negative: in the future)
        self.url_prefix = url_prefix
        self.used_titles: set[str] = set()
        self.used_sectors: list[str] = []
        self.speaking: list[str] = []  # members speaking this week, in order
        self.testimonial_speakers: list[str] = []

    # -- who speaks

    def _member_then(self, email: str) -> bool:
        return self.by_email[email].days_ago > self.days_ago + 45

    def _pick_case(self, theme: str | None, speaker: str | None) -> _Case | None:
        free = [case for case in self.cases if case.title not in self.used_titles]
        if speaker:
            own = [case for case in free if case.authors[0] == speaker]
            own.sort(key=lambda case: case.published_days_ago)
            return own[0] if own else None
        tiers = [
            lambda c: (
                _fits(c, theme)
                and c.sector not in self.used_sectors
                and not set(c.authors) & set(self.speaking)
                and self._member_then(c.authors[0])
            ),
            lambda c: _fits(c, theme) and c.sector not in self.used_sectors and not set(c.authors) & set(self.speaking),
            lambda c: _fits(c, theme) and not set(c.authors) & set(self.speaking),
            lambda c: c.sector not in self.used_sectors and not set(c.authors) & set(self.speaking),
            lambda c: True,
        ]
        for tier in tiers:
            candidates = [case for case in free if tier(case)]
            if candidates:
                return self.rng.choice(candidates)
        return None

    def _describe_person(self, email: str) -> str:
        person = self.by_email[email]
        parts = [part for part in (person.job_title, person.organisation) if part]
        return f"**{person.name}** ({', '.join(parts)})" if parts else f"**{person.name}**"

    def testimonial(self, slot: Slot) -> tuple[str, str, list[SpeakerSpec], list[str]] | None:
        case = self._pick_case(slot.theme, slot.speaker)
        if case is None:
            return None
        self.used_titles.add(case.title)
        self.used_sectors.append(case.sector)
        authors = [email for email in case.authors if email in self.by_email]
        for email in authors:
            if email not in self.speaking:
                self.speaking.append(email)
            if email not in self.testimonial_speakers:
                self.testimonial_speakers.append(email)
        who = " e ".join(self._describe_person(email) for email in authors)
        verb = "raccontano" if len(authors) > 1 else "racconta"
        intro = self.rng.choice(THEME_INTROS.get(slot.theme or "", [""]) or [""])
        lines = [
            intro,
            f"{who} {verb} il progetto, dal problema ai risultati.",
            case.summary,
            self.rng.choice(CLOSINGS),
        ]
        description = "\n\n".join(line for line in lines if line)
        return case.title, description, [SpeakerSpec(email=email) for email in authors], [case.title]

    def written(self, written: Written) -> list[SpeakerSpec]:
        speakers = [SpeakerSpec(email=email) for email in written.hosts]
        sectors: list[str] = []
        for function in written.functions:
            candidates = [
                person
                for person in self.people
                if not person.staff
                and person.function == function
                and person.sector not in sectors
                and person.email not in self.speaking
                and person.email != DEMO_MEMBER
                and self._member_then(person.email)
            ]
            if not candidates:
                continue
            chosen = self.rng.choice(candidates)
            sectors.append(chosen.sector)
            self.speaking.append(chosen.email)
            speakers.append(SpeakerSpec(email=chosen.email))
        if written.testimonial_speakers:
            pool = [
                email
                for email in self.testimonial_speakers
                if not self.by_email[email].staff and email != DEMO_MEMBER  # she speaks once, at her testimonial
            ]
            picked: list[str] = []
            for email in self.rng.sample(pool, k=len(pool)):
                if self.by_email[email].sector not in {self.by_email[other].sector for other in picked}:
                    picked.append(email)
                if len(picked) == written.testimonial_speakers:
                    break
            speakers += [SpeakerSpec(email=email) for email in picked]
        speakers += [SpeakerSpec(guest_name=name, guest_organisation=org) for name, org in written.guests]
        return speakers

    def session(self, slot: Slot, index: int) -> SessionSpec | None:
        if slot.written:
            written = WRITTEN[slot.written]
            title, description = written.title, written.description
            speakers, case_titles = self.written(written), []
        else:
            made = self.testimonial(slot)
            if made is None:
                return None
            title, description, speakers, case_titles = made
        online_url = f"{self.url_prefix}/sessione-{index + 1}" if slot.live and self.url_prefix else None
        return SessionSpec(
            title=title,
            kind=slot.kind,
            theme=slot.theme,
            description=description,
            day=self.monday + timedelta(days=slot.day),
            start=slot.start,
            end=slot.end,
            room=slot.room,
            online_url=online_url,
            capacity=slot.capacity,
            speakers=speakers,
            case_titles=case_titles,
        )


def _overlapping_groups(sessions: list[tuple[SessionSpec, Slot]]) -> list[list[tuple[SessionSpec, Slot]]]:
    """The sessions in groups that overlap in time (a member can be seated in one session of a group)."""
    groups: list[list[tuple[SessionSpec, Slot]]] = []
    group_end = None
    for item in sorted(sessions, key=lambda pair: (pair[0].starts_at, pair[0].ends_at)):
        if group_end is None or item[0].starts_at >= group_end:
            groups.append([item])
            group_end = item[0].ends_at
        else:
            groups[-1].append(item)
            group_end = max(group_end, item[0].ends_at)
    return groups


def _weighted_order(rng: random.Random, items: list, weights: list[float]) -> list:
    """The items in a random order where heavier ones tend to come first (weighted sampling without replacement)."""
    keyed = sorted(((rng.random() ** (1.0 / weight), index) for index, weight in enumerate(weights)), reverse=True)
    return [items[index] for _, index in keyed]


def _registrations(
    rng: random.Random,
    spec: SessionSpec,
    chosen: list[Member],
    forced: list[Member],
    opens: datetime,
    closes: datetime,
    today: date,
    cancellations: int,
) -> list[RegistrationSpec]:
    """Registrations in time order: the first `capacity` get seats 1..n, the rest wait; a few cancel."""
    midnight = _utc(today, time(0, 0))

    def moment(person: Member, early: bool) -> datetime:
        # After the account exists (a day's margin) and after the programme went out.
        earliest = max(opens, midnight - timedelta(days=person.days_ago - 1))
        span = (closes - earliest).total_seconds()
        share = rng.uniform(0, 0.15) if early else rng.betavariate(0.8, 1.3)
        at = earliest + timedelta(seconds=span * share)
        if at.astimezone(ROME).hour < 7 and at + timedelta(hours=8) < closes:
            at += timedelta(hours=8)  # members register in the day, mostly
        return at.replace(microsecond=0)

    timed = [(moment(person, True), person) for person in forced]
    timed += [(moment(person, False), person) for person in chosen]
    timed.sort(key=lambda pair: (pair[0], pair[1].email))
    capacity = spec.capacity or len(timed)
    seated, waiting = timed[:capacity], timed[capacity:]
    rows = [RegistrationSpec(person.email, seat, at) for seat, (at, person) in enumerate(seated, start=1)]
    forced_emails = {person.email for person in forced}
    if waiting and cancellations:
        # Some seated members cancel: the first on the waitlist take their seats, in order.
        cancellers = [row for row in rows if row.email not in forced_emails]
        gone = sorted(rng.sample(cancellers, k=min(cancellations, len(cancellers), len(waiting))), key=lambda r: r.seat)
        promoted = waiting[: len(gone)]
        waiting = waiting[len(gone) :]
        rows = [row for row in rows if row not in gone]
        for row, (at, person) in zip(gone, promoted, strict=True):
            when = at + (closes - at) * rng.uniform(0.1, 0.9)
            rows.append(RegistrationSpec(person.email, row.seat, at, when.replace(microsecond=0)))
    rows += [RegistrationSpec(person.email, None, at) for at, person in waiting]
    rows.sort(key=lambda row: (row.at, row.email))
    return rows


def _feedback(rng: random.Random, spec: SessionSpec, quality: float) -> list[FeedbackSpec]:
    """Ratings from about six attendees in ten, most of them in the first two days after the session."""
    pools = {band: list(comments) for band, comments in COMMENTS[spec.kind].items()}
    for band in pools:
        rng.shuffle(pools[band])
    window = timedelta(days=7)
    rows = []
    for registration in spec.registrations:
        if registration.seat is None or rng.random() > 0.62:
            continue
        rating = max(1, min(5, round(rng.gauss(MEAN_RATING[spec.kind] + quality, 0.8))))
        if rng.random() < 0.03:
            rating = rng.choice((1, 1, 2))  # the odd bad day
        comment = None
        band = "good" if rating >= 4 else "fair" if rating == 3 else "poor"
        if rng.random() < (0.25 if rating >= 4 else 0.5) and pools[band]:
            comment = pools[band].pop()
        at = spec.ends_at + timedelta(hours=min(rng.expovariate(1 / 20), 150) + rng.uniform(0.2, 2))
        updated = at
        if rng.random() < 0.08:
            updated = at + (spec.ends_at + window - timedelta(hours=1) - at) * rng.uniform(0.05, 0.6)
        rows.append(
            FeedbackSpec(registration.email, rating, comment, at.replace(microsecond=0), updated.replace(microsecond=0))
        )
    return rows


def _build_week(
    rng: random.Random,
    people: list[Member],
    cases: list[_Case],
    today: date,
    *,
    title: str,
    themes: list[str],
    description: str,
    monday: date,
    days: int,
    place: str,
    status: str,
    programme: list[Slot],
    published_days_before: int,
    url_prefix: str | None,
    forced: dict[int, list[str]] | None = None,
    registrations: bool = True,
) -> WeekSpec:
    days_ago = (today - monday).days
    builder = _WeekBuilder(rng, people, cases, monday, days_ago=days_ago, url_prefix=url_prefix)
    made: list[tuple[SessionSpec, Slot, int]] = []

    # A member's own testimonial first (before a random pick takes their case); the panels of the week's
    # testimonial speakers last.
    def turn(index: int) -> tuple[bool, bool]:
        slot = programme[index]
        return slot.speaker is None, bool(slot.written and WRITTEN[slot.written].testimonial_speakers)

    order = sorted(range(len(programme)), key=turn)
    for index in order:
        spec = builder.session(programme[index], index)
        if spec is not None:
            made.append((spec, programme[index], index))
    made.sort(key=lambda item: item[2])
    published_at = _utc(monday - timedelta(days=published_days_before), time(10, 0))
    week = WeekSpec(
        title=title,
        themes=themes,
        description=description,
        starts_on=monday,
        ends_on=monday + timedelta(days=days - 1),
        place=place,
        online=url_prefix is not None,
        status=status,
        published_at=published_at,
        sessions=[spec for spec, _, _ in made],
    )
    if not registrations:
        return week

    forced = forced or {}
    forced_emails = {email for emails in forced.values() for email in emails}
    forced_by_session = {id(spec): forced.get(index, []) for spec, _, index in made}
    attendees = [person for person in people if not person.staff and person.email not in forced_emails]
    engagement = {person.email: rng.uniform(0.25, 1.0) for person in attendees}
    midnight = _utc(today, time(0, 0))
    past = days_ago > 0
    for group in _overlapping_groups([(spec, slot) for spec, slot, _ in made]):
        speakers = {speaker.email for spec, _ in group for speaker in spec.speakers if speaker.email}
        closes_at = {}
        for spec, _ in group:
            # Registrations close when the session starts; for the coming week they were all made before today.
            closes_at[id(spec)] = min(spec.starts_at - timedelta(hours=2), midnight - timedelta(hours=2))
        pool = [
            person
            for person in attendees
            if person.email not in speakers
            and midnight - timedelta(days=person.days_ago - 2) < closes_at[id(group[0][0])] - timedelta(days=1)
        ]
        wanted = {}
        for spec, slot in group:
            if slot.full:
                wanted[id(spec)] = slot.capacity + rng.randint(3, 8)
            else:
                wanted[id(spec)] = round(slot.capacity * rng.uniform(0.6, 0.9))
        total = sum(wanted.values())
        if total > len(pool):
            for key in wanted:
                wanted[key] = wanted[key] * len(pool) // total
        taken: set[str] = set()
        for spec, slot in group:
            forced_here = [
                builder.by_email[email] for email in forced_by_session[id(spec)] if email in builder.by_email
            ]
            candidates = [person for person in pool if person.email not in taken]
            # Members lean towards the testimonials on their own competence areas.
            topics = {slug for case in cases if case.title in spec.case_titles for slug in case.competences}
            weights = [engagement[p.email] * (1.6 if topics & set(p.competences) else 1.0) for p in candidates]
            count = max(0, min(wanted[id(spec)], len(candidates)) - len(forced_here))
            chosen = _weighted_order(rng, candidates, weights)[:count]
            opens = week.published_at + timedelta(hours=rng.uniform(0, 6))
            spec.registrations = _registrations(
                rng,
                spec,
                chosen,
                forced_here,
                opens,
                closes_at[id(spec)],
                today,
                cancellations=rng.randint(1, 2) if slot.full else 0,
            )
            taken |= {row.email for row in spec.registrations}
            if past:
                spec.feedback = _feedback(rng, spec, rng.gauss(0, 0.3))
    return week


def week_specs(today: date | None = None) -> list[WeekSpec]:
    """Every demo week, as plain data: the same list on every call on the same day (Europe/Rome)."""
    today = today or utcnow().astimezone(ROME).date()
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    people = members()
    cases = _published_cases()
    past_monday, coming_monday = edition_mondays(today)
    past_days_ago = (today - past_monday).days
    past_year, coming_year = coming_monday.year - 1, coming_monday.year

    # Last year's testimonials tell the cases published before that week; this year's, those published since
    # (and at least a month ago, before the programme went out).
    before = [case for case in cases if case.published_days_ago > past_days_ago + 10]
    since = [case for case in cases if 30 < case.published_days_ago < past_days_ago - 7]
    past = _build_week(
        rng,
        people,
        cases=before,
        today=today,
        title=WEEK_TITLE.format(year=past_year),
        themes=PAST_THEMES,
        description=PAST_DESCRIPTION,
        monday=past_monday,
        days=5,
        place=VENUE,
        status=WeekStatus.PUBLISHED.value,
        programme=PAST_PROGRAMME,
        published_days_before=42,
        url_prefix=f"{LIVE_URL}/srec-{past_year}",
    )
    coming = _build_week(
        rng,
        people,
        cases=since,
        today=today,
        title=WEEK_TITLE.format(year=coming_year),
        themes=COMING_THEMES,
        description=COMING_DESCRIPTION,
        monday=coming_monday,
        days=5,
        place=VENUE,
        status=WeekStatus.PUBLISHED.value,
        programme=COMING_PROGRAMME,
        published_days_before=(coming_monday - today).days + 20,
        url_prefix=f"{LIVE_URL}/srec-{coming_year}",
        forced={index: [DEMO_MEMBER] for index in DEMO_MEMBER_SESSIONS},
    )
    # A study day in Rome, a Thursday some three months later, still a draft: only the organisers see it.
    study_day = coming_monday + timedelta(weeks=14, days=3)
    while not quiet_days(study_day, 1):
        study_day += timedelta(weeks=1)
    draft = _build_week(
        rng,
        people,
        cases=[case for case in cases if case.published_days_ago > 30],
        today=today,
        title=STUDY_DAY_TITLE.format(year=study_day.year),
        themes=STUDY_DAY_THEMES,
        description=STUDY_DAY_DESCRIPTION,
        monday=study_day,
        days=1,
        place=STUDY_DAY_VENUE,
        status=WeekStatus.DRAFT.value,
        programme=STUDY_DAY_PROGRAMME,
        published_days_before=(study_day - today).days,
        url_prefix=None,
        registrations=False,
    )
    return [past, coming, draft]


# -- loading ---------------------------------------------------------------------------------------------------


def _load_week(spec: WeekSpec, users: dict, case_ids: dict[str, int], now: datetime, organiser=None) -> None:
    week = services.save_week(
        None,
        services.WeekInput(
            title=spec.title,
            themes=list(spec.themes),
            description=spec.description,
            starts_on=spec.starts_on,
            ends_on=spec.ends_on,
            place=spec.place,
            online=spec.online,
            status=spec.status,
        ),
        organiser,
    )
    created = min(spec.published_at, now)
    week.created_at = created - timedelta(days=12)
    session_scopes = []
    registrations, ratings = [], []
    for item in spec.sessions:
        speakers = [
            services.SpeakerInput(
                user_email=speaker.email, guest_name=speaker.guest_name, guest_organisation=speaker.guest_organisation
            )
            for speaker in item.speakers
            if speaker.email is None or speaker.email in users
        ]
        data = services.SessionInput(
            title=item.title,
            kind=item.kind,
            theme=item.theme,
            description=item.description,
            day=item.day,
            start=item.start,
            end=item.end,
            room=item.room,
            online_url=item.online_url,
            capacity=item.capacity,
            speakers=speakers,
            case_ids=[case_ids[title] for title in item.case_titles if title in case_ids],
        )
        try:
            with db.session.begin_nested():
                event_session = services.save_session(week, None, data, organiser)
        except services.EventError:
            continue  # refused by a rule of the services that changed since: leave this session out
        event_session.created_at = created
        session_scopes.append(services.session_scope(event_session.id))
        seated = set()
        for row in item.registrations:
            user = users.get(row.email)
            if user is None or row.at >= now or user.created_at >= row.at:
                continue
            registrations.append(
                {
                    "session_id": event_session.id,
                    "user_id": user.id,
                    "seat": row.seat,
                    "created_at": row.at,
                    "promoted_at": row.promoted_at if row.promoted_at and row.promoted_at < now else None,
                }
            )
            if row.seat is not None:
                seated.add(row.email)
        for row in item.feedback:
            if row.email not in seated or row.at >= now:
                continue  # only those who had a seat rate a session
            ratings.append(
                {
                    "session_id": event_session.id,
                    "user_id": users[row.email].id,
                    "rating": row.rating,
                    "comment": row.comment,
                    "created_at": row.at,
                    "updated_at": min(row.updated_at, now),
                }
            )
    for model, rows in ((Registration, registrations), (Feedback, ratings)):
        if rows:
            db.session.execute(insert(model), rows)
    # The organiser's audit entries, dated when the week and its programme were made.
    for scopes, moment in (([services.week_scope(week.id)], week.created_at), (session_scopes, created)):
        if scopes:
            db.session.execute(update(AuditEntry).where(AuditEntry.scope.in_(scopes)).values(created_at=moment))


def load() -> None:
    specs = week_specs()
    existing = set(db.session.scalars(select(EventWeek.title).where(EventWeek.title.in_([s.title for s in specs]))))
    missing = [spec for spec in specs if spec.title not in existing]
    if not missing:
        return
    emails = {speaker.email for spec in missing for item in spec.sessions for speaker in item.speakers if speaker.email}
    emails |= {row.email for spec in missing for item in spec.sessions for row in item.registrations}
    users = {email: user for email, user in accounts_demo.existing_users(emails).items() if user.is_active}
    titles = {title for spec in missing for item in spec.sessions for title in item.case_titles}
    case_ids = dict(
        db.session.execute(
            select(CaseStudy.title, CaseStudy.id).where(
                CaseStudy.title.in_(titles), CaseStudy.status == Status.PUBLISHED
            )
        ).all()
    )
    now = utcnow()
    organisers = accounts_demo.existing_users(accounts_demo.ORGANISER_EMAILS)
    organiser = next((organisers[email] for email in accounts_demo.ORGANISER_EMAILS if email in organisers), None)
    for spec in missing:
        _load_week(spec, users, case_ids, now, organiser)
    db.session.flush()


def counts() -> tuple[int, int, int, int]:
    """Weeks, sessions, registrations and ratings (for the command's summary)."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (EventWeek, EventSession, Registration, Feedback)
    )
