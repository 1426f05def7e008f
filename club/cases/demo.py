"""Demo data of the cases domain: the club's shared memory of case studies, and how members use it.

`case_specs()` builds every case study as plain data, deterministically (random.Random(2026)), from
the demo members of club.members.demo: who wrote it (a member of the organisation it tells about),
its text (composed from pools of sentences per sector and theme), its outcome metrics, its workflow
(draft, submitted, changes requested, published, archived), and, once published, its comments,
"useful" marks and bookmarks. `follow_specs()` says which sectors, functions and competence areas
each demo member follows (for the home page's "for you" list).

`load()` finds each case by its title (the natural key) and creates the missing ones: loading twice
adds nothing (a demo case renamed since would come back under its old title). Cases are written
with the services (create_case, transition for the authors' steps, update_case), so the revision
history and the search index are the ones the site would have made. The organisers' steps that send
email (publish, request changes) and the comments (which email the authors) are written as rows
beside the same revisions, counters, notifications and search index entries, so loading the demo
sends no mail: the command has no request to build links from, and a development mailbox with
hundreds of demo messages would hide the real ones. Dates are then moved into the past: the
published cases spread over the last three years (the club is older than its site: the cases from
before it predate their authors' accounts).

Load club.core.demo, club.accounts.demo and club.members.demo first (the `flask demo` command does).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update

from club.accounts import demo as accounts_demo
from club.accounts.models import User
from club.cases import search, services, workflow
from club.cases.models import (
    Bookmark,
    CaseStudy,
    Comment,
    Notification,
    Revision,
    Status,
    UsefulMark,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.core.models import AuditEntry, Competence, Function, Sector
from club.core.timeutil import utcnow
from club.extensions import db
from club.members import demo as members_demo

SEED = 2026
CASE_COUNT = 160
# How the generated cases end up (the hand-written ones below add to these).
STATUS_COUNTS = {
    Status.PUBLISHED: 124,
    Status.ARCHIVED: 8,
    Status.SUBMITTED: 8,
    Status.CHANGES_REQUESTED: 6,
    Status.DRAFT: 8,
}
ENGLISH_CASES = 15  # of the generated ones (with the hand-written one, about 10%)
PLATFORM_DAYS = 740  # the site opened about two years ago (club.accounts.demo: the founders' accounts)
HISTORY_DAYS = 1090  # the oldest published case: about three years ago

# -- the sectors: who the customers are, what they ask about, how the contact centre looks ---------


@dataclass(frozen=True)
class SectorWorld:
    customers: str  # bare plural: "venti {customers}"
    the_customers: str  # with its article: "con {the_customers}"
    subjects: list[str]  # what contacts are about, bare plural: "domande su {subject}"
    journeys: list[str]  # with the article: "{journey} online"
    contexts: list[str]
    volume: tuple[int, int]  # contacts a year


SECTORS: dict[str, SectorWorld] = {
    "banking": SectorWorld(
        "correntisti",
        "i correntisti",
        [
            "mutui e prestiti",
            "carte e pagamenti",
            "bonifici e addebiti",
            "pratiche di successione",
            "truffe e phishing",
        ],
        [
            "l'apertura del conto online",
            "la richiesta di un mutuo",
            "la sostituzione della carta bloccata",
            "la pratica di successione",
            "il disconoscimento di un pagamento",
        ],
        [
            "Con la chiusura di molte filiali, il servizio clienti è diventato per tanti correntisti l'unico "
            "contatto umano con la banca.",
            "I clienti {of_org} usano sempre di più l'app, ma per le decisioni importanti, un mutuo o una "
            "successione, vogliono ancora parlare con una persona.",
            "Le truffe via SMS e telefono hanno cambiato il lavoro del servizio clienti: ogni chiamata sospetta "
            "va gestita in pochi minuti, con calma e senza errori.",
        ],
        (800_000, 3_000_000),
    ),
    "insurance": SectorWorld(
        "assicurati",
        "gli assicurati",
        ["sinistri auto", "rimborsi sanitari", "polizze casa", "rinnovi e disdette"],
        [
            "la denuncia di un sinistro",
            "il rimborso delle spese mediche",
            "il rinnovo della polizza auto",
            "la liquidazione di un danno alla casa",
        ],
        [
            "Per una compagnia il momento della verità è il sinistro: è lì che un assicurato decide se rinnovare "
            "o cambiare.",
            "La rete di agenzie {of_org} copre tutto il territorio, ma sempre più assicurati cercano risposte "
            "fuori dall'orario d'ufficio, sul sito e al telefono.",
            "Tra agenti, periti, carrozzerie e liquidatori, una pratica di sinistro passa per molte mani, e "
            "l'assicurato raramente sa a che punto è.",
        ],
        (300_000, 1_200_000),
    ),
    "telecommunications": SectorWorld(
        "clienti",
        "i clienti",
        ["attivazioni della fibra", "guasti di rete", "bollette telefoniche", "portabilità del numero"],
        [
            "l'attivazione della fibra",
            "la segnalazione di un guasto",
            "la portabilità del numero",
            "il cambio di offerta",
        ],
        [
            "In un mercato in cui si cambia operatore con un SMS, l'assistenza è uno dei pochi elementi che "
            "distinguono davvero un'offerta dall'altra.",
            "Il customer care {of_org} lavora su tre sedi e con due partner in outsourcing, con picchi di "
            "contatti legati ai guasti e alle campagne commerciali.",
            "Le attivazioni della fibra coinvolgono tecnici, permessi e appuntamenti a casa del cliente: ogni "
            "ritardo si trasforma in una telefonata al servizio clienti.",
        ],
        (2_000_000, 8_000_000),
    ),
    "energy-utilities": SectorWorld(
        "clienti",
        "i clienti",
        ["bollette e conguagli", "letture dei contatori", "rateizzazioni", "cambi di fornitore"],
        [
            "l'attivazione di una nuova fornitura",
            "la voltura del contratto",
            "la rateizzazione di una bolletta",
            "l'autolettura del contatore",
            "il passaggio al mercato libero",
        ],
        [
            "La fine del mercato tutelato ha portato ondate di domande: molti clienti non sapevano cosa dovessero "
            "fare, né se dovessero fare qualcosa.",
            "Una bolletta poco chiara genera una telefonata, e una telefonata senza risposta genera un reclamo: "
            "{at_org} il ciclo era ben noto.",
            "I clienti {of_org} sono famiglie e piccole imprese, spesso con contratti di molti anni fa e "
            "abitudini radicate, come lo sportello fisico.",
        ],
        (600_000, 3_000_000),
    ),
    "public-administration": SectorWorld(
        "cittadini",
        "i cittadini",
        ["tributi locali", "certificati e anagrafe", "iscrizioni scolastiche", "pratiche edilizie"],
        [
            "il cambio di residenza",
            "l'iscrizione all'asilo nido",
            "il rilascio della carta d'identità elettronica",
            "il pagamento dei tributi locali",
            "la richiesta di un contributo per le famiglie",
        ],
        [
            "Gli sportelli {of_org} ricevevano ogni mattina file di cittadini per pratiche che in gran parte "
            "si potevano fare online, ma nessuno lo sapeva o si fidava.",
            "Nella pubblica amministrazione il cliente non può cambiare fornitore: proprio per questo ogni "
            "servizio difficile pesa sulla fiducia nelle istituzioni.",
            "Tra SPID, PEC, app IO e sportelli, i canali non mancavano: mancava un percorso chiaro che li tenesse "
            "insieme dal punto di vista del cittadino.",
        ],
        (80_000, 600_000),
    ),
    "retail": SectorWorld(
        "clienti",
        "i clienti",
        ["carte fedeltà", "spesa online", "resi in negozio", "garanzie e assistenza"],
        [
            "la spesa online con ritiro in negozio",
            "il reso di un mobile",
            "l'iscrizione al programma fedeltà",
            "la consegna con montaggio a domicilio",
        ],
        [
            "La rete {of_org} conta decine di punti vendita, ognuno con le sue abitudini: lo stesso problema "
            "veniva risolto in modi diversi a seconda del negozio.",
            "Il cliente della grande distribuzione non distingue tra negozio, sito e servizio clienti: per lui "
            "l'insegna è una sola.",
            "Con la crescita della spesa online, il servizio clienti è passato in pochi anni da poche decine di "
            "richieste al giorno a diverse migliaia.",
        ],
        (150_000, 900_000),
    ),
    "outsourcing": SectorWorld(
        "clienti finali",
        "i clienti dei committenti",
        ["commesse energia e telco", "servizi per la pubblica amministrazione", "assistenza tecnica di primo livello"],
        [
            "l'avvio di una nuova commessa",
            "l'assistenza clienti per un committente telco",
            "la gestione dei reclami per conto di una utility",
            "il servizio clienti multilingue per un e-commerce",
        ],
        [
            "{At_org} lavoriamo per committenti di settori diversissimi, dalle utility alla pubblica "
            "amministrazione, ciascuno con i suoi processi, sistemi e indicatori.",
            "Nel mondo dell'outsourcing il contratto misura spesso i minuti e le chiamate, raramente i problemi "
            "risolti: un incentivo sbagliato per tutti.",
            "Il nostro patrimonio sono le persone: in un mercato del lavoro difficile, trattenere i buoni operatori "
            "conta quanto vincere una gara.",
        ],
        (3_000_000, 12_000_000),
    ),
    "healthcare": SectorWorld(
        "pazienti",
        "i pazienti",
        ["prenotazioni di visite ed esami", "referti", "liste d'attesa", "esenzioni"],
        [
            "la prenotazione di una visita specialistica",
            "il ritiro dei referti",
            "la disdetta di un appuntamento",
            "la presa in carico dopo la dimissione",
        ],
        [
            "Il CUP {of_org} è la porta d'ingresso di tutta l'azienda: se il telefono non risponde, per il "
            "paziente è la sanità intera a non rispondere.",
            "Molti pazienti sono anziani, spesso accompagnati da un familiare, e il canale digitale da solo non basta.",
            "Ogni appuntamento non disdetto è una visita persa per qualcun altro in lista d'attesa.",
        ],
        (200_000, 1_500_000),
    ),
    "transport": SectorWorld(
        "viaggiatori",
        "i viaggiatori",
        ["ritardi e cancellazioni", "abbonamenti", "rimborsi", "oggetti smarriti"],
        [
            "il rimborso di un biglietto",
            "il rinnovo dell'abbonamento",
            "l'assistenza ai passeggeri con mobilità ridotta",
            "l'informazione durante gli scioperi",
        ],
        [
            "Nei trasporti i contatti arrivano tutti insieme: basta un guasto sulla linea per moltiplicare per "
            "dieci le chiamate in mezz'ora.",
            "I viaggiatori {of_org} sono in gran parte pendolari: conoscono la linea meglio di noi e non "
            "perdonano un'informazione sbagliata.",
            "Biglietterie, app, pannelli in stazione e servizio clienti davano spesso informazioni diverse "
            "sullo stesso ritardo.",
        ],
        (150_000, 1_000_000),
    ),
    "e-commerce": SectorWorld(
        "clienti",
        "i clienti",
        ["resi e rimborsi", "consegne in ritardo", "pagamenti", "prodotti difettosi"],
        [
            "il reso di un prodotto",
            "il tracciamento della consegna",
            "il primo acquisto",
            "la sostituzione di un prodotto difettoso",
        ],
        [
            "Nell'e-commerce il servizio clienti è spesso l'unico momento in cui il cliente parla con una persona: "
            "vale quanto un negozio intero.",
            "{At_org} la domanda più frequente era sempre la stessa, «dov'è il mio pacco?», e ogni risposta "
            "costava come un piccolo ordine.",
            "La crescita degli ordini nei periodi di saldi e a Natale metteva il servizio clienti sotto pressione "
            "per settimane.",
        ],
        (200_000, 1_500_000),
    ),
    "automotive": SectorWorld(
        "clienti",
        "i clienti",
        ["tagliandi e assistenza", "richiami", "consegne delle auto nuove", "garanzie"],
        [
            "la prenotazione del tagliando",
            "la consegna di un'auto nuova",
            "la gestione di un richiamo",
            "il soccorso stradale",
        ],
        [
            "Tra casa madre, concessionari e officine autorizzate, il cliente vede un solo marchio ma parla con "
            "interlocutori che non si conoscono.",
            "Dopo la vendita, il rapporto con il cliente passa quasi tutto dall'officina: è lì che si decide se "
            "la prossima auto sarà dello stesso marchio.",
            "Le auto connesse ci dicono molto del veicolo e quasi nulla del cliente che lo guida.",
        ],
        (60_000, 300_000),
    ),
    "media": SectorWorld(
        "abbonati",
        "gli abbonati",
        ["abbonamenti digitali", "consegne del quotidiano", "disdette", "problemi di visione"],
        [
            "l'attivazione dell'abbonamento digitale",
            "la disdetta dell'abbonamento",
            "il cambio di piano",
            "la segnalazione di un problema di visione",
        ],
        [
            "Con il passaggio dalla carta al digitale, il rapporto con gli abbonati {of_org} è cambiato: non più "
            "un edicolante, ma un'app e un servizio clienti.",
            "Ogni disdetta è un abbonato che non torna: il costo di riconquistarlo è molte volte quello di "
            "trattenerlo.",
            "Le domande arrivano soprattutto la sera e nel fine settimana, quando il servizio clienti era chiuso.",
        ],
        (80_000, 400_000),
    ),
    "tourism": SectorWorld(
        "ospiti",
        "gli ospiti",
        ["prenotazioni e cambi di data", "cancellazioni", "richieste speciali", "recensioni online"],
        [
            "la prenotazione di un soggiorno",
            "la cancellazione di un viaggio",
            "il check-in",
            "la gestione di un disservizio in vacanza",
        ],
        [
            "Nel turismo l'esperienza comincia settimane prima dell'arrivo, con la prenotazione, e finisce con "
            "una recensione che leggono migliaia di persone.",
            "Le strutture {of_org} lavorano con molto personale stagionale, da formare ogni primavera in poche "
            "settimane.",
            "Un problema in vacanza va risolto in ore, non in giorni: dopo, il cliente è già tornato a casa.",
        ],
        (40_000, 250_000),
    ),
}

# Contact centres whose size a demo member's bio gives (club.members.demo).
TEAM_SIZES = {"TelcoNord": 180, "Interlocutore Contact Solutions": 600}

# Where the demo's cases come from (a little flatter than the members: small sectors still tell).
CASE_SECTOR_WEIGHTS = {
    "banking": 8,
    "insurance": 5,
    "telecommunications": 8,
    "energy-utilities": 8,
    "public-administration": 7,
    "retail": 5,
    "outsourcing": 7,
    "healthcare": 5,
    "transport": 4,
    "e-commerce": 4,
    "automotive": 3,
    "media": 3,
    "tourism": 3,
}

# "di TelcoNord", "del Comune di Valdarno"; "in TelcoNord", "al Comune di Valdarno".
_PREPOSITIONS = {
    "Comune ": ("del", "al"),
    "Cassa ": ("della", "alla"),
    "Credito ": ("del", "al"),
    "Istituto ": ("dell'", "all'"),
    "Azienda ": ("dell'", "all'"),
    "Acquedotto ": ("dell'", "all'"),
    "Gruppo ": ("del", "nel"),
    "Ferrovie ": ("delle", "nelle"),
    "Alberghi ": ("degli", "negli"),
    "Ipermercati ": ("degli", "negli"),
    "Supermercati ": ("dei", "nei"),
    "Rete ": ("della", "nella"),
}

# The organisation as the subject of a sentence: "il Comune di Valdarno ha...", "la catena Supermercati...".
_SUBJECTS = {
    "Comune ": "il",
    "Cassa ": "la",
    "Credito ": "il",
    "Istituto ": "l'",
    "Azienda ": "l'",
    "Acquedotto ": "l'",
    "Gruppo ": "il",
    "Rete ": "la",
    "Ferrovie ": "la società",
    "Alberghi ": "la catena",
    "Ipermercati ": "la catena",
    "Supermercati ": "la catena",
}

# -- the outcome metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricKind:
    name_it: str
    name_en: str
    unit_it: str
    unit_en: str
    before: tuple[float, float]
    change: tuple[float, float]
    relative: bool  # change is a fraction of the value before, else points
    digits: int = 0
    step: int = 1  # round whole values to this (reclami al mese: tens)


METRICS: dict[str, MetricKind] = {
    "nps": MetricKind("NPS", "NPS", "punti", "points", (-12, 28), (6, 24), False),
    "csat": MetricKind("Soddisfazione (CSAT)", "Customer satisfaction (CSAT)", "%", "%", (64, 82), (4, 12), False),
    "fcr": MetricKind("Risoluzione al primo contatto", "First-contact resolution", "%", "%", (52, 70), (6, 18), False),
    "wait": MetricKind(
        "Tempo medio di attesa", "Average wait time", "secondi", "seconds", (110, 420), (-0.65, -0.25), True
    ),
    "counter_wait": MetricKind(
        "Attesa allo sportello", "Wait at the counter", "minuti", "minutes", (22, 65), (-0.7, -0.3), True
    ),
    "abandon": MetricKind("Tasso di abbandono", "Abandonment rate", "%", "%", (7, 21), (-0.6, -0.3), True, 1),
    "complaints": MetricKind(
        "Reclami al mese", "Complaints per month", "reclami", "complaints", (300, 4200), (-0.55, -0.2), True, 0, 10
    ),
    "complaint_days": MetricKind(
        "Tempo di chiusura dei reclami", "Time to close a complaint", "giorni", "days", (12, 34), (-0.8, -0.45), True
    ),
    "cost": MetricKind("Costo per contatto", "Cost per contact", "€", "€", (2.8, 7.9), (-0.35, -0.1), True, 2),
    "turnover": MetricKind("Turnover degli operatori", "Agent turnover", "%", "%", (22, 48), (-0.5, -0.2), True),
    "aht": MetricKind(
        "Tempo medio di gestione", "Average handling time", "secondi", "seconds", (280, 560), (-0.22, -0.06), True
    ),
    "repeat": MetricKind(
        "Ricontatti entro 7 giorni", "Repeat contacts within 7 days", "%", "%", (16, 32), (-0.45, -0.2), True
    ),
    "bot_share": MetricKind(
        "Richieste chiuse dall'assistente virtuale",
        "Requests closed by the virtual assistant",
        "%",
        "%",
        (0, 8),
        (18, 42),
        False,
    ),
    "digital_share": MetricKind(
        "Pratiche completate online", "Requests completed online", "%", "%", (18, 45), (15, 40), False
    ),
    "engagement": MetricKind("Engagement delle persone", "Employee engagement", "%", "%", (52, 68), (6, 16), False),
    "onboarding": MetricKind(
        "Tempo di inserimento dei nuovi operatori",
        "Time to proficiency for new agents",
        "giorni",
        "days",
        (24, 45),
        (-0.45, -0.2),
        True,
    ),
    "churn": MetricKind("Tasso di disdetta annuo", "Annual churn", "%", "%", (11, 24), (-0.35, -0.1), True, 1),
    "effort": MetricKind(
        "Clienti che trovano la pratica facile", "Customers who find it easy", "%", "%", (42, 62), (10, 25), False
    ),
    "quality": MetricKind(
        "Punteggio qualità delle conversazioni", "Conversation quality score", "%", "%", (68, 82), (5, 12), False
    ),
    "absence": MetricKind("Assenteismo", "Absenteeism", "%", "%", (7, 13), (-0.4, -0.15), True, 1),
    "email_hours": MetricKind(
        "Tempo di risposta alle email", "Email response time", "ore", "hours", (30, 96), (-0.8, -0.5), True
    ),
    "conversion": MetricKind(
        "Conversione delle chiamate commerciali", "Sales call conversion", "%", "%", (8, 18), (2, 7), False, 1
    ),
    "no_show": MetricKind("Appuntamenti mancati", "Missed appointments", "%", "%", (9, 22), (-0.5, -0.25), True, 1),
    "service_level": MetricKind(
        "Livello di servizio (80/20)", "Service level (80/20)", "%", "%", (55, 75), (8, 20), False
    ),
}

# -- the themes: what a case is about --------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    functions: list[str]  # the first is the one most cases of the theme name
    competences: list[str]
    metrics: list[str]
    titles: list[str]
    summaries: list[str]
    problems: list[str]
    actions: list[str]


# Placeholders: {org} {Org} (as a subject) {of_org} {at_org} {At_org} {customers} {the_customers} {subject} {Subject}
# {journey} {Journey} {steps} {n_agents} {n_bot}. Titles must stay under 200 characters.
THEMES: dict[str, Theme] = {
    "complaints": Theme(
        ["quality-compliance", "customer-care", "operations"],
        ["customer-journey", "measurement-voice-of-customer"],
        ["complaints", "complaint_days", "nps", "repeat"],
        [
            "Reclami in 48 ore: il nuovo percorso {of_org}",
            "Dal reclamo alla relazione: {org} ripensa la gestione delle lamentele",
            "Un solo responsabile per ogni reclamo: l'esperimento {of_org}",
            "Reclami su {subject}: dalla lettera standard alla telefonata",
            "Le cause dei reclami sul tavolo della direzione, ogni mese",
        ],
        [
            "Come {org} ha unificato la gestione dei reclami su {subject}: un responsabile per pratica, una "
            "telefonata prima della risposta scritta, le cause discusse ogni mese con le altre funzioni.",
            "Troppi reclami riaperti e risposte incomprensibili: il percorso con cui {org} ha trasformato i "
            "reclami in un'occasione di ascolto.",
        ],
        [
            "I reclami su {subject} arrivavano da cinque canali diversi e finivano in tre code separate: nessuno "
            "aveva la visione completa della pratica.",
            "Un reclamo su tre veniva riaperto entro un mese, segno che la risposta chiudeva la pratica ma non il "
            "problema del cliente.",
            "Le risposte scritte erano corrette dal punto di vista legale ma incomprensibili: {the_customers} "
            "richiamavano per farsele spiegare.",
        ],
        [
            "Abbiamo creato un'unica coda dei reclami, con un responsabile che segue la pratica dall'apertura "
            "alla chiusura.",
            "Ogni reclamo viene seguito da una telefonata entro 48 ore, prima ancora della risposta scritta.",
            "Abbiamo riscritto i quaranta modelli di lettera più usati insieme a un gruppo di {customers} volontari.",
            "Una volta al mese l'ufficio reclami presenta al marketing e all'IT le cinque cause principali, con "
            "un responsabile per ciascuna.",
            "Gli operatori di primo livello possono riconoscere un indennizzo fino a cinquanta euro senza "
            "chiedere autorizzazioni.",
        ],
    ),
    "virtual-assistant": Theme(
        ["information-technology", "customer-care", "customer-experience"],
        ["artificial-intelligence", "omnichannel"],
        ["bot_share", "wait", "csat", "cost"],
        [
            "Un assistente virtuale per {journey}: cosa abbiamo imparato {at_org}",
            "L'assistente virtuale che passa la mano: {org} e il passaggio all'operatore",
            "Chatbot sì, ma sinceri: {n_bot} conversazioni al mese {at_org}",
            "L'intelligenza artificiale al fianco degli operatori {of_org}",
            "Domande su {subject}: le risposte semplici all'assistente virtuale, quelle difficili alle persone",
        ],
        [
            "{Org} ha affidato a un assistente virtuale le richieste più semplici su {subject}, con un passaggio "
            "all'operatore chiaro e senza ripetizioni: meno attesa e operatori liberi per i casi difficili.",
            "Dopo un primo chatbot deludente, {org} ha ricominciato dai dati delle conversazioni: un assistente che "
            "dichiara i suoi limiti e uno strumento che aiuta gli operatori a rispondere.",
        ],
        [
            "Metà delle chiamate riguardava domande semplici e ripetitive su {subject}, mentre i casi complessi "
            "aspettavano in coda.",
            "Un primo chatbot, lanciato in fretta, rispondeva a tutto con lo stesso menu: la soddisfazione era "
            "crollata e molti {customers} lo evitavano.",
            "Gli operatori passavano un terzo del tempo a cercare informazioni in documenti diversi mentre il "
            "cliente aspettava in linea.",
        ],
        [
            "Abbiamo analizzato un anno di conversazioni per scegliere le venti richieste più frequenti da "
            "affidare all'assistente virtuale.",
            "L'assistente dichiara subito di essere un sistema automatico e passa la conversazione a un "
            "operatore, con tutto lo storico, quando non è sicuro della risposta.",
            "Le risposte vengono da una base di conoscenza unica, la stessa che usano gli operatori, aggiornata "
            "ogni settimana da un piccolo team redazionale.",
            "Un modello linguistico propone all'operatore una bozza di risposta e il riassunto della "
            "conversazione, ma è sempre la persona a decidere cosa inviare.",
            "Ogni settimana due operatori esperti rileggono un campione di conversazioni e segnalano le risposte "
            "da correggere.",
        ],
    ),
    "omnichannel": Theme(
        ["customer-care", "information-technology", "marketing"],
        ["omnichannel", "customer-journey"],
        ["repeat", "fcr", "csat", "aht"],
        [
            "Un'unica conversazione su tutti i canali: {org} integra telefono, chat e WhatsApp",
            "Il cliente non deve ripetersi: lo storico unico {of_org}",
            "WhatsApp come canale di servizio: un anno di prove {at_org}",
            "Telefono, chat, email e social in una sola coda: {journey} senza ripartire da capo",
        ],
        [
            "{Org} ha portato tutti i canali di contatto su un'unica piattaforma con lo storico del cliente: "
            "meno ricontatti, più problemi risolti al primo colpo.",
            "Come {org} ha aperto WhatsApp come canale di servizio partendo {da_journey}, con un gruppo di "
            "operatori volontari e regole chiare.",
        ],
        [
            "Telefono, email, chat e social erano gestiti da team diversi con strumenti diversi: un cliente che "
            "scriveva e poi chiamava doveva raccontare tutto da capo.",
            "Quasi un contatto su quattro era un sollecito di una richiesta già fatta su un altro canale.",
        ],
        [
            "Abbiamo portato tutti i canali su un'unica piattaforma, con uno storico del cliente visibile a ogni "
            "operatore.",
            "Abbiamo aperto WhatsApp come canale di servizio, partendo {da_journey} e da un gruppo di trenta "
            "operatori volontari.",
            "Gli operatori sono stati formati a lavorare su più canali, con regole chiare sul numero di chat "
            "contemporanee.",
            "Ogni contatto viene classificato con la stessa tassonomia di motivi, qualunque sia il canale.",
            "Il cliente può iniziare in chat e proseguire al telefono: l'operatore vede la conversazione e "
            "riparte da lì.",
        ],
    ),
    "journey": Theme(
        ["customer-experience", "operations", "marketing"],
        ["customer-journey", "customer-experience"],
        ["effort", "nps", "digital_share", "repeat"],
        [
            "Ripensare {journey} insieme {to_customers}: il percorso {of_org}",
            "Da {steps} passaggi a 4: {journey} {at_org}",
            "La mappa del customer journey che ha cambiato le priorità {of_org}",
            "Seguire un cliente per un mese: il diario {di_journey}",
        ],
        [
            "{Org} ha ridisegnato {journey} partendo da interviste e diari {of_customers}: meno passaggi, meno "
            "documenti, un responsabile per ogni tappa del percorso.",
            "Una mappa del customer journey costruita con front office, back office, IT e marketing: come {org} "
            "ha scoperto dove {the_customers} si perdevano.",
        ],
        [
            "{Journey} richiedeva in media {steps} passaggi tra moduli, telefonate e documenti da ripresentare, "
            "e nessun ufficio conosceva il percorso intero.",
            "Le indagini di soddisfazione davano buoni voti ai singoli contatti, ma il giudizio complessivo "
            "{su_journey} era tra i più bassi del settore.",
        ],
        [
            "Abbiamo seguito venti {customers} per tutto il percorso, con interviste e diari, e disegnato la "
            "mappa dei momenti critici.",
            "Un gruppo di lavoro con persone del front office, del back office, dell'IT e del marketing si è "
            "riunito ogni settimana per tre mesi.",
            "Abbiamo smesso di chiedere documenti che avevamo già e ridotto il modulo a una sola pagina.",
            "Ogni passaggio del percorso ha oggi un responsabile e un indicatore, rivisti ogni mese con la direzione.",
            "Abbiamo provato il nuovo percorso con un prototipo su carta prima di scrivere una riga di codice.",
        ],
    ),
    "voice-of-customer": Theme(
        ["customer-experience", "quality-compliance", "marketing", "general-management"],
        ["measurement-voice-of-customer", "customer-experience"],
        ["nps", "csat", "churn", "complaints"],
        [
            "Ascoltare per decidere: il programma di voce del cliente {of_org}",
            "L'NPS dopo ogni contatto, e cosa farne davvero: l'esperienza {of_org}",
            "Chiudere il cerchio: {org} richiama i clienti insoddisfatti in 72 ore",
            "Dai commenti {of_customers} alle decisioni: l'analisi dei verbatim {at_org}",
        ],
        [
            "Due domande dopo ogni contatto, i detrattori richiamati entro 72 ore, i commenti letti ogni "
            "settimana dai responsabili: il programma di voce del cliente {of_org}.",
            "{Org} ha trasformato l'NPS da numero nel cruscotto a strumento di lavoro quotidiano, collegando "
            "i punteggi ai motivi di contatto.",
        ],
        [
            "Misuravamo la soddisfazione due volte l'anno con un'indagine lunga e poco letta: i risultati "
            "arrivavano quando i problemi erano già cambiati.",
            "L'NPS era un numero nel cruscotto della direzione, ma nessuno sapeva spiegare perché salisse o scendesse.",
        ],
        [
            "Dopo ogni contatto inviamo due domande via SMS o email: il punteggio e un commento libero.",
            "Ogni detrattore viene richiamato entro 72 ore da un team dedicato, che ha il mandato di risolvere "
            "e non di giustificare.",
            "I commenti vengono classificati per argomento con un modello di analisi del testo e letti ogni "
            "settimana dai responsabili.",
            "Una volta al mese il comitato di direzione ascolta dieci registrazioni di chiamate scelte a caso.",
            "Abbiamo collegato i punteggi ai motivi di contatto, per capire quali processi generano più "
            "insoddisfazione.",
        ],
    ),
    "onboarding": Theme(
        ["human-resources", "customer-care", "operations"],
        ["people-training-motivation"],
        ["onboarding", "turnover", "quality", "fcr"],
        [
            "L'academy degli operatori {of_org}: sei settimane che cambiano il primo anno",
            "Formare in affiancamento: il nuovo onboarding {of_org}",
            "Dal corso in aula al microlearning: {org} rinnova la formazione",
            "Simulazioni di chiamata con l'intelligenza artificiale per i nuovi assunti {of_org}",
        ],
        [
            "Meno aula e più affiancamento, simulazioni realistiche e un tutor per ogni nuovo assunto: come {org} "
            "ha dimezzato il tempo per diventare autonomi.",
            "Il nuovo percorso di inserimento {of_org}: contenuti brevi, prove pratiche e un tutor, per operatori "
            "pronti prima e più sicuri.",
        ],
        [
            "I nuovi operatori passavano tre settimane in aula a studiare procedure e poi si trovavano al "
            "telefono senza sapere da dove cominciare.",
            "Quasi un nuovo assunto su tre lasciava entro sei mesi, e spesso il motivo era lo stress delle "
            "prime settimane.",
        ],
        [
            "Abbiamo ridotto l'aula a una settimana e portato i nuovi assunti in affiancamento fin dal quinto giorno.",
            "Ogni nuovo operatore ha un tutor, scelto tra i colleghi più esperti, con un'ora al giorno dedicata.",
            "Abbiamo costruito un simulatore di chiamate con l'intelligenza artificiale: i nuovi assunti si "
            "allenano su {subject} prima di parlare con un cliente vero.",
            "I contenuti sono diventati pillole di dieci minuti, consultabili anche durante il turno.",
            "Alla fine del primo mese ogni operatore fa un colloquio con il team leader per decidere insieme "
            "su cosa allenarsi.",
        ],
    ),
    "coaching": Theme(
        ["human-resources", "customer-care"],
        ["people-training-motivation", "customer-experience"],
        ["turnover", "engagement", "absence", "quality"],
        [
            "Team leader coach, non controllori: il percorso {of_org}",
            "Il coaching tra pari che ha ridotto il turnover {of_org}",
            "Ascoltare chi ascolta: il benessere degli operatori {at_org}",
            "Un'ora a settimana per crescere: il coaching dei team leader {of_org}",
        ],
        [
            "{Org} ha trasformato i team leader da controllori di indicatori a coach: meno turnover, meno "
            "assenze e conversazioni migliori con {the_customers}.",
            "Un programma di coaching tra pari e di attenzione al benessere delle persone {of_org}, con "
            "risultati misurati su clima, assenze e qualità.",
        ],
        [
            "I team leader passavano la giornata a guardare indicatori e a spostare persone tra le code: per il "
            "coaching non restava tempo.",
            "Il turnover degli operatori era alto e ogni uscita costava mesi di formazione e di esperienza persa.",
        ],
        [
            "Ogni team leader dedica un'ora a settimana a ciascun operatore per ascoltare insieme due chiamate e "
            "scegliere un solo punto su cui lavorare.",
            "Abbiamo formato venti operatori esperti come coach tra pari, con un percorso di sei incontri.",
            "Le riunioni di inizio turno parlano di un caso ben risolto, non solo degli indicatori del giorno prima.",
            "Abbiamo introdotto pause di recupero dopo le chiamate più difficili, senza doverle giustificare.",
            "Gli obiettivi individuali sono passati dai tempi di gestione alla qualità delle conversazioni.",
        ],
    ),
    "remote-work": Theme(
        ["human-resources", "operations", "information-technology"],
        ["people-training-motivation", "omnichannel"],
        ["absence", "turnover", "service_level", "engagement"],
        [
            "Il contact center da casa, tre anni dopo: cosa è rimasto {at_org}",
            "Lavoro ibrido per {n_agents} operatori: regole, strumenti e fiducia {at_org}",
            "Team a distanza, squadra vicina: il modello ibrido {of_org}",
        ],
        [
            "Come {org} ha reso stabile il lavoro da remoto per il contact center: giornate in sede per "
            "formazione e squadra, strumenti di collaborazione e team leader formati a guidare a distanza.",
        ],
        [
            "Il lavoro da casa, nato in emergenza, era rimasto senza regole: alcune persone si sentivano sole, "
            "altre non volevano più tornare in sede.",
            "La formazione e il confronto tra colleghi, che in sala avvenivano da soli, a distanza si erano persi.",
        ],
        [
            "Abbiamo definito un modello ibrido: due giorni in sede al mese per la formazione e il lavoro di "
            "squadra, il resto da casa.",
            "Ogni team ha un canale di messaggistica sempre aperto con il team leader e con un collega esperto "
            "di turno per i casi difficili.",
            "Abbiamo dato a tutti cuffie professionali, un secondo schermo e un contributo per la connessione.",
            "I team leader hanno seguito un percorso specifico su come guidare e motivare persone a distanza.",
        ],
    ),
    "workforce": Theme(
        ["operations", "customer-care", "information-technology"],
        ["omnichannel", "measurement-voice-of-customer"],
        ["service_level", "wait", "abandon", "cost"],
        [
            "Prevedere i picchi: la pianificazione dei turni {of_org}",
            "Il lunedì mattina non fa più paura: {org} e la gestione dei picchi",
            "Richiamata programmata invece dell'attesa: {journey} nei giorni di punta",
            "Turni scelti dagli operatori e livello di servizio migliore {at_org}",
        ],
        [
            "Previsioni per canale, turni più flessibili scelti in parte dagli operatori e la richiamata "
            "programmata nei picchi: come {org} ha ridotto attese e abbandoni.",
        ],
        [
            "I turni erano decisi a sensazione e copiati di settimana in settimana: il lunedì mattina l'attesa "
            "superava i dieci minuti, il giovedì pomeriggio gli operatori aspettavano le chiamate.",
            "Nei giorni di scadenza e dopo ogni comunicazione ai clienti il traffico raddoppiava senza preavviso.",
        ],
        [
            "Abbiamo introdotto un software di workforce management con previsioni settimanali per canale e "
            "per quarto d'ora.",
            "Il marketing ci avvisa con due settimane di anticipo di ogni comunicazione ai clienti, con una "
            "stima delle chiamate attese.",
            "Nei picchi il cliente può scegliere di essere richiamato in una fascia oraria invece di restare "
            "in attesa.",
            "Gli operatori scelgono una parte dei propri turni da un'app e possono scambiarli tra loro.",
        ],
    ),
    "speech-analytics": Theme(
        ["information-technology", "quality-compliance", "customer-experience"],
        ["artificial-intelligence", "measurement-voice-of-customer"],
        ["repeat", "quality", "fcr", "aht"],
        [
            "Perché ci chiamano? L'analisi di tutte le chiamate {of_org}",
            "Speech analytics {at_org}: dal campione del 2% a tutte le conversazioni",
            "Il motivo di contatto che nessuno aveva visto: {subject}",
            "Ascoltare centomila chiamate al mese senza ascoltarle una per una",
        ],
        [
            "{Org} trascrive e analizza tutte le chiamate con l'intelligenza artificiale: i motivi di contatto "
            "evitabili sono emersi in poche settimane, e con loro i processi da correggere.",
            "Dal controllo qualità a campione all'analisi di tutte le conversazioni: come {org} ha scoperto "
            "perché {the_customers} chiamavano davvero.",
        ],
        [
            "Il controllo qualità ascoltava il due per cento delle chiamate, scelte a caso: sapevamo quante "
            "volte i clienti chiamavano, non perché.",
            "Le chiamate su {subject} crescevano da mesi e nessuno riusciva a spiegare il motivo.",
        ],
        [
            "Tutte le chiamate vengono trascritte e classificate automaticamente per motivo di contatto, "
            "sentimento e parole chiave.",
            "Ogni lunedì un gruppo di analisti, operatori e responsabili di processo legge i motivi emergenti "
            "e decide cosa correggere a monte.",
            "Il controllo qualità non ascolta più a caso: si concentra sulle chiamate con i segnali di "
            "insoddisfazione più forti.",
            "Abbiamo lavorato con il DPO fin dall'inizio: dati pseudonimizzati, informativa aggiornata e "
            "conservazione limitata.",
        ],
    ),
    "self-service": Theme(
        ["information-technology", "customer-experience", "marketing"],
        ["omnichannel", "customer-journey"],
        ["digital_share", "effort", "counter_wait", "cost"],
        [
            "{Journey} online in dieci minuti: il nuovo servizio {of_org}",
            "L'app che {the_customers} usano davvero: {org} riparte dai bisogni",
            "Self service sì, ma con una persona a portata di clic: l'esperienza {of_org}",
            "Meno code, meno attese: {journey} diventa digitale",
        ],
        [
            "{Org} ha portato online {journey} partendo dai problemi reali {of_customers}: un servizio in "
            "dieci minuti, con una persona raggiungibile in ogni momento.",
            "Un servizio digitale costruito con {the_customers}, non per loro: il nuovo self service {of_org} "
            "e l'effetto su code e costi.",
        ],
        [
            "Il servizio online esisteva da anni, ma quasi nessuno lo completava: a metà del modulo {the_customers} "
            "si arrendevano e chiamavano.",
            "Gli sportelli erano pieni di persone venute per pratiche semplici, mentre chi aveva davvero bisogno "
            "di aiuto aspettava ore.",
        ],
        [
            "Abbiamo osservato trenta {customers} mentre provavano a completare la pratica online, annotando ogni "
            "dubbio.",
            "Il nuovo servizio chiede solo le informazioni che non abbiamo già e salva la pratica a metà.",
            "In ogni pagina c'è un pulsante per chiedere aiuto a una persona, in chat o con una richiamata.",
            "Per chi non usa il digitale abbiamo formato il personale degli sportelli ad accompagnare la prima "
            "pratica online, invece di farla al posto del cliente.",
        ],
    ),
    "plain-language": Theme(
        ["marketing", "quality-compliance", "customer-experience"],
        ["customer-experience", "customer-journey"],
        ["repeat", "complaints", "effort", "csat"],
        [
            "Lettere che si capiscono: {org} riscrive le comunicazioni {to_customers}",
            "Linguaggio chiaro su {subject}: meno chiamate, più fiducia",
            "Un glossario in meno, una telefonata in meno: il linguaggio chiaro {at_org}",
        ],
        [
            "{Org} ha riscritto in linguaggio chiaro le comunicazioni su {subject}, con {the_customers} e "
            "l'ufficio legale allo stesso tavolo: meno chiamate per chiedere spiegazioni, meno reclami.",
        ],
        [
            "Le comunicazioni su {subject} erano scritte dall'ufficio legale per l'ufficio legale: molti "
            "{customers} chiamavano solo per farsele spiegare.",
            "Un contatto su cinque iniziava con la stessa frase: «Ho ricevuto una lettera e non ho capito "
            "cosa devo fare».",
        ],
        [
            "Abbiamo riscritto le venti comunicazioni più diffuse con frasi brevi, la cosa da fare in cima e "
            "una sola scadenza evidenziata.",
            "Ogni nuovo testo viene provato con cinque {customers} prima della pubblicazione.",
            "L'ufficio legale ha partecipato a tutti gli incontri: un testo chiaro deve essere anche corretto.",
            "Abbiamo formato trenta colleghi di diverse funzioni a scrivere in linguaggio chiaro, con una "
            "guida di stile interna.",
        ],
    ),
    "proactive": Theme(
        ["customer-care", "operations", "marketing"],
        ["omnichannel", "customer-experience"],
        ["repeat", "wait", "nps", "complaints"],
        [
            "Avvisare prima che il cliente chiami: il contatto proattivo {of_org}",
            "Dal call center al contatto proattivo su {subject}",
            "Disservizi raccontati prima, e in modo onesto: l'esperienza {of_org}",
        ],
        [
            "{Org} avvisa {the_customers} prima che siano loro a chiamare: notifiche su {subject}, messaggi "
            "onesti sui disservizi e meno contatti evitabili.",
        ],
        [
            "Buona parte delle chiamate su {subject} erano domande a cui avremmo potuto rispondere prima, con "
            "un messaggio.",
            "Quando qualcosa andava storto, {the_customers} lo scoprivano da soli e ci chiamavano tutti "
            "insieme, arrabbiati.",
        ],
        [
            "Abbiamo individuato i dieci eventi che generano più chiamate e per ciascuno preparato un avviso "
            "via SMS, email o app.",
            "Durante i disservizi pubblichiamo aggiornamenti ogni ora, anche quando non c'è niente di nuovo da dire.",
            "Gli operatori ricevono gli stessi messaggi inviati ai clienti, con le domande più probabili e le "
            "risposte.",
            "Chi ha avuto un problema viene ricontattato a problema risolto per verificare che tutto funzioni.",
        ],
    ),
    "vulnerable": Theme(
        ["customer-care", "quality-compliance", "customer-experience"],
        ["customer-experience", "people-training-motivation"],
        ["csat", "complaints", "effort", "fcr"],
        [
            "Clienti fragili: un percorso dedicato {at_org}",
            "Anziani e servizi digitali: l'assistenza accompagnata {of_org}",
            "Accessibile per davvero: {org} e {the_customers} con disabilità",
        ],
        [
            "Un percorso dedicato a chi è in difficoltà: operatori formati, più tempo per le chiamate e un "
            "referente unico. Come {org} ha ripensato l'assistenza {to_customers} più fragili.",
        ],
        [
            "Anziani, persone con disabilità, chi attraversa un lutto o una difficoltà economica: i processi "
            "standard non erano pensati per loro.",
            "Le chiamate più delicate finivano nella stessa coda delle altre, con gli stessi obiettivi di tempo.",
        ],
        [
            "Abbiamo formato un gruppo di operatori a riconoscere i segnali di fragilità e a gestire le "
            "conversazioni più delicate.",
            "Per queste chiamate non ci sono obiettivi di durata: l'obiettivo è che la persona sappia cosa "
            "succederà dopo.",
            "Con le associazioni del territorio abbiamo rivisto testi, moduli e percorsi digitali.",
            "Un familiare o una persona di fiducia può essere delegato a seguire la pratica, con una procedura "
            "semplice.",
        ],
    ),
    "retention": Theme(
        ["sales", "customer-care", "marketing"],
        ["customer-journey", "measurement-voice-of-customer"],
        ["churn", "conversion", "nps", "cost"],
        [
            "Trattenere senza insistere: il nuovo team di retention {of_org}",
            "Dall'assistenza alla consulenza: quando il servizio diventa vendita {at_org}",
            "Le disdette raccontano: {org} ascolta chi se ne va",
        ],
        [
            "{Org} ha ripensato la gestione delle disdette: ascoltare i motivi, risolvere il problema quando "
            "c'è, lasciare andare con garbo quando non c'è. Meno disdette e un NPS migliore.",
        ],
        [
            "Il team che gestiva le disdette aveva un solo obiettivo, trattenere a ogni costo: i clienti lo "
            "percepivano e le recensioni ne parlavano.",
            "Le offerte commerciali venivano proposte a tutti allo stesso modo, anche a chi chiamava per un "
            "problema non risolto.",
        ],
        [
            "Ogni richiesta di disdetta inizia con una domanda aperta sul motivo, registrata con la stessa "
            "tassonomia dei reclami.",
            "Se il motivo è un problema di servizio, l'operatore lo risolve prima di parlare di offerte.",
            "Abbiamo tolto gli incentivi legati al numero di clienti trattenuti e introdotto un obiettivo di "
            "qualità della conversazione.",
            "Gli operatori dell'assistenza possono proporre un'offerta solo quando risponde a un bisogno "
            "espresso dal cliente.",
        ],
    ),
    "outsourcing-partnership": Theme(
        ["operations", "general-management", "quality-compliance"],
        ["customer-experience", "people-training-motivation"],
        ["quality", "fcr", "cost", "turnover"],
        [
            "Committente e outsourcer nella stessa squadra: il modello {of_org}",
            "Contratti a risultato: pagare l'outsourcer per i problemi risolti",
            "Un solo cruscotto per tre fornitori di contact center {at_org}",
        ],
        [
            "{Org} e i suoi partner di contact center hanno cambiato il contratto: meno minuti e più problemi "
            "risolti, formazione comune e un cruscotto condiviso.",
        ],
        [
            "Il contratto con i fornitori di contact center pagava i minuti di conversazione: più una chiamata "
            "durava, più il fornitore guadagnava.",
            "Tre fornitori diversi, tre modi di formare gli operatori e tre cruscotti incompatibili: il cliente "
            "riceveva risposte diverse alla stessa domanda.",
        ],
        [
            "Abbiamo riscritto il contratto con una parte variabile legata alla risoluzione al primo contatto e "
            "alla soddisfazione dei clienti.",
            "La formazione sui prodotti è la stessa per i dipendenti e per gli operatori dei partner, con "
            "docenti comuni.",
            "Un cruscotto condiviso mostra gli stessi indicatori a tutti, aggiornati ogni giorno.",
            "Una volta al mese committente e fornitori si incontrano per discutere i casi più difficili, non "
            "solo i numeri.",
        ],
    ),
    "knowledge": Theme(
        ["customer-care", "information-technology", "operations"],
        ["omnichannel", "artificial-intelligence"],
        ["fcr", "aht", "onboarding", "quality"],
        [
            "Una base di conoscenza sola per operatori e clienti {at_org}",
            "Trovare la risposta in tre clic: la knowledge base {of_org}",
            "Schede brevi e una data di scadenza: {org} riscrive le procedure su {subject}",
        ],
        [
            "{Org} ha sostituito manuali, circolari e documenti sparsi con una base di conoscenza unica, usata "
            "dagli operatori e dai clienti: risposte più rapide e più coerenti.",
        ],
        [
            "Le procedure su {subject} erano sparse tra manuali, email e circolari: ogni operatore aveva la sua "
            "versione preferita.",
            "Gli operatori esperti conoscevano le risposte a memoria, i nuovi passavano il tempo a chiedere ai "
            "colleghi.",
        ],
        [
            "Abbiamo riscritto le procedure come schede brevi, una per domanda, ciascuna con un responsabile e "
            "una data di revisione.",
            "La stessa base di conoscenza alimenta il sito, l'assistente virtuale e la scrivania degli operatori.",
            "Un motore di ricerca con l'intelligenza artificiale suggerisce la scheda giusta mentre il cliente parla.",
            "Gli operatori segnalano con un clic una scheda sbagliata o incompleta; la correzione arriva entro 48 ore.",
        ],
    ),
    "cx-culture": Theme(
        ["general-management", "customer-experience", "human-resources"],
        ["customer-experience", "measurement-voice-of-customer"],
        ["nps", "engagement", "complaints", "churn"],
        [
            "Tutti al telefono per un giorno: la direzione {of_org} ascolta {the_customers}",
            "Abbattere i silos: un comitato CX con tutte le funzioni {at_org}",
            "Un indicatore di customer experience negli obiettivi di tutti i manager {of_org}",
        ],
        [
            "Come {org} ha portato la customer experience fuori dal servizio clienti: obiettivi comuni per tutti "
            "i manager, un comitato con tutte le funzioni, la direzione in ascolto dei clienti.",
        ],
        [
            "La customer experience era considerata un compito del servizio clienti, che però non poteva "
            "cambiare i processi, i prodotti o le regole che generavano i problemi.",
            "Ogni funzione misurava il proprio pezzo di lavoro, e ciascuna era in linea con gli obiettivi "
            "mentre {the_customers} erano sempre più scontenti.",
        ],
        [
            "Ogni dirigente passa una giornata all'anno al telefono con {the_customers}, affiancato da un operatore.",
            "Abbiamo creato un comitato mensile con marketing, IT, operations, risorse umane e servizio clienti, "
            "con un budget per le correzioni più urgenti.",
            "Un indicatore di customer experience è entrato negli obiettivi di tutti i manager, non solo di chi "
            "lavora a contatto con i clienti.",
            "Abbiamo raccontato all'interno, ogni mese, una storia di un cliente: cosa era andato storto e chi "
            "l'aveva risolto.",
        ],
    ),
    "appointments": Theme(
        ["operations", "customer-care", "information-technology"],
        ["customer-journey", "omnichannel"],
        ["no_show", "nps", "repeat", "complaints"],
        [
            "Appuntamenti con finestra di due ore: {org} e gli interventi a domicilio",
            "Il tecnico è in arrivo: la tracciatura degli interventi {of_org}",
            "Meno appuntamenti mancati con un promemoria ben fatto: {journey}",
        ],
        [
            "Finestre di appuntamento più brevi, promemoria chiari e la possibilità di spostare l'appuntamento "
            "con un messaggio: come {org} ha ridotto gli appuntamenti mancati.",
        ],
        [
            "Gli appuntamenti avevano finestre di mezza giornata, e {the_customers} dovevano prendere un giorno "
            "di ferie per aspettare.",
            "Un appuntamento su sei andava a vuoto: il cliente non c'era, o non sapeva di doverci essere.",
        ],
        [
            "Le finestre di appuntamento sono passate da mezza giornata a due ore, grazie a una pianificazione "
            "dei percorsi più accurata.",
            "Il giorno prima arriva un promemoria con un link per confermare o spostare l'appuntamento.",
            "Il cliente può seguire sulla mappa l'arrivo del tecnico o dell'operatore, come per un pacco.",
            "Dopo ogni intervento una breve domanda di soddisfazione segnala subito i casi da richiamare.",
        ],
    ),
}

# Themes that make little sense in some sectors (home appointments at a bank, retention at the registry office).
THEME_EXCLUDED_SECTORS = {
    "appointments": set(SECTORS) - {"telecommunications", "energy-utilities", "automotive", "retail"},
    "retention": {"public-administration", "healthcare"},
    "self-service": {"outsourcing"},
}

# -- the parts every Italian case shares -----------------------------------------------------------

HEADINGS_IT = {
    "context": ["## Il contesto", "## Da dove partivamo", "## Il problema"],
    "actions": ["## Cosa abbiamo fatto", "## Il progetto", "## Come ci siamo mossi"],
    "people": ["## Le persone", "## La squadra", "## Il ruolo delle persone"],
    "results": ["## I risultati", "## I numeri", "## Cosa è cambiato"],
    "lessons": ["## Cosa rifaremmo diversamente", "## Cosa abbiamo imparato", "## Se dovessimo ricominciare"],
}
VOLUMES_IT = [
    "Ogni anno gestiamo circa {volume} contatti, ancora per più della metà al telefono.",
    "Parliamo di circa {volume} contatti l'anno, tra telefono, email, chat e canali social.",
    "Il servizio clienti conta {n_agents} persone tra dipendenti e partner e riceve circa {volume} richieste l'anno.",
]
ACTION_INTROS_IT = [
    "Il progetto è durato {months} mesi e si è mosso su più fronti:",
    "Abbiamo lavorato per {months} mesi, con un gruppo di progetto piccolo e molte sperimentazioni:",
    "Dopo un'analisi iniziale di qualche settimana, abbiamo fatto poche cose, ma fino in fondo:",
]
TOOLS_IT = [
    "Sul piano tecnologico abbiamo usato quello che avevamo già: il CRM, la piattaforma di contact center e un "
    "foglio di calcolo condiviso per i primi mesi.",
    "Lo strumento chiave è stato un cruscotto settimanale, costruito con l'IT in poche settimane, che mostra gli "
    "stessi indicatori a tutti i livelli.",
    "Abbiamo integrato la piattaforma telefonica con il CRM, così la scheda del cliente si apre da sola e "
    "l'operatore sa già perché sta chiamando.",
    "Per le conversazioni scritte usiamo un assistente basato sull'intelligenza artificiale che propone risposte "
    "e riassunti; l'operatore li rilegge sempre.",
    "Il software di workforce management ci ha permesso di passare da turni decisi a sensazione a previsioni "
    "settimanali per canale.",
    "Abbiamo scelto una soluzione in cloud per partire in fretta, con un contratto breve che ci ha permesso di "
    "sperimentare senza vincoli.",
    "Lo speech analytics trascrive le chiamate e ci segnala i motivi di contatto emergenti prima che diventino "
    "un'ondata.",
]
PEOPLE_IT = [
    "Il progetto è partito da un gruppo di operatori volontari, che hanno provato ogni cambiamento per primi e "
    "ne hanno raccontato pregi e difetti ai colleghi.",
    "Abbiamo dedicato {training_hours} ore di formazione a ogni persona coinvolta, metà in aula e metà in "
    "affiancamento.",
    "I team leader hanno avuto un ruolo decisivo: una riunione di quindici minuti ogni mattina per raccogliere "
    "dubbi e proposte.",
    "Il cambiamento più grande è stato culturale: gli operatori oggi hanno più autonomia e la usano con giudizio.",
    "Abbiamo coinvolto le rappresentanze sindacali fin dall'inizio, condividendo obiettivi e dati; questo ha "
    "evitato molte resistenze.",
    "Ogni mese premiamo non chi chiude più chiamate, ma chi risolve davvero, secondo {the_customers} stessi.",
    "Per i colleghi più esperti, abituati al vecchio modo di lavorare, abbiamo previsto un percorso dedicato e "
    "il ruolo di tutor per i nuovi.",
    "La direzione ha partecipato in prima persona: ogni dirigente ha passato almeno mezza giornata in ascolto "
    "delle chiamate.",
    "Il marketing e l'IT sono entrati nel gruppo di progetto dal primo giorno, non a cose fatte: è stata la "
    "scelta più importante.",
    "Abbiamo misurato anche il clima interno con una breve indagine trimestrale, perché un cambiamento che "
    "stanca le persone non dura.",
    "Le persone del back office, spesso dimenticate, hanno ridisegnato con noi i passaggi interni e ne sono "
    "diventate le prime sostenitrici.",
    "Abbiamo formato un piccolo gruppo di «campioni» del cambiamento, uno per turno, a cui i colleghi possono "
    "rivolgersi per qualsiasi dubbio.",
]
# What customers (or, for the themes about people, colleagues) said: (quote, themes it fits).
QUOTES_IT: list[tuple[str, set[str]]] = [
    (
        "Finalmente qualcuno che mi ha richiamato senza che dovessi insistere.",
        {"complaints", "voice-of-customer", "retention", "vulnerable"},
    ),
    (
        "Ho fatto tutto dal telefono in dieci minuti, e alla fine mi hanno anche scritto cosa sarebbe successo dopo.",
        {"self-service", "journey", "virtual-assistant"},
    ),
    (
        "Non mi interessa il canale: mi interessa non dover ripetere tutto ogni volta.",
        {"omnichannel", "knowledge", "virtual-assistant", "journey"},
    ),
    (
        "Mi hanno spiegato tutto con calma, senza fretta di chiudere.",
        {"vulnerable", "plain-language", "retention"},
    ),
    (
        "Mi aspettavo il solito muro, invece ho trovato una persona.",
        {"complaints", "retention", "cx-culture", "outsourcing-partnership"},
    ),
    ("Mi avete avvisato voi prima che me ne accorgessi: questo non me lo aspettavo.", {"proactive", "appointments"}),
    ("La lettera era chiara: per la prima volta non ho dovuto chiamare per capirla.", {"plain-language"}),
    ("Non pensavo che qualcuno leggesse davvero i commenti dei questionari.", {"voice-of-customer", "cx-culture"}),
    (
        "Il tecnico è arrivato all'ora che mi avevano detto. Sembra poco, ma è la prima volta.",
        {"appointments"},
    ),
    (
        "Ho chiamato una volta sola, e il problema era risolto.",
        {"speech-analytics", "knowledge", "outsourcing-partnership", "omnichannel"},
    ),
    ("Ho scelto io quando farmi richiamare: niente musica d'attesa.", {"workforce"}),
]
QUOTES_PEOPLE_IT: list[tuple[str, set[str]]] = [
    ("Per la prima volta mi sono sentita seguita, non controllata.", {"coaching"}),
    ("Le prime settimane facevano paura; con il tutor accanto è stato tutto diverso.", {"onboarding"}),
    (
        "Da casa lavoro meglio, ma i due giorni in sede sono quelli in cui imparo di più.",
        {"remote-work", "workforce"},
    ),
]
QUOTE_SOURCES_IT = [
    "un commento dall'indagine dopo il contatto",
    "dalle interviste con {the_customers}",
    "una risposta al questionario di soddisfazione",
]
QUOTE_SOURCES_PEOPLE_IT = ["un'operatrice, nell'indagine di clima", "un'operatrice, durante un incontro di verifica"]
RESULT_INTROS_IT = [
    "Dopo {months} mesi i numeri sono questi:",
    "Li abbiamo misurati per {months} mesi, confrontandoli con lo stesso periodo dell'anno prima:",
    "I risultati, a {months} mesi dall'avvio:",
]
RESULTS_IT = [
    "Il risultato di cui andiamo più fieri non è nei numeri: le persone del team chiedono di estendere il "
    "modello ad altri processi.",
    "Il risparmio ottenuto è stato reinvestito in formazione, come avevamo promesso all'inizio.",
    "I miglioramenti si sono mantenuti anche nei mesi di picco, che erano il vero banco di prova.",
    "Non tutto è migliorato subito: nei primi due mesi i tempi di gestione sono saliti, poi si sono stabilizzati.",
    "Abbiamo presentato i risultati a tutta l'azienda in un incontro aperto, con gli operatori a raccontarli.",
    "Il progetto è diventato lo standard per le altre sedi, che lo stanno adottando una alla volta.",
]
LESSONS_IT = [
    "Partiremmo prima dai dati: abbiamo perso due mesi a discutere di opinioni che un'analisi di una settimana "
    "avrebbe chiarito.",
    "Coinvolgeremmo l'IT dal primo giorno e non a progetto già disegnato.",
    "Abbiamo sottovalutato il tempo necessario per aggiornare le procedure scritte: la prossima volta lo "
    "metteremo nel piano fin dall'inizio.",
    "Avremmo dovuto comunicare meglio il cambiamento ai clienti: alcuni hanno continuato a usare i vecchi canali "
    "per mesi.",
    "Faremmo una sperimentazione più piccola e più breve prima di estendere a tutti: alcuni errori li abbiamo "
    "visti troppo tardi.",
    "Misureremmo il punto di partenza con più cura: per alcuni indicatori il confronto prima e dopo è meno "
    "solido di quanto vorremmo.",
    "Daremmo più spazio ai team leader, che sono stati il vero motore del cambiamento ma all'inizio erano i "
    "meno informati.",
    "Non rifaremmo l'errore di fissare obiettivi di produttività nelle prime settimane: hanno messo pressione "
    "proprio quando serviva imparare.",
    "Chiederemmo prima il parere {of_customers}: un test con dieci persone ci avrebbe evitato una prima "
    "versione poco chiara.",
    "Investiremmo di più nella formazione continua: dopo l'entusiasmo iniziale, senza manutenzione le buone "
    "abitudini si perdono.",
    "Sceglieremmo meno indicatori: all'inizio ne seguivamo quindici, oggi ne guardiamo quattro e decidiamo meglio.",
    "Coinvolgeremmo prima l'ufficio legale e il DPO: le questioni di privacy sono arrivate tardi e hanno "
    "rallentato il rilascio.",
]
UPDATES_IT = [
    "A un anno dalla pubblicazione i risultati si sono confermati, e abbiamo esteso lo stesso approccio {a_journey}.",
    "Dopo le domande dei soci abbiamo aggiunto qualche dettaglio sul gruppo di progetto e sui tempi: grazie a "
    "chi ha commentato.",
    "Nei mesi successivi alcuni indicatori sono peggiorati leggermente con il cambio di stagione; li stiamo "
    "seguendo e aggiorneremo il caso.",
]
MODERATION_IT = [
    "Il caso è interessante, ma mancano i valori di partenza: potete aggiungere il «prima» per gli indicatori "
    "principali?",
    "Ottimo lavoro. Vi chiediamo di togliere i nomi dei fornitori citati nel testo e di accorciare il riassunto.",
    "Potete raccontare meglio il ruolo delle persone coinvolte? È la parte che i soci chiedono di più.",
    "Il testo cita dati interni che forse non volete rendere pubblici: valutate la visibilità «solo soci» o "
    "togliete le cifre di fatturato.",
    "Manca la sezione su cosa rifareste diversamente: è quella che rende utile un caso a chi lavora in un altro "
    "settore.",
]

# -- the English cases: fewer themes, sectors and sentences ----------------------------------------


@dataclass(frozen=True)
class SectorWorldEn:
    customers: str
    journeys: list[str]
    subjects: list[str]
    context: str


SECTORS_EN: dict[str, SectorWorldEn] = {
    "banking": SectorWorldEn(
        "customers",
        ["opening an account online", "replacing a blocked card"],
        ["card payments", "mortgages"],
        "As branches close, the contact centre has become the only human contact with the bank for many of "
        "{org}'s customers.",
    ),
    "insurance": SectorWorldEn(
        "policyholders",
        ["reporting a claim", "renewing a car policy"],
        ["claims", "renewals"],
        "A claim is the moment of truth for an insurer: it is where policyholders decide whether to renew.",
    ),
    "telecommunications": SectorWorldEn(
        "customers",
        ["activating a fibre line", "reporting a fault", "moving a number to us"],
        ["fibre activations", "network faults"],
        "In a market where customers switch provider with a text message, service is one of the few things "
        "that sets {org} apart.",
    ),
    "energy-utilities": SectorWorldEn(
        "customers",
        ["starting a new supply", "paying a bill in instalments"],
        ["bills and adjustments", "meter readings"],
        "The end of the regulated market brought waves of questions: many of {org}'s customers did not know "
        "whether they had to do anything at all.",
    ),
    "outsourcing": SectorWorldEn(
        "end customers",
        ["launching a new client programme", "multilingual support for an online retailer"],
        ["telco and energy programmes", "first-line technical support"],
        "{Org} runs contact centres for clients in very different sectors, each with its own processes, "
        "systems and targets.",
    ),
    "e-commerce": SectorWorldEn(
        "customers",
        ["returning a product", "tracking a delivery"],
        ["returns and refunds", "late deliveries"],
        "For an online shop the customer service is often the only moment a customer talks to a person: it "
        "is worth as much as a whole store.",
    ),
    "automotive": SectorWorldEn(
        "drivers",
        ["booking a service", "handling a recall"],
        ["services and repairs", "recalls"],
        "Between the carmaker, the dealers and the workshops, drivers see one brand but talk to people who "
        "do not know each other.",
    ),
    "media": SectorWorldEn(
        "subscribers",
        ["starting a digital subscription", "cancelling a subscription"],
        ["digital subscriptions", "streaming problems"],
        "Moving from paper to digital changed {org}'s relationship with its subscribers: no longer a "
        "newsagent, but an app and a service desk.",
    ),
    "tourism": SectorWorldEn(
        "guests",
        ["booking a stay", "changing travel dates"],
        ["bookings and date changes", "special requests"],
        "In travel the experience starts weeks before arrival, with the booking, and ends with a review read "
        "by thousands of people.",
    ),
}


@dataclass(frozen=True)
class ThemeEn:
    titles: list[str]
    summary: str
    problems: list[str]
    actions: list[str]


THEMES_EN: dict[str, ThemeEn] = {
    "virtual-assistant": ThemeEn(
        [
            "A virtual assistant that knows when to hand over: {org}'s story",
            "Simple questions to the bot, hard ones to people: {subject} at {org}",
        ],
        "{Org} gave a virtual assistant the simplest questions about {subject}, with a clean hand-over to an "
        "agent: shorter waits, and agents free for the hard cases.",
        [
            "Half of our calls were simple, repetitive questions about {subject}, while complex cases waited "
            "in the queue.",
            "A first chatbot, launched in a hurry, answered everything with the same menu, and customers "
            "learned to avoid it.",
        ],
        [
            "We analysed a year of conversations to choose the twenty most frequent requests for the assistant.",
            "The assistant says it is automated and hands the conversation over, with its history, whenever it "
            "is unsure.",
            "A language model drafts replies and summaries for agents, but a person always decides what is sent.",
            "Every week two senior agents review a sample of conversations and flag answers to fix.",
        ],
    ),
    "omnichannel": ThemeEn(
        [
            "One conversation across every channel at {org}",
            "Never repeat yourself: a single customer history for {journey}",
        ],
        "{Org} moved every contact channel onto one platform with a single customer history: fewer repeat "
        "contacts, more problems solved first time.",
        [
            "Phone, email, chat and social media were run by different teams with different tools: a customer "
            "who wrote and then called had to start again.",
            "Almost one contact in four was a chaser for a request already made on another channel.",
        ],
        [
            "We brought every channel onto one platform, with the customer's history visible to every agent.",
            "We opened WhatsApp as a service channel, starting with {journey} and thirty volunteer agents.",
            "Every contact is classified with the same list of reasons, whatever the channel.",
            "Agents were trained to work across channels, with clear rules on concurrent chats.",
        ],
    ),
    "voice-of-customer": ThemeEn(
        [
            "Listening to decide: the voice of the customer programme at {org}",
            "Closing the loop: calling back unhappy customers within 72 hours",
        ],
        "Two questions after every contact, detractors called back within 72 hours, comments read every week "
        "by managers: the voice of the customer programme at {org}.",
        [
            "We measured satisfaction twice a year with a long survey that few people read: the results came "
            "when the problems had already changed.",
            "NPS was a number on the board's dashboard, but nobody could explain why it went up or down.",
        ],
        [
            "After every contact we send two questions by text or email: a score and a free comment.",
            "Every detractor is called back within 72 hours by a team whose job is to fix, not to justify.",
            "Comments are classified by topic with a text-analysis model and read weekly by managers.",
            "Once a month the leadership team listens to ten randomly chosen calls.",
        ],
    ),
    "onboarding": ThemeEn(
        [
            "Six weeks that change the first year: the agent academy at {org}",
            "Call simulations with AI for new agents at {org}",
        ],
        "Less classroom, more side-by-side work, realistic simulations and a tutor for every new hire: how "
        "{Org} halved the time new agents need to work on their own.",
        [
            "New agents spent three weeks in a classroom learning procedures, then found themselves on the phone "
            "not knowing where to start.",
            "Almost one new hire in three left within six months, often because of the stress of the first weeks.",
        ],
        [
            "We cut the classroom to one week and put new agents next to experienced colleagues from day five.",
            "Every new agent has a tutor, chosen among senior colleagues, with an hour a day set aside.",
            "We built an AI call simulator: new agents practise on {subject} before talking to a real customer.",
            "Training content became ten-minute lessons, available during the shift.",
        ],
    ),
    "speech-analytics": ThemeEn(
        [
            "Why do customers call us? Listening to every call at {org}",
            "From a 2% sample to every conversation: speech analytics at {org}",
        ],
        "{Org} transcribes and analyses every call with AI: avoidable contact reasons showed up within weeks, "
        "and with them the processes to fix.",
        [
            "Quality control listened to two per cent of calls, chosen at random: we knew how often customers "
            "called, not why.",
            "Calls about {subject} had been growing for months and nobody could explain why.",
        ],
        [
            "Every call is transcribed and classified by contact reason, sentiment and keywords.",
            "Every Monday analysts, agents and process owners read the emerging reasons and decide what to fix "
            "upstream.",
            "Quality control no longer listens at random: it focuses on the calls with the strongest signs of "
            "dissatisfaction.",
            "We worked with the data protection officer from the start: pseudonymised data and limited retention.",
        ],
    ),
    "workforce": ThemeEn(
        [
            "Forecasting the peaks: workforce planning at {org}",
            "Scheduled call-backs instead of waiting: {journey} on peak days",
        ],
        "Forecasts per channel, more flexible shifts partly chosen by agents, and scheduled call-backs at "
        "peak times: how {org} cut waiting and abandoned calls.",
        [
            "Shifts were planned by gut feeling and copied week after week: on Monday mornings the wait was over "
            "ten minutes, on Thursday afternoons agents waited for calls.",
            "On due dates and after every customer mailing, traffic doubled without warning.",
        ],
        [
            "We introduced workforce management software with weekly forecasts per channel and per quarter hour.",
            "Marketing warns us two weeks ahead of every customer mailing, with an estimate of the calls it will "
            "bring.",
            "At peak times customers can choose a call-back slot instead of waiting on the line.",
            "Agents choose part of their shifts in an app and can swap them with each other.",
        ],
    ),
    "journey": ThemeEn(
        [
            "{Journey}, redesigned with our {customers}: the {org} story",
            "From a dozen steps to four: {journey} at {org}",
        ],
        "{Org} redesigned {journey} starting from interviews and diaries of its {customers}: fewer steps, "
        "fewer documents, one owner for every stage of the journey.",
        [
            "{Journey} took a dozen steps between forms, calls and documents to send again, and no department "
            "knew the whole journey.",
            "Satisfaction surveys rated each contact well, but the overall rating of {journey} was among the "
            "lowest in the sector.",
        ],
        [
            "We followed twenty {customers} through the whole journey, with interviews and diaries, and mapped "
            "the critical moments.",
            "A working group from the front line, back office, IT and marketing met every week for three months.",
            "We stopped asking for documents we already had and cut the form to a single page.",
            "We tested the new journey with a paper prototype before writing a line of code.",
        ],
    ),
    "outsourcing-partnership": ThemeEn(
        [
            "Client and outsourcer on the same team: the {org} model",
            "Paying for problems solved, not minutes: a new outsourcing contract at {org}",
        ],
        "{Org} and its contact-centre partners changed the contract: fewer minutes, more problems solved, "
        "shared training and a common dashboard.",
        [
            "The contract with our contact-centre suppliers paid for minutes of conversation: the longer a call, "
            "the more the supplier earned.",
            "Three suppliers, three ways of training agents and three incompatible dashboards.",
        ],
        [
            "We rewrote the contract with a variable part tied to first-contact resolution and customer satisfaction.",
            "Product training is the same for employees and for partners' agents, with the same trainers.",
            "A shared dashboard shows everyone the same indicators, updated daily.",
            "Once a month client and suppliers meet to discuss the hardest cases, not just the numbers.",
        ],
    ),
}
HEADINGS_EN = {
    "context": ["## Context", "## Where we started"],
    "actions": ["## What we did", "## The project"],
    "people": ["## The people", "## The team"],
    "results": ["## Results", "## The numbers"],
    "lessons": ["## What we would do differently", "## What we learned"],
}
PEOPLE_EN = [
    "The project started with a group of volunteer agents, who tried every change first and told their "
    "colleagues what worked.",
    "Team leaders made the difference: a fifteen-minute huddle every morning to collect doubts and ideas.",
    "We involved the unions from the start, sharing goals and data; it avoided a lot of resistance.",
    "Marketing and IT joined the project team on day one, not at the end: our most important decision.",
    "Senior agents, used to the old way of working, became tutors for the new ones.",
    "Every member of the leadership team spent at least half a day listening to calls.",
]
TOOLS_EN = [
    "On the technology side we mostly used what we already had: the CRM, the contact-centre platform and a "
    "shared spreadsheet for the first months.",
    "The key tool was a weekly dashboard, built with IT in a few weeks, showing the same indicators at every level.",
    "For written conversations an AI assistant suggests replies and summaries; agents always review them.",
]
QUOTES_EN = [
    "Finally someone called me back without me having to insist.",
    "I don't care about the channel: I care about not having to repeat everything.",
    "I expected the usual wall, and I found a person instead.",
]
RESULTS_EN = [
    "The result we are proudest of is not a number: the team asks to extend the model to other processes.",
    "The savings were reinvested in training, as we promised at the start.",
    "The improvements held through the peak months, which were the real test.",
]
LESSONS_EN = [
    "We would start from data sooner: we lost two months debating opinions that a week of analysis would have settled.",
    "We would involve IT from day one, not once the project was designed.",
    "We would run a smaller, shorter pilot before rolling out to everyone.",
    "We would measure the starting point more carefully: some before-and-after comparisons are weaker than we "
    "would like.",
    "We would choose fewer indicators: we started with fifteen, now we watch four and decide better.",
]
MODERATION_EN = [
    "Interesting case, but the starting values are missing: could you add the 'before' for the main indicators?",
    "Could you say more about the people involved? It is what members ask about most.",
]

# -- the discussion ---------------------------------------------------------------------------------

# (question, the authors' answer): {metric} a metric of the case, {asker} who asked, {my_org} the
# asker's organisation.
QUESTIONS_IT = [
    (
        "Complimenti, caso molto concreto. Come avete misurato «{metric}» prima dell'avvio? Con lo stesso metodo "
        "di oggi?",
        "Ciao {asker}, sì: stesso questionario e stesso campione di motivi di contatto, prima e dopo. Il "
        "confronto regge, anche se il primo trimestre era un po' anomalo.",
    ),
    (
        "Quante persone avete coinvolto nel gruppo di progetto, e per quanto tempo?",
        "Grazie {asker}! Eravamo in otto, metà dal front office, per circa quattro mesi a tempo parziale. Poi il "
        "gruppo si è allargato con l'estensione alle altre sedi.",
    ),
    (
        "Come hanno reagito le rappresentanze sindacali? Da noi ogni cambiamento sui turni diventa una "
        "trattativa lunghissima.",
        "Ciao {asker}, le abbiamo coinvolte dal primo giorno, mostrando i dati e partendo solo con volontari. Non "
        "è stato tutto liscio, ma nessuno si è sentito scavalcato.",
    ),
    (
        "Che strumenti avete usato? Sviluppati internamente o acquistati?",
        "Quasi tutto già in casa, {asker}: CRM e piattaforma telefonica esistenti, abbiamo acquistato solo il "
        "modulo di analisi dei testi. Il grosso del lavoro è stato sui processi.",
    ),
    (
        "Il miglioramento è notevole. Quanto pensate sia merito del progetto e quanto della stagionalità?",
        "Domanda giusta, {asker}. Abbiamo confrontato gli stessi mesi dell'anno precedente e due team di "
        "controllo: l'effetto del progetto resta intorno ai due terzi del miglioramento.",
    ),
    (
        "Avete coinvolto anche il back office? Da noi il collo di bottiglia è sempre lì.",
        "Sì, ed è stata la svolta: senza il back office avremmo solo spostato la coda. Oggi fanno parte del "
        "comitato mensile.",
    ),
    (
        "Come avete convinto la direzione a investire? Avevate un business case con i numeri?",
        "Ciao {asker}, un business case molto semplice: costo dei ricontatti evitabili più valore dei clienti "
        "persi. Ma a convincere davvero è stato far ascoltare dieci chiamate al comitato di direzione.",
    ),
    (
        "Come avete gestito la privacy con il DPO, visto che analizzate le conversazioni?",
        "Il DPO è stato nel gruppo fin dall'inizio: informativa aggiornata, dati pseudonimizzati e conservazione "
        "limitata a 90 giorni. Ha allungato i tempi di un mese, ma ne è valsa la pena.",
    ),
    (
        "Gli operatori più esperti come hanno vissuto il cambiamento? Da noi sono i più scettici.",
        "All'inizio con molta diffidenza, {asker}. Li abbiamo fatti diventare tutor dei nuovi: da scettici sono "
        "diventati i migliori ambasciatori del progetto.",
    ),
    (
        "Posso chiedere quanto tempo è passato dall'idea ai primi risultati misurabili?",
        "Circa sei mesi: tre di preparazione e tre di sperimentazione. I numeri più solidi sono arrivati dopo un anno.",
    ),
    (
        "Avete pensato di estendere il modello ad altri canali o processi?",
        "È il piano per il prossimo anno, {asker}: partiamo dai reclami scritti, che hanno gli stessi problemi.",
    ),
    (
        "Come avete scelto gli indicatori da seguire? Sono tantissimi quelli possibili.",
        "Ne abbiamo scelti pochi, legati a quello che il cliente percepisce. Gli indicatori di efficienza li "
        "guardiamo, ma non sono l'obiettivo.",
    ),
    (
        "Noi {my_at_org} partiamo con un progetto simile tra qualche mese: possiamo sentirci per un confronto?",
        "Volentieri, {asker}! Scrivimi dal tuo profilo del club e fissiamo una chiamata.",
    ),
    (
        "Quante persone servono per mantenere il servizio a regime?",
        "A regime bastano due persone part-time per aggiornare i contenuti, più un'ora a settimana dei team leader.",
    ),
]
REMARKS_IT = [
    "Esperienza molto simile alla nostra {my_at_org}: anche da noi il cambiamento più difficile è stato quello "
    "delle abitudini, non della tecnologia.",
    "Lo porto alla prossima riunione del mio team, grazie per la condivisione.",
    "Bel lavoro. Aggiungo una cosa che da noi ha fatto la differenza: coinvolgere i team leader prima ancora "
    "dei manager.",
    "Grazie per la sezione su cosa rifareste diversamente: è la parte più utile per chi parte adesso.",
    "Caso molto utile anche per chi, come me, lavora in un settore completamente diverso. Le dinamiche sono le stesse.",
    "{My_at_org} abbiamo visto lo stesso: senza tempo dedicato alla formazione, nessun progetto attecchisce.",
    "Salvato nei preferiti: ci tornerò quando avvieremo il nostro progetto.",
    "Interessante che i risultati siano arrivati anche sui costi: di solito si racconta solo la soddisfazione.",
    "Mi piacerebbe sentire questo caso raccontato dal vivo alla prossima award week!",
    "Il dato su «{metric}» è impressionante. Complimenti a tutta la squadra.",
]
QUESTIONS_EN = [
    (
        "Great case, thanks for sharing. How did you measure '{metric}' before the project started?",
        "Hi {asker}, same survey and same sample of contact reasons before and after, so the comparison holds.",
    ),
    (
        "How many people were on the project team, and for how long?",
        "Eight people, half of them from the front line, for about four months part-time.",
    ),
    (
        "Did you build the tools in-house or buy them?",
        "Mostly what we already had, {asker}: the CRM and the telephony platform. The real work was on the processes.",
    ),
    (
        "How did you get the board to fund it?",
        "A simple business case on avoidable repeat contacts, and letting the board listen to ten real calls.",
    ),
]
REMARKS_EN = [
    "Very similar to what we saw at {my_org}: habits were harder to change than technology.",
    "Sharing this with my team, thank you.",
    "The section on what you would do differently is the most useful part for anyone starting now.",
]
SPAM = (
    "Offriamo software per contact center a prezzi imbattibili, contattateci in privato!",
    "Pubblicità: i commenti servono alla discussione tra soci.",
)

# -- hand-written cases: the demo logins' own, and a few that set the tone --------------------------


@dataclass(frozen=True)
class Featured:
    title: str
    theme: str
    status: str
    days_ago: float  # when it was published, or reached its status
    author: str | None = None  # an email, or the first demo member of author_organisation
    author_organisation: str | None = None
    coauthor_sector: str | None = None  # a co-author from another company of this sector
    language: str = "it"
    visibility: str = "public"
    summary: str | None = None
    changes_round: bool = False
    discussion: int | None = None  # how many comments, when it matters
    recent_comment: bool = False  # one in the last days: an unread notification for the author
    metrics: tuple[str, ...] = ()  # what the summary talks about (default: some of the theme's)


FEATURED: list[Featured] = [
    Featured(
        "Reclami in 48 ore: il nuovo percorso di Energia Tirrenica",
        "complaints",
        Status.PUBLISHED,
        212,
        author=accounts_demo.ORGANISER_EMAILS[0],
        summary=(
            "Ogni reclamo richiamato al telefono entro 48 ore, un solo responsabile dall'apertura alla chiusura, le "
            "cause discusse ogni mese con marketing e IT: come Energia Tirrenica ha ridotto i reclami e i tempi di "
            "chiusura, e trasformato l'ufficio reclami in un osservatorio sui clienti."
        ),
        discussion=5,
        metrics=("complaints", "complaint_days", "nps"),
    ),
    Featured(
        "L'assistente virtuale che passa la mano: 180 operatori e un bot sincero in TelcoNord",
        "virtual-assistant",
        Status.PUBLISHED,
        158,
        author=members_demo.DEMO_MEMBER_EMAIL,
        summary=(
            "Il primo chatbot di TelcoNord rispondeva a tutto con lo stesso menu. Il secondo dichiara di essere un "
            "assistente automatico, risolve le richieste semplici su guasti e bollette e passa la mano a un "
            "operatore, con tutto lo storico, appena non è sicuro. Meno attesa per chi chiama, e operatori liberi "
            "per i casi difficili."
        ),
        metrics=("bot_share", "wait", "csat"),
        changes_round=True,
        discussion=6,
        recent_comment=True,
    ),
    Featured(
        "WhatsApp per i guasti della fibra: la prova di TelcoNord",
        "omnichannel",
        Status.CHANGES_REQUESTED,
        4,
        author=members_demo.DEMO_MEMBER_EMAIL,
        visibility="members",
    ),
    Featured(
        "Perché i clienti disdicono? Le chiamate di disdetta analizzate in TelcoNord",
        "speech-analytics",
        Status.DRAFT,
        2,
        author=members_demo.DEMO_MEMBER_EMAIL,
    ),
    Featured(
        "Il cambio di residenza ridisegnato con i cittadini: il percorso del Comune di Valdarno",
        "journey",
        Status.PUBLISHED,
        486,
        author="marco.esposito@comune.valdarno.example",
        discussion=4,
    ),
    Featured(
        "Il coaching tra pari che ha ridotto il turnover di Voce Amica Servizi BPO",
        "coaching",
        Status.SUBMITTED,
        2,
        author="francesca.lombardi@voceamica.example",
        visibility="members",
    ),
    Featured(
        "Why do customers call us? Listening to every call at Energia Tirrenica",
        "speech-analytics",
        Status.DRAFT,
        1,
        author="davide.moretti@energiatirrenica.example",
        language="en",
    ),
    Featured(
        "Committente e outsourcer nella stessa squadra: il modello di Interlocutore Contact Solutions",
        "outsourcing-partnership",
        Status.PUBLISHED,
        305,
        author=accounts_demo.ORGANISER_EMAILS[1],
        coauthor_sector="energy-utilities",
        discussion=3,
    ),
    Featured(
        "Dal call center al contatto proattivo nelle bollette",
        "proactive",
        Status.PUBLISHED,
        96,
        author_organisation="Luce e Gas Padana",
    ),
    Featured(
        "Dalla filiale al telefono: la formazione comune del Credito Appenninico",
        "onboarding",
        Status.PUBLISHED,
        377,
        author=accounts_demo.ORGANISER_EMAILS[2],
        visibility="members",
    ),
]
GIULIA_FOLLOWS = {
    "sector": ["energy-utilities"],
    "function": ["customer-care"],
    "competence": ["artificial-intelligence"],
}

# -- plain data: who, what, when ---------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    sector: str | None
    function: str | None
    organisation: str | None
    competences: tuple[str, ...]
    days_ago: float  # how old the account is
    locale: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Step:
    action: str  # "created", "edited", or a workflow action
    actor: str  # email
    days_ago: float
    comment: str | None = None


@dataclass(frozen=True)
class CommentSpec:
    author: str
    days_ago: float
    body: str
    hidden_by: str | None = None
    hidden_reason: str | None = None


@dataclass
class CaseSpec:
    title: str
    summary: str
    body: str
    organisation: str
    sector: str
    functions: list[str]
    competences: list[str]
    language: str
    visibility: str
    metrics: list[tuple[str, Decimal | None, Decimal | None, str | None]]
    authors: list[str]  # emails, the creator first
    status: str
    steps: list[Step]  # "created" first, in order
    update: str | None = None  # what an "edited" step appends to the body
    comments: list[CommentSpec] = field(default_factory=list)
    useful: list[tuple[str, float]] = field(default_factory=list)
    bookmarks: list[tuple[str, float]] = field(default_factory=list)


def people() -> list[Person]:
    """The demo members (club.members.demo) and organisers, with what the cases need to know of them."""
    result = [
        Person(
            spec.email,
            spec.display_name,
            spec.sector,
            spec.function,
            spec.organisation,
            tuple(spec.competences),
            spec.days_ago,
            spec.locale,
        )
        for spec in members_demo.member_specs()
    ]
    for index, (email, name) in enumerate(accounts_demo.ORGANISERS):
        profile = members_demo.STAFF_PROFILES[email]
        # club.accounts.demo creates the organisers 740, 739 and 738 days ago.
        result.append(
            Person(
                email,
                name,
                profile["sector"],
                profile["function"],
                profile["organisation"],
                tuple(profile["competences"]),
                PLATFORM_DAYS - index,
                "it",
            )
        )
    return result


# -- words ---------------------------------------------------------------------------------------------


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _of(org: str) -> str:
    """ "di TelcoNord", "del Comune di Valdarno", "dell'Istituto ..."."""
    for start, (of, _) in _PREPOSITIONS.items():
        if org.startswith(start):
            return f"{of}{'' if of.endswith(chr(39)) else ' '}{org}"
    return f"di {org}"


_JOINED = {
    "il": {"di": "del", "da": "dal", "su": "sul", "a": "al"},
    "la": {"di": "della", "da": "dalla", "su": "sulla", "a": "alla"},
    "l'": {"di": "dell'", "da": "dall'", "su": "sull'", "a": "all'"},
}


def _joined(preposition: str, phrase: str) -> str:
    """ "da" + "il cambio di residenza" -> "dal cambio di residenza"; "di" + "l'attivazione" -> "dell'attivazione"."""
    article = "l'" if phrase.startswith("l'") else phrase.split(" ", 1)[0]
    rest = phrase[len(article) :].lstrip(" ")
    joined = _JOINED[article][preposition]
    return f"{joined}{'' if joined.endswith(chr(39)) else ' '}{rest}"


def _subject(org: str) -> str:
    """ "TelcoNord", "il Comune di Valdarno", "l'Istituto ...", "la catena Supermercati Girasole"."""
    for start, article in _SUBJECTS.items():
        if org.startswith(start):
            return f"{article}{'' if article.endswith(chr(39)) else ' '}{org}"
    return org


def _at(org: str) -> str:
    """ "in TelcoNord", "al Comune di Valdarno", "all'Istituto ..."."""
    for start, (_, at) in _PREPOSITIONS.items():
        if org.startswith(start):
            return f"{at}{'' if at.endswith(chr(39)) else ' '}{org}"
    return f"in {org}"


def _articled(the_plural: str, preposition: str) -> str:
    """ "i cittadini" with "di" -> "dei cittadini"; "gli ospiti" with "a" -> "agli ospiti"."""
    article, _, noun = the_plural.partition(" ")
    joined = {("i", "di"): "dei", ("gli", "di"): "degli", ("i", "a"): "ai", ("gli", "a"): "agli"}
    return f"{joined[(article, preposition)]} {noun}"


def _number(value: Decimal, language: str, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    if language == "it":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _amount(value: Decimal, unit: str | None, language: str, digits: int) -> str:
    number = _number(value, language, digits)
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit else number


def _metric_phrase(name: str, before, after, unit, language: str, digits: int) -> str:
    """ "NPS da 12 a 31 punti", "Costo per contatto da 4,80 € a 3,90 €", "CSAT from 71% to 80%"."""
    start, to = ("da", "a") if language == "it" else ("from", "to")
    if unit in ("%", "€"):
        change = f"{_amount(before, unit, language, digits)} {to} {_amount(after, unit, language, digits)}"
    else:
        change = f"{_number(before, language, digits)} {to} {_amount(after, unit, language, digits)}"
    return f"{name} {start} {change}"


def _lower_name(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


# -- composing a case ------------------------------------------------------------------------------


def _values(rng: random.Random, sector: str, org: str, language: str, months: int) -> dict:
    world = SECTORS[sector]
    volume = rng.randint(*world.volume)
    n_agents = max(20, int(round(volume / rng.randint(9_000, 16_000), -1)))
    if org in TEAM_SIZES:  # as the members' bios say
        n_agents = TEAM_SIZES[org]
        volume = n_agents * rng.randint(9_000, 16_000)
    volume = round(volume, -len(str(volume)) + 2)  # two significant digits
    subject = org if language == "en" else _subject(org)
    values = {
        "org": subject,
        "Org": _cap(subject),
        "of_org": _of(org),
        "at_org": _at(org),
        "At_org": _cap(_at(org)),
        "customers": world.customers,
        "the_customers": world.the_customers,
        "of_customers": _articled(world.the_customers, "di"),
        "to_customers": _articled(world.the_customers, "a"),
        "subject": rng.choice(world.subjects),
        "journey": rng.choice(world.journeys),
        "steps": rng.randint(9, 16),
        "n_agents": n_agents,
        "n_bot": _number(Decimal(rng.randint(8, 90) * 1000), "it", 0),
        "months": months,
        "training_hours": rng.choice((8, 12, 16, 24, 32)),
        "volume": _number(Decimal(volume), "it", 0),
    }
    if language == "en":
        english = SECTORS_EN[sector]
        values.update(
            customers=english.customers,
            subject=rng.choice(english.subjects),
            journey=rng.choice(english.journeys),
        )
    _set_journey(values, values["journey"], language)
    values["Subject"] = _cap(values["subject"])
    return values


def _set_journey(values: dict, journey: str, language: str) -> None:
    values["journey"], values["Journey"] = journey, _cap(journey)
    if language == "it":
        values.update(
            {f"{preposition}_journey": _joined(preposition, journey) for preposition in ("di", "da", "su", "a")}
        )


def _metrics(rng: random.Random, theme_key: str, sector: str, language: str, chosen: tuple = ()) -> list[tuple]:
    """1-4 outcome metrics of the theme (or the ones chosen), with values: (name, before, after, unit, digits)."""
    if not chosen:
        keys = list(THEMES[theme_key].metrics)
        if sector not in ("public-administration", "healthcare", "transport", "banking", "energy-utilities"):
            keys = ["wait" if key == "counter_wait" else key for key in keys]
        chosen = rng.sample(keys, k=rng.choice((1, 2, 3, 3, 4)))
    result = []
    for key in chosen:
        kind = METRICS[key]
        before = rng.uniform(*kind.before)
        after = before * (1 + rng.uniform(*kind.change)) if kind.relative else before + rng.uniform(*kind.change)
        if kind.unit_it == "%":
            after = min(max(after, 0.5), 97.0)
        if kind.step > 1:
            before, after = round(before / kind.step) * kind.step, round(after / kind.step) * kind.step
        quantum = Decimal(1).scaleb(-kind.digits)
        name, unit = (kind.name_it, kind.unit_it) if language == "it" else (kind.name_en, kind.unit_en)
        result.append(
            (name, Decimal(str(before)).quantize(quantum), Decimal(str(after)).quantize(quantum), unit, kind.digits)
        )
    return result


def _title(rng: random.Random, theme_key: str, language: str, values: dict, used: set[str]) -> str | None:
    """A title nobody used yet, or None when the theme has none left for this organisation."""
    patterns = THEMES_EN[theme_key].titles if language == "en" else THEMES[theme_key].titles
    for _ in range(20):
        title = rng.choice(patterns).format(**values)
        if title not in used:
            return title
        # Another subject or journey, for the patterns that name them.
        source = SECTORS_EN[values["sector"]] if language == "en" else SECTORS[values["sector"]]
        values["subject"] = rng.choice(source.subjects)
        values["Subject"] = _cap(values["subject"])
        _set_journey(values, rng.choice(source.journeys), language)
    return None


def _results_section(rng, metrics, language: str, values: dict) -> str:
    intro = rng.choice(RESULT_INTROS_IT if language == "it" else ["After {months} months, the numbers:"])
    lines = [
        f"- **{name}**: " + _metric_phrase("", before, after, unit, language, digits).lstrip()
        for name, before, after, unit, digits in metrics
    ]
    parts = [intro.format(**values), "\n".join(lines)]
    if rng.random() < 0.7:
        parts.append(rng.choice(RESULTS_IT if language == "it" else RESULTS_EN))
    return "\n\n".join(parts)


def _quote(rng: random.Random, theme_key: str) -> str | None:
    for quotes, sources in ((QUOTES_IT, QUOTE_SOURCES_IT), (QUOTES_PEOPLE_IT, QUOTE_SOURCES_PEOPLE_IT)):
        fitting = [quote for quote, themes in quotes if theme_key in themes]
        if fitting:
            return f"> «{rng.choice(fitting)}»\n>\n> — {rng.choice(sources)}"
    return None


def _body_it(rng: random.Random, theme_key: str, values: dict, metrics) -> str:
    theme = THEMES[theme_key]
    world = SECTORS[values["sector"]]
    heading = {part: rng.choice(options) for part, options in HEADINGS_IT.items()}
    context = [rng.choice(world.contexts), *rng.sample(theme.problems, k=rng.choice((1, 1, 2)))]
    if rng.random() < 0.7:
        context.append(rng.choice(VOLUMES_IT))
    sections = [heading["context"], " ".join(context)]

    actions = rng.sample(theme.actions, k=rng.randint(2, min(4, len(theme.actions))))
    sections.append(heading["actions"])
    if rng.random() < 0.6:
        sections.append(rng.choice(ACTION_INTROS_IT) + "\n\n" + "\n".join(f"- {action}" for action in actions))
    else:
        sections.append(" ".join(actions))
    if rng.random() < 0.7:
        sections.append(rng.choice(TOOLS_IT))

    if rng.random() < 0.8:
        sections += [heading["people"], " ".join(rng.sample(PEOPLE_IT, k=rng.choice((1, 2, 2))))]
    if rng.random() < 0.45 and (quote := _quote(rng, theme_key)):
        sections.append(quote)

    sections += [heading["results"], _results_section(rng, metrics, "it", values)]
    sections += [heading["lessons"], " ".join(rng.sample(LESSONS_IT, k=rng.choice((1, 2, 2))))]
    return "\n\n".join(sections).format(**values)


def _body_en(rng: random.Random, theme: ThemeEn, values: dict, metrics) -> str:
    world = SECTORS_EN[values["sector"]]
    heading = {part: rng.choice(options) for part, options in HEADINGS_EN.items()}
    sections = [heading["context"], " ".join([world.context, rng.choice(theme.problems)])]
    actions = rng.sample(theme.actions, k=rng.randint(2, 4))
    sections += [heading["actions"], "\n".join(f"- {action}" for action in actions)]
    if rng.random() < 0.6:
        sections.append(rng.choice(TOOLS_EN))
    sections += [heading["people"], " ".join(rng.sample(PEOPLE_EN, k=2))]
    if rng.random() < 0.4:
        sections.append(f"> “{rng.choice(QUOTES_EN)}”\n>\n> — a comment from the post-contact survey")
    sections += [heading["results"], _results_section(rng, metrics, "en", values)]
    sections += [heading["lessons"], " ".join(rng.sample(LESSONS_EN, k=2))]
    return "\n\n".join(sections).format(**values)


def _summary(rng: random.Random, theme_key: str, language: str, values: dict, metrics) -> str:
    if language == "en":
        text = THEMES_EN[theme_key].summary.format(**values)
        lead = f" In {values['months']} months: "
    else:
        text = rng.choice(THEMES[theme_key].summaries).format(**values)
        lead = f" In {values['months']} mesi: "
    highlights = [
        _metric_phrase(_lower_name(name) if language == "it" else name, before, after, unit, language, digits)
        for name, before, after, unit, digits in metrics[:2]
    ]
    full = text + lead + "; ".join(highlights) + "."
    return full if len(full) <= 500 else text[:500]


# -- composing the workflow and the discussion -------------------------------------------------------


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _gap(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 3)


def _timeline(
    rng: random.Random,
    status: str,
    when: float,
    author: Person,
    moderator: str,
    language: str,
    changes_round: bool,
) -> tuple[list[Step], float | None]:
    """The case's steps, oldest first, and the days since publication (None if never published)."""
    author_age, author = author.days_ago, author.email
    moderation = MODERATION_EN if language == "en" else MODERATION_IT
    later: list[Step] = []  # newest first, reversed at the end
    published = None
    if status in (Status.PUBLISHED, Status.ARCHIVED):
        published = when
        if status == Status.ARCHIVED:
            later.append(Step("archive", rng.choice([author, moderator]), _gap(rng, 3, max(4, when * 0.6))))
        later.append(Step("publish", moderator, when))
        moment = when + _gap(rng, 1, 6)
        if changes_round:
            later.append(Step("resubmit", author, moment))
            moment += _gap(rng, 2, 9)
            later.append(Step("request_changes", moderator, moment, rng.choice(moderation)))
            moment += _gap(rng, 2, 6)
        later.append(Step("submit", author, moment))
    elif status == Status.SUBMITTED:
        later.append(Step("resubmit" if changes_round else "submit", author, when))
        moment = when
        if changes_round:
            moment += _gap(rng, 2, 7)
            later.append(Step("request_changes", moderator, moment, rng.choice(moderation)))
            moment += _gap(rng, 2, 6)
            later.append(Step("submit", author, moment))
    elif status == Status.CHANGES_REQUESTED:
        later.append(Step("request_changes", moderator, when, rng.choice(moderation)))
        moment = when + _gap(rng, 1, 5)
        later.append(Step("submit", author, moment))
    else:
        moment = when - 0.001
    moment = moment if later else when
    # Written in the weeks before, but not before the author's account (unless the case predates it).
    created = round(max(moment + 0.05, min(moment + _gap(rng, 2, 25), author_age - 0.5)), 3)
    steps = [Step("created", author, created), *reversed(later)]
    return steps, published


def _eligible(pool: list[Person], days_ago: float, exclude: set[str]) -> list[Person]:
    """The people who had an account at that moment (with a day to spare)."""
    return [person for person in pool if person.email not in exclude and person.days_ago > days_ago + 1]


def _discussion(
    rng: random.Random,
    pool: list[Person],
    authors: list[Person],
    since: float,
    until: float,
    language: str,
    metric: str,
    count: int | None,
    recent: bool,
) -> list[CommentSpec]:
    span = since - until
    if span < 1:
        return []
    if count is None:
        count = rng.choices(range(7), weights=(14, 16, 18, 16, 12, 8, 6))[0]
    questions = list(QUESTIONS_EN if language == "en" else QUESTIONS_IT)
    remarks = list(REMARKS_EN if language == "en" else REMARKS_IT)
    rng.shuffle(questions)
    rng.shuffle(remarks)
    author_emails = {person.email for person in authors}
    comments: list[CommentSpec] = []
    if recent:
        count -= 1  # kept for the last one
    moments = sorted((until + rng.uniform(0.02, 1) * span for _ in range(count)), reverse=True)
    for moment in moments:
        if len(comments) >= count:
            break
        people_then = _eligible(pool, moment, author_emails)
        if not people_then:
            continue
        commenter = rng.choice(people_then)
        org = commenter.organisation or "Club CX"
        values = {
            "asker": commenter.first_name,
            "metric": metric,
            "my_org": org,
            "my_at_org": _at(org),
            "My_at_org": _cap(_at(org)),
        }
        moment = round(moment, 3)
        if questions and rng.random() < 0.6:
            question, answer = questions.pop()
            comments.append(CommentSpec(commenter.email, moment, question.format(**values)))
            answerers = [person for person in authors if person.days_ago > moment]
            if answerers and len(comments) < count and rng.random() < 0.75:
                answered = round(max(until + 0.01, moment - rng.uniform(0.05, min(3, span))), 3)
                answered = min(answered, moment - 0.01)
                if answered > 0:
                    comments.append(CommentSpec(rng.choice(answerers).email, answered, answer.format(**values)))
        elif remarks:
            comments.append(CommentSpec(commenter.email, moment, remarks.pop().format(**values)))
    if recent and questions:
        # A question of the last days, not answered yet: the authors have an unread notification.
        moment = round(rng.uniform(0.3, 2.5), 3)
        commenter = rng.choice(_eligible(pool, moment, author_emails))
        org = commenter.organisation or "Club CX"
        values = {"asker": commenter.first_name, "metric": metric, "my_org": org, "my_at_org": _at(org)}
        comments.append(CommentSpec(commenter.email, moment, questions.pop()[0].format(**values)))
    return comments


def _readers(
    rng: random.Random, pool: list[Person], exclude: set[str], since: float, until: float, count: int
) -> list[tuple[str, float]]:
    """Distinct people and when they acted, between `since` and `until` days ago."""
    result = []
    for person in rng.sample(pool, k=len(pool)):
        if len(result) >= count:
            break
        start = min(since, person.days_ago - 1)
        if person.email in exclude or start <= until:
            continue
        result.append((person.email, round(rng.uniform(until, start), 3)))
    return result


# -- the whole demo as data ----------------------------------------------------------------------------


def _choose_author(rng: random.Random, candidates: list[Person], when: float, language: str) -> tuple[Person, float]:
    """Someone of the sector whose account was there when they wrote it, and when it happened.

    The cases from before the site (older than PLATFORM_DAYS) predate every account. A later case in a
    sector whose members all joined after it moves to a date when one of them was there.
    """
    settled = [person for person in candidates if person.days_ago > when + 30]
    if not settled:
        oldest = max(candidates, key=lambda person: person.days_ago)
        settled = [oldest]
        if when < PLATFORM_DAYS:
            when = round(rng.uniform(1.5, max(2.0, oldest.days_ago - 30)), 3)
    if language == "en":
        settled = [person for person in settled if person.locale == "en"] or settled
    return rng.choice(settled), when


def _themes_for(sector: str, language: str) -> list[str]:
    options = list(THEMES_EN) if language == "en" else list(THEMES)
    return [key for key in options if sector not in THEME_EXCLUDED_SECTORS.get(key, ())]


def _choose_theme(rng: random.Random, author: Person, sector: str, language: str) -> str:
    options = _themes_for(sector, language)
    weights = []
    for key in options:
        functions = THEMES[key].functions
        weights.append(4 if functions[0] == author.function else 2.5 if author.function in functions else 0.4)
    return rng.choices(options, weights=weights)[0]


def _when(rng: random.Random, status: str) -> float:
    if status == Status.PUBLISHED:
        if rng.random() < 0.2:  # from the club's years before the site
            return round(rng.uniform(PLATFORM_DAYS + 5, HISTORY_DAYS), 3)
        return round(max(1.5, PLATFORM_DAYS * rng.random() ** 1.2), 3)
    if status == Status.ARCHIVED:
        return round(rng.uniform(300, HISTORY_DAYS), 3)
    if status == Status.SUBMITTED:
        return round(rng.uniform(0.5, 20), 3)
    if status == Status.CHANGES_REQUESTED:
        return round(rng.uniform(1, 35), 3)
    return round(rng.uniform(0.5, 60), 3)


def _build(
    rng: random.Random,
    *,
    title: str | None,
    theme_key: str,
    status: str,
    when: float,
    author: Person,
    coauthor: Person | None,
    language: str,
    visibility: str,
    summary: str | None,
    changes_round: bool,
    everyone: list[Person],
    used: set[str],
    discussion: int | None = None,
    recent_comment: bool = False,
    metric_keys: tuple[str, ...] = (),
) -> CaseSpec:
    sector, org = author.sector, author.organisation
    months = rng.choice((6, 9, 12, 12, 18))
    values = _values(rng, sector, org, language, months)
    values["sector"] = sector
    if title is None:
        title = _title(rng, theme_key, language, values, used)
        others = _themes_for(sector, language)
        while title is None:  # every title of the theme is taken for this organisation: another theme
            theme_key = rng.choice(others)
            title = _title(rng, theme_key, language, values, used)
    used.add(title)
    theme = THEMES[theme_key]
    metrics = _metrics(rng, theme_key, sector, language, metric_keys)
    if language == "en":
        body = _body_en(rng, THEMES_EN[theme_key], values, metrics)
    else:
        body = _body_it(rng, theme_key, values, metrics)

    # The author's own function, and the theme's when it is another one; cross-functional cases name more.
    functions = [author.function] if author.function in theme.functions else [author.function, theme.functions[0]]
    others = [slug for slug in theme.functions if slug not in functions]
    functions += rng.sample(others, k=min(len(others), rng.choice((0, 1, 1, 2)), 3 - len(functions)))
    competences = rng.sample(theme.competences, k=rng.randint(1, len(theme.competences)))
    if len(competences) < 3 and rng.random() < 0.3:
        competences.append(rng.choice([slug for slug, *_ in members_demo.COMPETENCE_PHRASES.items()]))
    competences = list(dict.fromkeys(competences))

    authors = [author] + ([coauthor] if coauthor else [])
    organisers = [email for email in accounts_demo.ORGANISER_EMAILS if email not in {p.email for p in authors}]
    steps, published = _timeline(rng, status, when, author, rng.choice(organisers), language, changes_round)
    spec = CaseSpec(
        title=title,
        summary=summary or _summary(rng, theme_key, language, values, metrics),
        body=body,
        organisation=org,
        sector=sector,
        functions=functions,
        competences=competences,
        language=language,
        visibility=visibility,
        metrics=[metric[:4] for metric in metrics],
        authors=[p.email for p in authors],
        status=status,
        steps=steps,
    )
    if published is None:
        return spec

    archived = next((step.days_ago for step in steps if step.action == "archive"), 0.0)
    if status == Status.PUBLISHED and published > 60 and rng.random() < 0.12:
        moment = _gap(rng, 5, published - 20)
        update_values = dict(values)
        _set_journey(update_values, rng.choice(SECTORS[sector].journeys), language)
        if language == "en":
            spec.update = "## Update\n\nA year on, the results have held, and we are extending the approach."
        else:
            spec.update = "## Aggiornamento\n\n" + rng.choice(UPDATES_IT).format(**update_values)
        spec.steps.insert(len(spec.steps), Step("edited", author.email, moment))
        spec.steps.sort(key=lambda step: -step.days_ago)
    spec.comments = _discussion(
        rng, everyone, authors, published, archived, language, metrics[0][0], discussion, recent_comment
    )
    exclude = set(spec.authors)
    # The hand-written cases with a discussion are among the most read.
    popularity = rng.uniform(14, 25) if discussion else rng.triangular(0, 25, 4 if visibility == "members" else 8)
    useful_count = min(25, int(popularity * min(1.0, (published - archived) / 45)))
    spec.useful = _readers(rng, everyone, exclude, published, archived, useful_count)
    if status == Status.PUBLISHED and rng.random() < 0.3:
        spec.bookmarks = _readers(rng, everyone, exclude, published, 0, rng.randint(1, 3))
    return spec


def case_specs() -> list[CaseSpec]:
    """Every demo case study, as plain data: the same list on every call."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    everyone = people()
    by_email = {person.email: person for person in everyone}
    by_sector: dict[str, list[Person]] = {}
    for person in everyone:
        if person.sector:
            by_sector.setdefault(person.sector, []).append(person)
    used = {featured.title for featured in FEATURED}
    specs = []

    for featured in FEATURED:
        if featured.author:
            author = by_email[featured.author]
        else:
            author = next(p for p in everyone if p.organisation == featured.author_organisation)
        coauthor = None
        if featured.coauthor_sector:
            coauthor = rng.choice(
                [p for p in by_sector[featured.coauthor_sector] if p.days_ago > featured.days_ago + 60]
            )
        specs.append(
            _build(
                rng,
                title=featured.title,
                theme_key=featured.theme,
                status=featured.status,
                when=featured.days_ago,
                author=author,
                coauthor=coauthor,
                language=featured.language,
                visibility=featured.visibility,
                summary=featured.summary,
                changes_round=featured.changes_round,
                everyone=everyone,
                used=used,
                discussion=featured.discussion,
                recent_comment=featured.recent_comment,
                metric_keys=featured.metrics,
            )
        )

    statuses = [status for status, count in STATUS_COUNTS.items() for _ in range(count)]
    rng.shuffle(statuses)
    # Every sector first, then as the weights say; a few cases, in the sectors with English pools, in English.
    sectors = list(CASE_SECTOR_WEIGHTS)
    sectors += [_weighted(rng, CASE_SECTOR_WEIGHTS) for _ in range(len(statuses) - len(sectors))]
    english = set(rng.sample([i for i, sector in enumerate(sectors) if sector in SECTORS_EN], k=ENGLISH_CASES))
    for index, (status, sector) in enumerate(zip(statuses, sectors, strict=True)):
        language = "en" if index in english else "it"
        when = _when(rng, status)
        author, when = _choose_author(rng, by_sector[sector], when, language)
        theme_key = _choose_theme(rng, author, sector, language)
        coauthor = None
        if rng.random() < 0.3:
            colleagues = [p for p in by_sector[sector] if p.email != author.email and p.days_ago > when + 60]
            same_org = [p for p in colleagues if p.organisation == author.organisation]
            if theme_key == "outsourcing-partnership" and sector != "outsourcing":
                colleagues = [p for p in by_sector["outsourcing"] if p.days_ago > when + 60]
                same_org = []
            if same_org or colleagues:
                coauthor = rng.choice(same_org or colleagues)
        specs.append(
            _build(
                rng,
                title=None,
                theme_key=theme_key,
                status=status,
                when=when,
                author=author,
                coauthor=coauthor,
                language=language,
                visibility="members" if rng.random() < 0.3 else "public",
                summary=None,
                changes_round=rng.random() < (0.35 if status == Status.SUBMITTED else 0.2),
                everyone=everyone,
                used=used,
            )
        )

    # The demo login bookmarks a few cases of other sectors; two comments needed hiding.
    demo_member = by_email[members_demo.DEMO_MEMBER_EMAIL]
    readable = [spec for spec in specs if spec.status == Status.PUBLISHED and demo_member.email not in spec.authors]
    for spec in rng.sample(readable, k=6):
        if all(email != demo_member.email for email, _ in spec.bookmarks):
            published = next(step.days_ago for step in spec.steps if step.action == "publish")
            spec.bookmarks.append((demo_member.email, round(rng.uniform(0.1, min(published, 60)), 3)))
    for spec in rng.sample([spec for spec in readable if spec.language == "it"], k=2):
        published = next(step.days_ago for step in spec.steps if step.action == "publish")
        moment = round(rng.uniform(0.5, min(published, 200)), 3)
        spammer = rng.choice(_eligible(everyone, moment, set(spec.authors)))
        spec.comments.append(CommentSpec(spammer.email, moment, SPAM[0], accounts_demo.ORGANISER_EMAILS[1], SPAM[1]))
        spec.comments.sort(key=lambda comment: -comment.days_ago)
    return specs


def follow_specs() -> dict[str, dict[str, list[str]]]:
    """What each demo member follows: one to three sectors, functions or competence areas."""
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    sectors = list(CASE_SECTOR_WEIGHTS)
    functions = list(members_demo.FUNCTION_WEIGHTS)
    result = {}
    for person in people():
        if person.email == members_demo.DEMO_MEMBER_EMAIL:
            result[person.email] = GIULIA_FOLLOWS
            continue
        candidates = [("sector", rng.choice([slug for slug in sectors if slug != person.sector]))]
        if person.sector:
            candidates.append(("sector", person.sector))
        if person.function:
            candidates.append(("function", person.function))
        candidates.append(("function", rng.choice([slug for slug in functions if slug != person.function])))
        candidates += [("competence", slug) for slug in person.competences[:2]]
        chosen = rng.sample(candidates, k=min(len(candidates), rng.choice((1, 2, 2, 3))))
        follows: dict[str, list[str]] = {"sector": [], "function": [], "competence": []}
        for kind, slug in chosen:
            if slug not in follows[kind]:
                follows[kind].append(slug)
        result[person.email] = follows
    return result


# -- loading ---------------------------------------------------------------------------------------------


def _moderate(case: CaseStudy, organiser: User, action: str, comment: str | None, moment) -> None:
    """An organiser's publish or request_changes, as services.transition does it but without the email."""
    before = case.status
    case.status = workflow.check(action, case.status, services.roles(case, organiser))
    if action == "request_changes":
        case.moderation_comment = comment
    else:
        case.published_at = case.published_at or moment
        case.published_year = case.published_at.year
        case.moderation_comment = None
    db.session.add(
        Revision(
            case_id=case.id,
            user_id=organiser.id,
            action=action,
            changes={"status": {"from": before, "to": case.status}},
            comment=comment,
        )
    )
    search.index_case(case)


def _terms(model) -> dict:
    terms = {term.slug: term for term in db.session.scalars(select(model))}
    if not terms:
        raise RuntimeError(f"No {model.__tablename__} yet: load club.core.demo before club.cases.demo.")
    return terms


def _input(spec: CaseSpec, terms: dict, body: str, coauthors: list[str]) -> services.CaseInput:
    sectors, functions, competences = terms["sector"], terms["function"], terms["competence"]
    return services.CaseInput(
        title=spec.title,
        summary=spec.summary,
        body=body,
        organisation=spec.organisation,
        sector_id=sectors[spec.sector].id,
        function_ids=[functions[slug].id for slug in spec.functions],
        competence_ids=[competences[slug].id for slug in spec.competences],
        language=spec.language,
        visibility=spec.visibility,
        metrics=[services.MetricInput(name, before, after, unit) for name, before, after, unit in spec.metrics],
        coauthor_emails=coauthors,
    )


def _load_case(spec: CaseSpec, users: dict[str, User], terms: dict, now, discussion: dict) -> CaseStudy:
    def at(days_ago: float):
        return now - timedelta(days=days_ago)

    author = users[spec.authors[0]]
    coauthors = [email for email in spec.authors[1:] if email in users]
    case = services.create_case(author, _input(spec, terms, spec.body, coauthors))
    fallback = users.get(accounts_demo.ORGANISER_EMAILS[0])
    for step in spec.steps[1:]:
        actor = users.get(step.actor, author if step.action in ("submit", "resubmit", "archive") else fallback)
        if step.action in ("publish", "request_changes"):
            _moderate(case, actor, step.action, step.comment, at(step.days_ago))
        elif step.action == "edited":
            services.update_case(case, actor, _input(spec, terms, f"{spec.body}\n\n{spec.update}", coauthors))
        else:
            last_entry = db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))
            services.transition(case, actor, step.action, step.comment)
            # An organiser's step is in the audit log: dated when it happened, as the revision will be.
            db.session.execute(
                update(AuditEntry).where(AuditEntry.id > last_entry).values(created_at=at(step.days_ago))
            )

    # Move the history into the past: the revisions, in the order they were written, are the steps.
    revisions = db.session.scalars(select(Revision).where(Revision.case_id == case.id).order_by(Revision.id)).all()
    for revision, step in zip(revisions, spec.steps, strict=True):
        revision.created_at = at(step.days_ago)
    moments = {step.action: at(step.days_ago) for step in spec.steps}  # the last of each action
    case.created_at = moments["created"]
    case.updated_at = moments.get("edited", moments["created"])
    submitted = [step for step in spec.steps if step.action in ("submit", "resubmit")]
    case.submitted_at = at(submitted[-1].days_ago) if submitted else None
    if "publish" in moments:
        case.published_at = moments["publish"]
        case.published_year = case.published_at.year
    case.archived_at = moments.get("archive")

    comments = []
    for item in spec.comments:
        if item.author not in users:
            continue
        hidden_by = users.get(item.hidden_by) if item.hidden_by else None
        comment = Comment(
            case_id=case.id,
            author_id=users[item.author].id,
            body=item.body,
            created_at=at(item.days_ago),
            hidden_at=at(item.days_ago * 0.9) if hidden_by else None,
            hidden_by_id=hidden_by.id if hidden_by else None,
            hidden_reason=item.hidden_reason if hidden_by else None,
        )
        comments.append(comment)
        # As services.add_comment: the other authors hear of it (read, unless it is recent).
        for author_id in {users[email].id for email in spec.authors if email in users} - {comment.author_id}:
            discussion["notifications"].append((comment, author_id, item.days_ago))
    db.session.add_all(comments)
    case.comment_count = len(comments)
    marks = [(email, days_ago) for email, days_ago in spec.useful if email in users]
    discussion["useful"] += [
        {"case_id": case.id, "user_id": users[email].id, "created_at": at(days_ago)} for email, days_ago in marks
    ]
    case.useful_count = len(marks)
    discussion["bookmarks"] += [
        {"case_id": case.id, "user_id": users[email].id, "created_at": at(days_ago)}
        for email, days_ago in spec.bookmarks
        if email in users
    ]
    return case


def _load_follows(users: dict[str, User], terms: dict) -> None:
    """Follows for the demo members who follow nothing yet."""
    tables = {"sector": followed_sectors, "function": followed_functions, "competence": followed_competences}
    ids = [user.id for user in users.values()]
    following = set()
    for table in tables.values():
        following |= set(db.session.scalars(select(table.c.user_id).where(table.c.user_id.in_(ids))))
    rows: dict[str, list[dict]] = {kind: [] for kind in tables}
    for email, follows in follow_specs().items():
        user = users.get(email)
        if user is None or user.id in following:
            continue
        for kind, slugs in follows.items():
            column = f"{kind}_id"
            rows[kind] += [{"user_id": user.id, column: terms[kind][slug].id} for slug in slugs if slug in terms[kind]]
    for kind, table in tables.items():
        if rows[kind]:
            db.session.execute(insert(table), rows[kind])


def load() -> None:
    specs = case_specs()
    existing = set(db.session.scalars(select(CaseStudy.title).where(CaseStudy.title.in_([s.title for s in specs]))))
    emails = {person.email for person in people()}
    users = {email: user for email, user in accounts_demo.existing_users(emails).items() if user.is_active}
    terms = {"sector": _terms(Sector), "function": _terms(Function), "competence": _terms(Competence)}
    now = utcnow()
    discussion: dict[str, list] = {"notifications": [], "useful": [], "bookmarks": []}
    for spec in specs:
        if spec.title in existing or spec.authors[0] not in users:
            continue
        try:
            with db.session.begin_nested():
                _load_case(spec, users, terms, now, discussion)
        except services.CaseError:
            continue  # a sector or function an organiser retired since: leave that case out
    db.session.flush()
    for comment, user_id, days_ago in discussion["notifications"]:
        created = now - timedelta(days=days_ago)
        db.session.add(
            Notification(
                user_id=user_id,
                kind="comment",
                case_id=comment.case_id,
                comment_id=comment.id,
                actor_id=comment.author_id,
                created_at=created,
                read_at=created + timedelta(hours=9) if days_ago > 7 else None,
            )
        )
    for model, rows in ((UsefulMark, discussion["useful"]), (Bookmark, discussion["bookmarks"])):
        if rows:
            db.session.execute(insert(model), rows)
    _load_follows(users, terms)
    db.session.flush()


def counts() -> tuple[int, int]:
    """How many case studies there are, and how many of them are published (for the command's summary)."""
    total = db.session.scalar(select(func.count()).select_from(CaseStudy))
    published = db.session.scalar(
        select(func.count()).select_from(CaseStudy).where(CaseStudy.status == Status.PUBLISHED)
    )
    return total, published
