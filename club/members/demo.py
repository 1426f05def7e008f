"""Demo data of the members domain: a club of practitioners from many sectors and functions.

`member_specs()` builds the members as plain data, deterministically (random.Random(2026)), so
the same people come out on every run; `load()` finds or creates each account by email and gives
it a profile when it has none. It also gives profiles to the demo administrator and organisers
(created by club.accounts.demo). Every organisation, person and web address is invented; every
domain is under the reserved .example top-level domain.

Load club.core.demo and club.accounts.demo first (the `flask demo` command does).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select

from club.accounts import demo as accounts_demo
from club.accounts.models import Role
from club.core.models import Competence, Function, Sector
from club.extensions import db
from club.members.models import PRIVATE_FIELDS, Profile, Visibility

SEED = 2026

# -- the people and places of the demo (all invented) ----------------------------------------------

FEMALE_NAMES = [
    "Giulia",
    "Francesca",
    "Chiara",
    "Sara",
    "Martina",
    "Valentina",
    "Alessia",
    "Elena",
    "Federica",
    "Silvia",
    "Laura",
    "Paola",
    "Roberta",
    "Simona",
    "Daniela",
    "Barbara",
    "Elisa",
    "Ilaria",
    "Marta",
    "Serena",
    "Claudia",
    "Monica",
    "Cristina",
    "Anna",
    "Beatrice",
    "Camilla",
    "Veronica",
    "Arianna",
    "Lucia",
    "Teresa",
    "Manuela",
    "Stefania",
]
MALE_NAMES = [
    "Marco",
    "Luca",
    "Andrea",
    "Alessandro",
    "Matteo",
    "Francesco",
    "Lorenzo",
    "Davide",
    "Simone",
    "Federico",
    "Stefano",
    "Paolo",
    "Roberto",
    "Giuseppe",
    "Antonio",
    "Fabio",
    "Massimo",
    "Riccardo",
    "Giorgio",
    "Emanuele",
    "Nicola",
    "Daniele",
    "Tommaso",
    "Gabriele",
    "Michele",
    "Pietro",
    "Claudio",
    "Salvatore",
    "Vincenzo",
    "Enrico",
]
SURNAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Grassi",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Orlando",
    "Piras",
    "Fumagalli",
    "Bellini",
    "Zanetti",
    "Cocco",
]

# Sector slug -> (organisation, web domain). Invented names; domains under .example.
ORGANISATIONS: dict[str, list[tuple[str, str]]] = {
    "banking": [
        ("Banca Aurora Credito", "bancaaurora.example"),
        ("Credito Appenninico", "creditoappenninico.example"),
        ("Cassa di Risparmio di Valmarina", "crvalmarina.example"),
    ],
    "insurance": [
        ("Egida Assicurazioni", "egida-assicurazioni.example"),
        ("Mutua Serena Assicurazioni", "mutuaserena.example"),
    ],
    "telecommunications": [
        ("TelcoNord", "telconord.example"),
        ("Fibra Peninsulare", "fibrapeninsulare.example"),
        ("OndaMobile Italia", "ondamobile.example"),
    ],
    "energy-utilities": [
        ("Energia Tirrenica", "energiatirrenica.example"),
        ("Luce e Gas Padana", "lucegaspadana.example"),
        ("Acquedotto Collinare", "acquedottocollinare.example"),
    ],
    "public-administration": [
        ("Comune di Valdarno", "comune.valdarno.example"),
        ("Comune di Portoverde", "comune.portoverde.example"),
        ("Istituto Nazionale Servizi al Cittadino", "insc.example"),
    ],
    "retail": [
        ("Supermercati Girasole", "girasole-spesa.example"),
        ("Ipermercati Tramontana", "tramontana-iper.example"),
        ("Casa e Stile Arredamenti", "casaestile.example"),
    ],
    "outsourcing": [
        ("Voce Amica Servizi BPO", "voceamica.example"),
        ("Interlocutore Contact Solutions", "interlocutore.example"),
        ("Ponte Servizi Outsourcing", "ponteservizi.example"),
    ],
    "healthcare": [
        ("Azienda Sanitaria Locale Valmarina", "asl-valmarina.example"),
        ("Gruppo Sanitario Aurelia Cura", "aureliacura.example"),
    ],
    "transport": [
        ("Ferrovie Regionali del Tirreno", "ferrovietirreno.example"),
        ("Mobilità Urbana Portoverde", "mup-portoverde.example"),
    ],
    "e-commerce": [
        ("Carrello Veloce", "carrelloveloce.example"),
        ("Bottega Digitale Italiana", "bottegadigitale.example"),
    ],
    "automotive": [
        ("Automobili Ardesia", "ardesia-auto.example"),
        ("Rete Concessionarie Vetta", "concessionarievetta.example"),
    ],
    "media": [
        ("Gruppo Editoriale Campanile", "editorialecampanile.example"),
        ("Palinsesto TV", "palinsesto-tv.example"),
    ],
    "tourism": [
        ("Alberghi Costa Serena", "costaserena-hotels.example"),
        ("Orizzonte Viaggi", "orizzonteviaggi.example"),
    ],
}

# How many generated members come from each sector, and work in each function.
SECTOR_WEIGHTS = {
    "banking": 8,
    "insurance": 5,
    "telecommunications": 7,
    "energy-utilities": 7,
    "public-administration": 6,
    "retail": 6,
    "outsourcing": 8,
    "healthcare": 4,
    "transport": 4,
    "e-commerce": 4,
    "automotive": 3,
    "media": 3,
    "tourism": 2,
}
FUNCTION_WEIGHTS = {
    "customer-care": 16,
    "customer-experience": 14,
    "marketing": 8,
    "human-resources": 7,
    "information-technology": 7,
    "operations": 6,
    "sales": 3,
    "quality-compliance": 4,
    "general-management": 2,
}

# Job titles by function; a pair is (masculine, feminine).
JOB_TITLES: dict[str, list] = {
    "customer-care": [
        "Responsabile Customer Care",
        "Head of Contact Center",
        "Customer Service Manager",
        "Team Leader Assistenza Clienti",
        "Responsabile Servizio Clienti",
        "Workforce Manager",
    ],
    "customer-experience": [
        "Head of CX",
        "Customer Experience Manager",
        "Responsabile Customer Experience",
        "CX Designer",
        "Voice of the Customer Specialist",
    ],
    "marketing": [
        "Responsabile Marketing Relazionale",
        "CRM Manager",
        "Marketing Manager",
        "Responsabile Comunicazione Clienti",
        "Customer Insight Manager",
    ],
    "human-resources": [
        "HR Business Partner",
        "Responsabile Formazione",
        "Talent Acquisition Specialist",
        "Responsabile Sviluppo Organizzativo",
        "Learning & Development Manager",
    ],
    "information-technology": [
        "Responsabile Sistemi CRM",
        "IT Manager",
        "Solution Architect Contact Center",
        "Data Scientist",
        "Responsabile Trasformazione Digitale",
    ],
    "operations": [
        "Operations Manager",
        "Responsabile Back Office",
        "Responsabile Processi e Organizzazione",
        "Service Delivery Manager",
    ],
    "sales": ["Responsabile Vendite", "Sales Manager", "Responsabile Canali di Vendita", "Key Account Manager"],
    "quality-compliance": ["Responsabile Qualità", "Quality Manager", "Compliance Officer", "Responsabile Reclami"],
    "general-management": [
        ("Direttore Generale", "Direttrice Generale"),
        ("Amministratore Delegato", "Amministratrice Delegata"),
        "Chief Customer Officer",
    ],
}
# Where a sector names the same job its own way.
SECTOR_JOB_TITLES: dict[tuple[str, str], list] = {
    ("public-administration", "customer-care"): ["Responsabile URP", "Responsabile Sportello al Cittadino"],
    ("healthcare", "customer-care"): ["Responsabile CUP e Accoglienza"],
    ("outsourcing", "operations"): ["Site Manager", "Account Manager Contact Center"],
    ("outsourcing", "customer-care"): [("Direttore di Sede", "Direttrice di Sede"), "Head of Contact Center"],
    ("retail", "customer-care"): ["Responsabile Customer Service e Resi"],
    ("public-administration", "marketing"): ["Responsabile Comunicazione Istituzionale"],
    ("public-administration", "sales"): ["Responsabile Servizi alle Imprese"],
    ("public-administration", "general-management"): [
        ("Direttore Generale", "Direttrice Generale"),
        ("Segretario Generale", "Segretaria Generale"),
    ],
    ("healthcare", "general-management"): [("Direttore Amministrativo", "Direttrice Amministrativa")],
    ("healthcare", "sales"): ["Responsabile Convenzioni"],
}

# Competence areas each function leans towards (the first one or two come from here).
FUNCTION_COMPETENCES = {
    "customer-care": ["omnichannel", "people-training-motivation", "measurement-voice-of-customer"],
    "customer-experience": ["customer-journey", "customer-experience", "measurement-voice-of-customer"],
    "marketing": ["customer-journey", "measurement-voice-of-customer", "omnichannel"],
    "human-resources": ["people-training-motivation"],
    "information-technology": ["artificial-intelligence", "omnichannel"],
    "operations": ["omnichannel", "measurement-voice-of-customer", "artificial-intelligence"],
    "sales": ["customer-journey", "omnichannel"],
    "quality-compliance": ["measurement-voice-of-customer", "customer-experience"],
    "general-management": ["customer-experience", "artificial-intelligence"],
}

# -- the parts of the bios (Italian Markdown) ------------------------------------------------------

SECTOR_PHRASES = {
    "banking": "bancario",
    "insurance": "assicurativo",
    "telecommunications": "delle telecomunicazioni",
    "energy-utilities": "dell'energia e delle utility",
    "public-administration": "della pubblica amministrazione",
    "retail": "della grande distribuzione",
    "outsourcing": "dei servizi di contact center in outsourcing",
    "healthcare": "sanitario",
    "transport": "dei trasporti",
    "e-commerce": "dell'e-commerce",
    "automotive": "automotive",
    "media": "dei media",
    "tourism": "del turismo",
}
FUNCTION_TOPICS = {
    "customer-care": "assistenza clienti e contact center",
    "customer-experience": "customer experience",
    "marketing": "marketing relazionale e CRM",
    "human-resources": "selezione, formazione e sviluppo delle persone",
    "information-technology": "piattaforme CRM e tecnologie per il contact center",
    "operations": "processi operativi e back office",
    "sales": "vendite e canali commerciali",
    "quality-compliance": "qualità del servizio e gestione dei reclami",
    "general-management": "strategia e direzione aziendale",
}
COMPETENCE_PHRASES = {
    "customer-journey": "il customer journey",
    "customer-experience": "la customer experience",
    "omnichannel": "l'omnicanalità",
    "artificial-intelligence": "l'intelligenza artificiale",
    "people-training-motivation": "la motivazione delle persone",
    "measurement-voice-of-customer": "la voce del cliente",
}
# {at_org} is the organisation with its preposition: "in TelcoNord", "al Comune di Valdarno".
OPENINGS = [
    "Sono {job} {at_org}, dove mi occupo di {topic}.",
    "Da {years} anni lavoro nel settore {sector}; oggi {at_org} mi occupo di {topic}.",
    "{at_org} guido un team di {team} persone che si occupa di {topic}.",
    "Ho {years} anni di esperienza in {topic}, maturati tra consulenza e azienda; oggi lavoro {at_org}.",
    "Dopo un percorso in consulenza sono {arrived} {at_org}, dove oggi sono {job}.",
    "Il mio lavoro {at_org} è semplice da dire e difficile da fare: {topic}, con il cliente sempre al centro.",
]
# Only for those who work close to the front line.
FRONT_LINE_OPENING = "Ho cominciato come {operator} di contact center e oggi sono {job} {at_org}."
FRONT_LINE_FUNCTIONS = {"customer-care", "customer-experience", "operations", "quality-compliance", "human-resources"}
_ARTICLES = {"Comune ": "al", "Cassa ": "alla", "Istituto ": "all'", "Azienda ": "all'", "Gruppo ": "nel"}
PROJECTS = [
    "l'introduzione di un assistente virtuale per le richieste più semplici",
    "la misurazione del **Net Promoter Score** dopo ogni contatto",
    "un nuovo percorso di onboarding per gli operatori",
    "l'integrazione di chat, telefono e messaggistica in un'unica piattaforma",
    "la mappatura del *customer journey* dei nuovi clienti",
    "un programma di ascolto della voce del cliente che coinvolge tutte le funzioni",
    "la riduzione dei tempi di attesa nei periodi di picco",
    "il lavoro da remoto per oltre duecento operatori",
    "un modello di qualità basato sulla **risoluzione al primo contatto**",
    "l'analisi automatica delle conversazioni con l'intelligenza artificiale",
    "la riscrittura delle lettere ai clienti in un linguaggio chiaro",
    "un sistema di gestione dei reclami condiviso con il marketing",
    "la formazione continua dei team leader sul coaching",
    "un cruscotto unico di indicatori per la direzione",
]
MIDDLES = [
    "Negli ultimi anni ho seguito {project}.",
    "Il progetto di cui vado più {proud} è {project}.",
    "In questo momento sto seguendo {project}.",
    "L'anno scorso abbiamo portato a termine {project}, e mi piacerebbe discutere i risultati con voi.",
    "Tra i progetti recenti: {project}.",
]
CLOSINGS = [
    "Nel club cerco il confronto con chi lavora in settori diversi dal mio.",
    "Sono sempre disponibile a raccontare cosa ha funzionato, e soprattutto cosa no.",
    "{interests}: scrivetemi se ne volete parlare.",
    "Credo che la *customer experience* sia un lavoro di squadra, non di un solo ufficio.",
    "Nel tempo libero {hobby}.",
]
HOBBIES = [
    "corro e, appena posso, vado in montagna",
    "suono il pianoforte in una piccola band",
    "insegno in un master sulla relazione con il cliente",
    "faccio volontariato in un'associazione del mio quartiere",
    "leggo tutto quello che trovo su psicologia e comportamento dei consumatori",
    "vado in barca a vela",
]

# -- hand-written members: the demo login and a few people whose story sets the tone ----------------


@dataclass
class MemberSpec:
    email: str
    display_name: str
    sector: str | None
    function: str | None
    organisation: str | None
    job_title: str | None
    competences: list[str]
    bio: str | None
    links: list[str] = field(default_factory=list)
    visibility: dict[str, str] = field(default_factory=dict)
    locale: str = "it"
    days_ago: float = 0
    role: str = Role.MEMBER.value


DEMO_MEMBER_EMAIL = "giulia.rinaldi@telconord.example"

_PUBLIC_PROFILE = {
    "organisation": "public",
    "job_title": "public",
    "bio": "public",
    "links": "public",
    "email": "members",
}

FEATURED: list[MemberSpec] = [
    MemberSpec(
        email=DEMO_MEMBER_EMAIL,
        display_name="Giulia Rinaldi",
        sector="telecommunications",
        function="customer-care",
        organisation="TelcoNord",
        job_title="Responsabile Customer Care",
        competences=["omnichannel", "artificial-intelligence"],
        bio=(
            "Guido il customer care di **TelcoNord**: tre sedi, 180 operatori e un assistente virtuale che "
            "risponde a un contatto su quattro. Mi interessa capire come l'intelligenza artificiale possa "
            "*aiutare* le persone al telefono invece di sostituirle."
        ),
        links=["https://www.telconord.example/chi-siamo", "https://rete-professionisti.example/in/giulia-rinaldi"],
        visibility={
            "organisation": "public",
            "job_title": "public",
            "bio": "members",
            "links": "members",
            "email": "members",
        },
        days_ago=412,
    ),
    MemberSpec(
        email="marco.esposito@comune.valdarno.example",
        display_name="Marco Esposito",
        sector="public-administration",
        function="customer-experience",
        organisation="Comune di Valdarno",
        job_title="Responsabile Esperienza del Cittadino",
        competences=["customer-journey", "omnichannel"],
        bio=(
            "Nel **Comune di Valdarno** abbiamo ridisegnato i servizi partendo dai percorsi reali dei "
            "cittadini, dal cambio di residenza all'iscrizione all'asilo nido. Ho imparato moltissimo dalle "
            "banche e dalle telco: la pubblica amministrazione ha bisogno di questi scambi."
        ),
        links=["https://comune.valdarno.example/servizi"],
        visibility=dict(_PUBLIC_PROFILE),
        days_ago=690,
    ),
    MemberSpec(
        email="francesca.lombardi@voceamica.example",
        display_name="Francesca Lombardi",
        sector="outsourcing",
        function="human-resources",
        organisation="Voce Amica Servizi BPO",
        job_title="Responsabile Formazione",
        competences=["people-training-motivation"],
        bio=(
            "Formo ogni anno più di 400 nuovi operatori per clienti di settori diversissimi. "
            "La mia convinzione: un operatore motivato vale più di qualsiasi script.\n\n"
            "Nel club porto i dati del nostro programma di *coaching* tra pari."
        ),
        visibility={
            "organisation": "members",
            "job_title": "members",
            "bio": "members",
            "links": "members",
            "email": "private",
        },
        days_ago=23,
    ),
    MemberSpec(
        email="davide.moretti@energiatirrenica.example",
        display_name="Davide Moretti",
        sector="energy-utilities",
        function="information-technology",
        organisation="Energia Tirrenica",
        job_title="Responsabile Sistemi CRM",
        competences=["artificial-intelligence", "measurement-voice-of-customer", "omnichannel"],
        bio=(
            "Mi occupo della piattaforma CRM e del contact center di **Energia Tirrenica**. "
            "Stiamo sperimentando l'analisi automatica delle chiamate per scoprire *perché* i clienti "
            "ci chiamano, non solo quante volte."
        ),
        links=["https://blog.energiatirrenica.example/autori/davide-moretti"],
        visibility={
            "organisation": "public",
            "job_title": "public",
            "bio": "members",
            "links": "public",
            "email": "private",
        },
        locale="en",
        days_ago=5,
    ),
]

# Profiles for the demo staff (their accounts come from club.accounts.demo).
STAFF_PROFILES: dict[str, dict] = {
    accounts_demo.ADMIN_EMAIL: dict(
        sector=None,
        function="operations",
        organisation="Club CX",
        job_title="Segreteria del club",
        competences=["customer-experience"],
        bio=(
            "Coordino la segreteria del club: iscrizioni, calendario degli incontri e la piattaforma. "
            "Per qualsiasi dubbio su account e profili, scrivetemi."
        ),
        visibility={
            "organisation": "public",
            "job_title": "public",
            "bio": "public",
            "links": "members",
            "email": "members",
        },
    ),
    accounts_demo.ORGANISER_EMAILS[0]: dict(
        sector="energy-utilities",
        function="customer-experience",
        organisation="Energia Tirrenica",
        job_title="Head of CX",
        competences=["customer-journey", "customer-experience", "measurement-voice-of-customer"],
        bio=(
            "Guido la customer experience di **Energia Tirrenica** e nel club coordino la *award week*. "
            "Il mio obiettivo: che ogni caso di studio premiato sia utile anche a chi lavora in un altro settore."
        ),
        links=["https://www.energiatirrenica.example"],
        visibility={
            "organisation": "public",
            "job_title": "public",
            "bio": "public",
            "links": "public",
            "email": "members",
        },
    ),
    accounts_demo.ORGANISER_EMAILS[1]: dict(
        sector="outsourcing",
        function="customer-care",
        organisation="Interlocutore Contact Solutions",
        job_title="Direttore Contact Center",
        competences=["omnichannel", "people-training-motivation"],
        bio=(
            "Dirigo un contact center da 600 postazioni che lavora per banche, utility e pubblica amministrazione. "
            "Nel club organizzo le sessioni di testimonianza e la moderazione dei casi di studio."
        ),
        visibility={
            "organisation": "public",
            "job_title": "public",
            "bio": "members",
            "links": "members",
            "email": "members",
        },
    ),
    accounts_demo.ORGANISER_EMAILS[2]: dict(
        sector="banking",
        function="human-resources",
        organisation="Credito Appenninico",
        job_title="Responsabile Formazione",
        competences=["people-training-motivation", "artificial-intelligence"],
        bio=(
            "Mi occupo di formazione delle reti di filiale e del servizio clienti di **Credito Appenninico**. "
            "Nel club seguo le giurie del premio e il *digest* mensile."
        ),
        links=["https://rete-professionisti.example/in/elena-fabbri"],
        visibility={
            "organisation": "members",
            "job_title": "public",
            "bio": "members",
            "links": "members",
            "email": "members",
        },
    ),
}

# -- building the members ----------------------------------------------------------------------------


def slugify(text: str) -> str:
    """A name as the local part of an email address: "D'Angelo" -> "dangelo", "Niccolò" -> "niccolo"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


def _gendered(title, female: bool) -> str:
    if isinstance(title, tuple):
        return title[1] if female else title[0]
    return title


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _shuffled_forever(rng: random.Random, items: list[str]):
    """The items in random order, then again in another order, and so on: few repeats."""
    while True:
        yield from rng.sample(items, len(items))


def _spread(weights: dict[str, int], rng: random.Random) -> list[str]:
    slugs = [slug for slug, count in weights.items() for _ in range(count)]
    rng.shuffle(slugs)
    return slugs


def at_organisation(org: str) -> str:
    for start, article in _ARTICLES.items():
        if org.startswith(start):
            separator = "" if article.endswith("'") else " "
            return f"{article}{separator}{org}"
    return f"in {org}"


def _bio(
    rng: random.Random, *, female: bool, job: str, org: str, sector: str, function: str, competences: list[str]
) -> str:
    values = {
        "job": job,
        "at_org": at_organisation(org),
        "topic": FUNCTION_TOPICS[function],
        "sector": SECTOR_PHRASES[sector],
        "years": rng.choice([6, 8, 10, 12, 15, 18, 20, 25]),
        "team": rng.choice([8, 12, 15, 25, 40, 60, 120]),
        "operator": "operatrice" if female else "operatore",
        "arrived": "approdata" if female else "approdato",
        "proud": "fiera" if female else "fiero",
        "project": rng.choice(PROJECTS),
        "hobby": rng.choice(HOBBIES),
    }
    phrases = [COMPETENCE_PHRASES[slug] for slug in competences[:2]]
    verb = "Mi interessano" if len(phrases) > 1 else "Mi interessa"
    values["interests"] = f"{verb} in particolare {' e '.join(phrases)}"
    openings = OPENINGS + [FRONT_LINE_OPENING] if function in FRONT_LINE_FUNCTIONS else OPENINGS
    sentences = [rng.choice(openings)]
    shape = rng.choice(("middle", "closing", "both", "both"))
    if shape in ("middle", "both"):
        sentences.append(rng.choice(MIDDLES))
    if shape in ("closing", "both"):
        sentences.append(rng.choice(CLOSINGS))
    text = " ".join(sentence.format(**values) for sentence in sentences)
    return text[0].upper() + text[1:]


def _visibility(rng: random.Random) -> dict[str, str]:
    # Mostly "members"; some members show their work to everyone, a few keep parts to themselves.
    openness = rng.random()
    if openness < 0.2:
        field_weights = {Visibility.PUBLIC.value: 0.8, Visibility.MEMBERS.value: 0.2}
    elif openness < 0.9:
        field_weights = {Visibility.PUBLIC.value: 0.1, Visibility.MEMBERS.value: 0.8, Visibility.PRIVATE.value: 0.1}
    else:
        field_weights = {Visibility.MEMBERS.value: 0.4, Visibility.PRIVATE.value: 0.6}
    choices = {name: _weighted(rng, field_weights) for name in PRIVATE_FIELDS if name != "email"}
    choices["email"] = _weighted(
        rng, {Visibility.PRIVATE.value: 0.7, Visibility.MEMBERS.value: 0.25, Visibility.PUBLIC.value: 0.05}
    )
    return choices


def member_specs() -> list[MemberSpec]:
    """Every demo member, as plain data: the same list on every call."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    taken_names = {spec.display_name for spec in FEATURED}
    taken_names.add(accounts_demo.ADMIN_NAME)
    taken_names.update(name for _, name in accounts_demo.ORGANISERS)
    specs = list(FEATURED)
    sectors = _spread(SECTOR_WEIGHTS, rng)
    functions = _spread(FUNCTION_WEIGHTS, rng)
    first_names = {True: _shuffled_forever(rng, FEMALE_NAMES), False: _shuffled_forever(rng, MALE_NAMES)}
    surnames = _shuffled_forever(rng, SURNAMES)
    for index, (sector, function) in enumerate(zip(sectors, functions, strict=True)):
        female = rng.random() < 0.5
        first = next(first_names[female])
        while True:
            last = next(surnames)
            name = f"{first} {last}"
            if name not in taken_names:
                taken_names.add(name)
                break
        organisation, domain = rng.choice(ORGANISATIONS[sector])
        titles = SECTOR_JOB_TITLES.get((sector, function)) or JOB_TITLES[function]
        job = _gendered(rng.choice(titles), female)
        leaning = FUNCTION_COMPETENCES[function]
        competences = rng.sample(leaning, k=min(len(leaning), rng.choice((1, 1, 2))))
        others = [slug for slug in COMPETENCE_PHRASES if slug not in competences]
        competences += rng.sample(others, k=rng.choice((0, 1, 1)) if len(competences) < 3 else 0)
        person = f"{slugify(first)}-{slugify(last)}"
        links = []
        link_count = rng.choice((0, 0, 1, 1, 1, 2))
        if link_count:
            candidates = [
                f"https://www.{domain}",
                f"https://rete-professionisti.example/in/{person}",
                f"https://blog.example/{person}",
            ]
            links = rng.sample(candidates, k=link_count)
        # Spread over the past two years; the most recent arrivals in the last few weeks.
        days_ago = rng.uniform(1, 45) if index % 8 == 0 else rng.uniform(45, 730)
        specs.append(
            MemberSpec(
                email=f"{slugify(first)}.{slugify(last)}@{domain}",
                display_name=name,
                sector=sector,
                function=function,
                organisation=organisation,
                job_title=job,
                competences=competences,
                bio=_bio(
                    rng,
                    female=female,
                    job=job,
                    org=organisation,
                    sector=sector,
                    function=function,
                    competences=competences,
                ),
                links=links,
                visibility=_visibility(rng),
                locale="en" if rng.random() < 0.08 else "it",
                days_ago=round(days_ago, 3),
            )
        )
    return specs


# -- loading -----------------------------------------------------------------------------------------


def _terms(model) -> dict:
    terms = {term.slug: term for term in db.session.scalars(select(model))}
    if not terms:
        raise RuntimeError(f"No {model.__tablename__} yet: load club.core.demo before club.members.demo.")
    return terms


def _profile(user, data: dict, sectors: dict, functions: dict, competences: dict) -> Profile:
    visibility = {name: Visibility.MEMBERS.value for name in PRIVATE_FIELDS}
    visibility["email"] = Visibility.PRIVATE.value
    visibility.update(data.get("visibility") or {})
    return Profile(
        user=user,
        organisation=data.get("organisation"),
        job_title=data.get("job_title"),
        bio=data.get("bio"),
        links=list(data.get("links") or []),
        sector=sectors[data["sector"]] if data.get("sector") else None,
        function=functions[data["function"]] if data.get("function") else None,
        competences=[competences[slug] for slug in data.get("competences") or []],
        **{f"{name}_visibility": Visibility(value).value for name, value in visibility.items()},
    )


def load() -> None:
    sectors, functions, competences = _terms(Sector), _terms(Function), _terms(Competence)
    specs = member_specs()
    existing = accounts_demo.existing_users([spec.email for spec in specs])
    users = []
    for spec in specs:
        user, _ = accounts_demo.ensure_user(
            spec.email, spec.display_name, role=spec.role, locale=spec.locale, days_ago=spec.days_ago, existing=existing
        )
        users.append((user, vars(spec)))
    staff = accounts_demo.existing_users(STAFF_PROFILES)
    users += [(staff[email], data) for email, data in STAFF_PROFILES.items() if email in staff]
    db.session.flush()

    with_profile = set(
        db.session.scalars(select(Profile.user_id).where(Profile.user_id.in_([user.id for user, _ in users])))
    )
    for user, data in users:
        if user.id not in with_profile:
            db.session.add(_profile(user, data, sectors, functions, competences))
    db.session.flush()
