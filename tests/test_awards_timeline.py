"""The pure timeline module: the phase of an edition at any moment, what comes next, and which
orderings of the seven moments it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from club.awards.timeline import MOMENTS, Phase, Timeline, phase

START = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _timeline(**overrides) -> Timeline:
    """Nominations days 0-2, jury days 3-6, vote days 4-7, results day 8 (jury and vote overlap)."""
    values = {
        "nominations_open_at": START,
        "nominations_close_at": START + 2 * DAY,
        "jury_open_at": START + 3 * DAY,
        "jury_close_at": START + 6 * DAY,
        "vote_open_at": START + 4 * DAY,
        "vote_close_at": START + 7 * DAY,
        "results_at": START + 8 * DAY,
    }
    values.update(overrides)
    return Timeline(**values)


TIMELINE = _timeline()


@pytest.mark.parametrize(
    ("now", "key", "next_moment"),
    [
        (START - DAY, "announced", "nominations_open_at"),
        (START - timedelta(seconds=1), "announced", "nominations_open_at"),
        (START, "nominations", "nominations_close_at"),
        (START + DAY, "nominations", "nominations_close_at"),
        (START + 2 * DAY, "selection", "jury_open_at"),
        (START + 3 * DAY - HOUR, "selection", "jury_open_at"),
        (START + 3 * DAY, "judging", "vote_open_at"),
        (START + 4 * DAY, "judging_voting", "jury_close_at"),
        (START + 5 * DAY, "judging_voting", "jury_close_at"),
        (START + 6 * DAY, "voting", "vote_close_at"),
        (START + 7 * DAY, "counting", "results_at"),
        (START + 8 * DAY - HOUR, "counting", "results_at"),
    ],
)
def test_the_phase_and_the_next_moment(now, key, next_moment):
    for ready in (False, True):  # before results_at, results_ready changes nothing
        found = phase(TIMELINE, now, results_ready=ready)
        assert found == Phase(key, next_moment, getattr(TIMELINE, next_moment)), (now, ready)


def test_after_the_results_time_the_phase_is_results_only_when_they_are_ready():
    later = START + 8 * DAY
    assert phase(TIMELINE, later, results_ready=False) == Phase("counting", None, None)
    assert phase(TIMELINE, later, results_ready=True) == Phase("results", None, None)
    assert phase(TIMELINE, later + 400 * DAY, results_ready=True) == Phase("results", None, None)


def test_results_ready_before_their_time_is_still_counting():
    assert phase(TIMELINE, START + 7 * DAY + HOUR, results_ready=True).key == "counting"


def test_a_vote_that_opens_before_the_jury():
    timeline = _timeline(vote_open_at=START + 3 * DAY, jury_open_at=START + 4 * DAY, jury_close_at=START + 5 * DAY)
    assert phase(timeline, START + 3 * DAY + HOUR, False) == Phase("voting", "jury_open_at", START + 4 * DAY)
    assert phase(timeline, START + 4 * DAY, False).key == "judging_voting"
    assert phase(timeline, START + 5 * DAY, False).key == "voting"


def test_moments_at_the_same_time_come_in_the_timeline_order():
    timeline = _timeline(vote_open_at=START + 3 * DAY)
    assert phase(timeline, START + 2 * DAY, False) == Phase("selection", "jury_open_at", START + 3 * DAY)
    assert phase(timeline, START + 3 * DAY, False).key == "judging_voting"
    assert MOMENTS.index("jury_open_at") < MOMENTS.index("vote_open_at")


def test_windows_are_half_open():
    assert not TIMELINE.nominations_open(START - timedelta(microseconds=1))
    assert TIMELINE.nominations_open(START)
    assert not TIMELINE.nominations_open(START + 2 * DAY)
    assert TIMELINE.jury_open(START + 3 * DAY) and not TIMELINE.jury_open(START + 6 * DAY)
    assert TIMELINE.vote_open(START + 4 * DAY) and not TIMELINE.vote_open(START + 7 * DAY)


def test_finalists_are_editable_until_judging_or_voting_starts():
    assert TIMELINE.finalists_editable(START + 2 * DAY)
    assert not TIMELINE.finalists_editable(START + 3 * DAY)  # the jury opens first here
    vote_first = _timeline(vote_open_at=START + 2 * DAY + HOUR)
    assert not vote_first.finalists_editable(START + 2 * DAY + HOUR)


def test_closed_once_both_the_jury_and_the_vote_have_closed():
    assert not TIMELINE.closed(START + 6 * DAY)  # the jury is closed, the vote is not
    assert TIMELINE.closed(START + 7 * DAY)


def test_a_sound_timeline_has_no_problem():
    assert TIMELINE.problems() == []
    # Windows may touch: the jury may open the moment nominations close, results the moment both close.
    touching = _timeline(jury_open_at=START + 2 * DAY, vote_open_at=START + 2 * DAY, results_at=START + 7 * DAY)
    assert touching.problems() == []


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"nominations_close_at": START}, ("nominations_close_at", "after_open")),
        ({"nominations_close_at": START - HOUR}, ("nominations_close_at", "after_open")),
        ({"jury_close_at": START + 3 * DAY}, ("jury_close_at", "after_open")),
        ({"vote_close_at": START + 4 * DAY - HOUR}, ("vote_close_at", "after_open")),
        ({"jury_open_at": START + 2 * DAY - HOUR}, ("jury_open_at", "after_nominations")),
        ({"vote_open_at": START + DAY}, ("vote_open_at", "after_nominations")),
        ({"results_at": START + 7 * DAY - HOUR}, ("results_at", "after_windows")),
        ({"results_at": START + 5 * DAY}, ("results_at", "after_windows")),
    ],
)
def test_each_broken_rule_names_its_field(overrides, problem):
    assert _timeline(**overrides).problems() == [problem]


def test_timeline_of_an_edition_reads_its_seven_moments():
    class Edition:
        pass

    edition = Edition()
    for name in MOMENTS:
        setattr(edition, name, getattr(TIMELINE, name))
    assert Timeline.of(edition) == TIMELINE
