"""The case study's workflow as plain data: which action moves which status where, and who may do it.

    draft --submit--> submitted --publish--> published --archive--> archived --restore--> published
                      submitted --request_changes--> changes_requested --resubmit--> submitted
    submitted / changes_requested --withdraw--> draft

Authors act on their own cases, organisers moderate. The services check the rule and apply it.
"""

from __future__ import annotations

from dataclasses import dataclass

from club.cases.models import Status

AUTHOR, ORGANISER = "author", "organiser"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actors: frozenset[str]


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("submit", frozenset({Status.DRAFT}), Status.SUBMITTED, frozenset({AUTHOR})),
        Transition("resubmit", frozenset({Status.CHANGES_REQUESTED}), Status.SUBMITTED, frozenset({AUTHOR})),
        Transition(
            "withdraw", frozenset({Status.SUBMITTED, Status.CHANGES_REQUESTED}), Status.DRAFT, frozenset({AUTHOR})
        ),
        Transition("request_changes", frozenset({Status.SUBMITTED}), Status.CHANGES_REQUESTED, frozenset({ORGANISER})),
        Transition("publish", frozenset({Status.SUBMITTED}), Status.PUBLISHED, frozenset({ORGANISER})),
        Transition("archive", frozenset({Status.PUBLISHED}), Status.ARCHIVED, frozenset({AUTHOR, ORGANISER})),
        Transition("restore", frozenset({Status.ARCHIVED}), Status.PUBLISHED, frozenset({ORGANISER})),
    )
}

# Authors may edit their case in these statuses; a published case stays published when edited.
EDITABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED})
# Authors may delete a case nobody else has seen yet; organisers may delete any.
AUTHOR_DELETABLE = frozenset({Status.DRAFT})


class TransitionRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "unknown", "forbidden" or "wrong_status"


def roles_of(user_id: int | None, is_organiser: bool, author_ids: set[int]) -> set[str]:
    roles = set()
    if user_id is not None and user_id in author_ids:
        roles.add(AUTHOR)
    if is_organiser:
        roles.add(ORGANISER)
    return roles


def check(action: str, status: str, roles: set[str]) -> str:
    """The status the action leads to, or TransitionRefused saying why not."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused("unknown")
    if not roles & transition.actors:
        raise TransitionRefused("forbidden")
    if status not in transition.sources:
        raise TransitionRefused("wrong_status")
    return transition.target


def available(status: str, roles: set[str]) -> list[str]:
    """The actions these roles can take from this status, in a stable order."""
    return [
        action
        for action, transition in TRANSITIONS.items()
        if status in transition.sources and roles & transition.actors
    ]
