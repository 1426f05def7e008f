"""An edition's timeline: which phase it is in at a given moment and what comes next.

Pure: it takes the seven moments and "now" (all timezone-aware) and returns plain data, so pages,
services and the scheduler agree on one reading of the dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The moments of a timeline, in the order they normally come.
MOMENTS = (
    "nominations_open_at",
    "nominations_close_at",
    "jury_open_at",
    "vote_open_at",
    "jury_close_at",
    "vote_close_at",
    "results_at",
)


@dataclass(frozen=True)
class Timeline:
    nominations_open_at: datetime
    nominations_close_at: datetime
    jury_open_at: datetime
    jury_close_at: datetime
    vote_open_at: datetime
    vote_close_at: datetime
    results_at: datetime

    @classmethod
    def of(cls, edition) -> Timeline:
        return cls(**{name: getattr(edition, name) for name in MOMENTS})

    def nominations_open(self, now: datetime) -> bool:
        return self.nominations_open_at <= now < self.nominations_close_at

    def jury_open(self, now: datetime) -> bool:
        return self.jury_open_at <= now < self.jury_close_at

    def vote_open(self, now: datetime) -> bool:
        return self.vote_open_at <= now < self.vote_close_at

    def finalists_editable(self, now: datetime) -> bool:
        """Finalists are chosen once nominations close and fixed when judging or voting starts."""
        return now < min(self.jury_open_at, self.vote_open_at)

    def closed(self, now: datetime) -> bool:
        """Jury and vote are both over: the tally can be made."""
        return now >= max(self.jury_close_at, self.vote_close_at)

    def problems(self) -> list[tuple[str, str]]:
        """(field, reason key) for every rule the dates break; empty when the timeline is sound."""
        found = []
        if self.nominations_close_at <= self.nominations_open_at:
            found.append(("nominations_close_at", "after_open"))
        if self.jury_close_at <= self.jury_open_at:
            found.append(("jury_close_at", "after_open"))
        if self.vote_close_at <= self.vote_open_at:
            found.append(("vote_close_at", "after_open"))
        if self.jury_open_at < self.nominations_close_at:
            found.append(("jury_open_at", "after_nominations"))
        if self.vote_open_at < self.nominations_close_at:
            found.append(("vote_open_at", "after_nominations"))
        if self.results_at < max(self.jury_close_at, self.vote_close_at):
            found.append(("results_at", "after_windows"))
        return found


@dataclass(frozen=True)
class Phase:
    key: str  # announced, nominations, selection, judging, voting, judging_voting, counting, results
    next_moment: str | None  # the name of the next moment (one of MOMENTS), None when all have passed
    next_at: datetime | None


def phase(timeline: Timeline, now: datetime, results_ready: bool) -> Phase:
    jury, vote = timeline.jury_open(now), timeline.vote_open(now)
    if now < timeline.nominations_open_at:
        key = "announced"
    elif timeline.nominations_open(now):
        key = "nominations"
    elif jury and vote:
        key = "judging_voting"
    elif jury:
        key = "judging"
    elif vote:
        key = "voting"
    elif not timeline.closed(now):
        key = "selection"
    elif now >= timeline.results_at and results_ready:
        key = "results"
    else:
        key = "counting"
    upcoming = sorted(
        ((getattr(timeline, name), name) for name in MOMENTS if getattr(timeline, name) > now),
        key=lambda pair: (pair[0], MOMENTS.index(pair[1])),
    )
    if upcoming:
        return Phase(key, upcoming[0][1], upcoming[0][0])
    return Phase(key, None, None)
