"""Demo data of the core domain: the club's taxonomy of sectors, functions and competence areas.

Rows are (slug, Italian name, English name). The slug is the natural key: loading twice adds
nothing, and a term an organiser renamed keeps its new name (see taxonomy.ensure_terms).
"""

from __future__ import annotations

from club.core.models import Competence, Function, Sector
from club.core.taxonomy import ensure_terms

SECTORS: list[tuple[str, str, str]] = [
    ("banking", "Banche e servizi finanziari", "Banking and financial services"),
    ("insurance", "Assicurazioni", "Insurance"),
    ("telecommunications", "Telecomunicazioni", "Telecommunications"),
    ("energy-utilities", "Energia e utility", "Energy and utilities"),
    ("public-administration", "Pubblica amministrazione", "Public administration"),
    ("retail", "Retail e grande distribuzione", "Retail and large-scale distribution"),
    ("outsourcing", "Outsourcing e servizi di contact center (BPO)", "Outsourcing and contact-centre services (BPO)"),
    ("healthcare", "Sanità", "Healthcare"),
    ("transport", "Trasporti e mobilità", "Transport and mobility"),
    ("e-commerce", "E-commerce", "E-commerce"),
    ("automotive", "Automotive", "Automotive"),
    ("media", "Media e intrattenimento", "Media and entertainment"),
    ("tourism", "Turismo e ospitalità", "Travel and hospitality"),
]

FUNCTIONS: list[tuple[str, str, str]] = [
    ("customer-care", "Customer care e contact center", "Customer care and contact centre"),
    ("customer-experience", "Customer experience", "Customer experience"),
    ("marketing", "Marketing", "Marketing"),
    ("human-resources", "Risorse umane", "Human resources"),
    ("information-technology", "Sistemi informativi (IT)", "Information technology"),
    ("operations", "Operations", "Operations"),
    ("sales", "Vendite", "Sales"),
    ("quality-compliance", "Qualità e compliance", "Quality and compliance"),
    ("general-management", "Direzione generale", "General management"),
]

# The club's six competence areas: exactly these.
COMPETENCES: list[tuple[str, str, str]] = [
    ("customer-journey", "Customer journey", "Customer journey"),
    ("customer-experience", "Customer experience", "Customer experience"),
    ("omnichannel", "Omnicanalità", "Omnichannel"),
    ("artificial-intelligence", "Intelligenza artificiale", "Artificial intelligence"),
    ("people-training-motivation", "Formazione e motivazione delle persone", "Training and motivation of people"),
    ("measurement-voice-of-customer", "Misurazione e voce del cliente", "Measurement and voice of the customer"),
]


def load() -> None:
    ensure_terms(Sector, SECTORS)
    ensure_terms(Function, FUNCTIONS)
    ensure_terms(Competence, COMPETENCES)
