"""Demo subscriptions: every member on the default weekly digest (a few chose otherwise), and people
outside the club who subscribed with their address, one of them not confirmed yet and one whose
mailbox refuses our messages. The digests themselves come from the scheduler under `make run`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from club.accounts.models import User
from club.core.timeutil import utcnow
from club.digests.models import Subscriber
from club.digests.services import ensure_member_subscriptions
from club.extensions import db

# (email, frequency, language, confirmed, bounces)
OUTSIDERS = [
    ("marta.ferri@posta-esempio.it", "weekly", "it", True, 0),
    ("l.conti@assicurazioni-esempio.it", "weekly", "it", True, 0),
    ("giorgio.bassi@utility-esempio.it", "monthly", "it", True, 0),
    ("anna.keller@example.de", "weekly", "en", True, 0),
    ("s.moretti@comune-esempio.it", "daily", "it", True, 0),
    ("federica.galli@retail-esempio.it", "weekly", "it", True, 0),
    ("pietro.sala@esempio-bpo.it", "weekly", "it", False, 0),
    ("vecchio.indirizzo@esempio-chiuso.it", "weekly", "it", True, 3),
]
# Members who changed the default: (email, frequency).
MEMBER_CHOICES = [
    ("giulia.rinaldi@telconord.example", "weekly"),
    ("paola.marchetti@clubcx.example", "daily"),
    ("stefano.colombo@clubcx.example", "monthly"),
]


def load() -> None:
    now = utcnow()
    existing = set(db.session.scalars(select(Subscriber.email)))
    for index, (email, frequency, locale, confirmed, bounces) in enumerate(OUTSIDERS):
        if email in existing:
            continue
        db.session.add(
            Subscriber(
                email=email,
                frequency=frequency,
                locale=locale,
                confirmed_at=now - timedelta(days=30 + index) if confirmed else None,
                created_at=now - timedelta(days=31 + index),
                bounce_count=bounces,
                last_bounce_at=now - timedelta(days=2) if bounces else None,
            )
        )
    db.session.flush()
    ensure_member_subscriptions()
    users = dict(
        db.session.execute(select(User.email, User.id).where(User.email.in_([e for e, _ in MEMBER_CHOICES]))).all()
    )
    for email, frequency in MEMBER_CHOICES:
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.user_id == users.get(email)))
        if subscriber is not None and subscriber.covered_until is None:
            subscriber.frequency = frequency
    db.session.flush()


def counts() -> tuple[int, int]:
    """Subscribers in all, and those outside the club."""
    rows = db.session.scalars(select(Subscriber.user_id)).all()
    return len(rows), sum(1 for user_id in rows if user_id is None)
