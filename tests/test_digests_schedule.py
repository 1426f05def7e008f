"""When digests go out: daily 07:30, weekly Monday 08:00, monthly on the 1st at 08:00, Italian time across
both daylight-saving changes; the missed period after downtime, the catch-up, and the APScheduler jobs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from club.core import scheduler
from club.core.timeutil import ROME, utcnow
from club.digests import schedule, services
from tests.case_factories import make_case
from tests.digest_factories import (
    cycles,
    drain_to_memory,
    make_author,
    make_subscriber,
    outbox_rows,
    rome,
    runs,
)

DAY = timedelta(days=1)


def utc(year, month, day, hour=0, minute=0, second=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# -- pure functions --------------------------------------------------------------------------------

# (frequency, now in UTC, the due moment in UTC, its key, the previous moment in UTC)
CASES = [
    # Spring forward, Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST.
    ("daily", utc(2026, 3, 29, 12), utc(2026, 3, 29, 5, 30), "2026-03-29", utc(2026, 3, 28, 6, 30)),
    ("daily", utc(2026, 3, 29, 5, 45), utc(2026, 3, 29, 5, 30), "2026-03-29", utc(2026, 3, 28, 6, 30)),
    ("daily", utc(2026, 3, 29, 5, 29), utc(2026, 3, 28, 6, 30), "2026-03-28", utc(2026, 3, 27, 6, 30)),
    ("weekly", utc(2026, 3, 30, 6, 30), utc(2026, 3, 30, 6, 0), "2026-03-30", utc(2026, 3, 23, 7, 0)),
    ("weekly", utc(2026, 3, 30, 5, 59, 59), utc(2026, 3, 23, 7, 0), "2026-03-23", utc(2026, 3, 16, 7, 0)),
    ("monthly", utc(2026, 4, 1, 6, 30), utc(2026, 4, 1, 6, 0), "2026-04", utc(2026, 3, 1, 7, 0)),
    ("monthly", utc(2026, 4, 1, 5, 59), utc(2026, 3, 1, 7, 0), "2026-03", utc(2026, 2, 1, 7, 0)),
    # Fall back, Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET.
    ("daily", utc(2026, 10, 25, 7), utc(2026, 10, 25, 6, 30), "2026-10-25", utc(2026, 10, 24, 5, 30)),
    ("daily", utc(2026, 10, 25, 6, 0), utc(2026, 10, 24, 5, 30), "2026-10-24", utc(2026, 10, 23, 5, 30)),
    ("weekly", utc(2026, 10, 26, 7, 30), utc(2026, 10, 26, 7, 0), "2026-10-26", utc(2026, 10, 19, 6, 0)),
    ("weekly", utc(2026, 10, 26, 6, 30), utc(2026, 10, 19, 6, 0), "2026-10-19", utc(2026, 10, 12, 6, 0)),
    ("monthly", utc(2026, 11, 1, 7, 30), utc(2026, 11, 1, 7, 0), "2026-11", utc(2026, 10, 1, 6, 0)),
    ("monthly", utc(2026, 11, 1, 6, 30), utc(2026, 10, 1, 6, 0), "2026-10", utc(2026, 9, 1, 6, 0)),
    # Late at night in UTC is already tomorrow in Italy.
    ("daily", utc(2026, 6, 30, 23, 30), utc(2026, 6, 30, 5, 30), "2026-06-30", utc(2026, 6, 29, 5, 30)),
    ("monthly", utc(2026, 6, 30, 23, 30), utc(2026, 6, 1, 6, 0), "2026-06", utc(2026, 5, 1, 6, 0)),
    ("weekly", utc(2026, 11, 29, 23, 30), utc(2026, 11, 23, 7, 0), "2026-11-23", utc(2026, 11, 16, 7, 0)),
    # Exactly at the moment: it is due.
    ("weekly", utc(2026, 11, 23, 7, 0), utc(2026, 11, 23, 7, 0), "2026-11-23", utc(2026, 11, 16, 7, 0)),
    # Across the new year.
    ("monthly", utc(2027, 1, 1, 9), utc(2027, 1, 1, 7, 0), "2027-01", utc(2026, 12, 1, 7, 0)),
]


@pytest.mark.parametrize(("frequency", "now", "due", "key", "previous"), CASES)
def test_due_moment_previous_moment_and_period_key(frequency, now, due, key, previous):
    moment = schedule.due_moment(frequency, now)
    assert moment == due
    assert moment.utcoffset() == timedelta(0)
    assert moment <= now
    assert schedule.period_key(frequency, moment) == key
    assert schedule.previous_moment(frequency, moment) == previous


def test_the_utc_instant_shifts_across_daylight_saving_and_the_italian_clock_does_not():
    spring = [schedule.due_moment("daily", utc(2026, 3, day, 12)) for day in (28, 29, 30)]
    assert [moment.time() for moment in spring] == [time(6, 30), time(5, 30), time(5, 30)]
    assert [moment.astimezone(ROME).time() for moment in spring] == [time(7, 30)] * 3
    assert spring[1] - spring[0] == timedelta(hours=23)
    autumn = [schedule.due_moment("daily", utc(2026, 10, day, 12)) for day in (24, 25, 26)]
    assert [moment.time() for moment in autumn] == [time(5, 30), time(6, 30), time(6, 30)]
    assert [moment.astimezone(ROME).time() for moment in autumn] == [time(7, 30)] * 3
    assert autumn[1] - autumn[0] == timedelta(hours=25)


@pytest.mark.parametrize(
    ("frequency", "steps", "clock", "check_day"),
    [
        ("daily", 800, time(7, 30), lambda local, later: (later - local).days == 1),
        ("weekly", 120, time(8, 0), lambda local, later: local.weekday() == 0 and (later - local).days == 7),
        ("monthly", 30, time(8, 0), lambda local, later: local.day == 1 and later.day == 1),
    ],
)
def test_walking_back_over_years_keeps_the_italian_wall_clock(frequency, steps, clock, check_day):
    moment = schedule.due_moment(frequency, utc(2027, 3, 1, 12))
    keys = set()
    for _ in range(steps):
        earlier = schedule.previous_moment(frequency, moment)
        local, later = earlier.astimezone(ROME), moment.astimezone(ROME)
        assert local.time() == clock and later.time() == clock
        assert check_day(local.date(), later.date())
        # Anything inside the period is due at its start, never at the end.
        assert schedule.due_moment(frequency, moment - timedelta(seconds=1)) == earlier
        assert schedule.due_moment(frequency, moment) == moment
        keys.add(schedule.period_key(frequency, moment))
        moment = earlier
    assert len(keys) == steps  # every period has its own key


# -- run_due and the catch-up ----------------------------------------------------------------------


def test_run_due_after_downtime_runs_the_missed_period_once(app):
    # The weekly run of Monday 16 November 2026, 08:00 in Rome (07:00 UTC), was missed: back on Tuesday.
    reader = make_subscriber("ext@example.org", locale="en")
    author = make_author()
    make_case(author, title="Of the missed week", published_at=utc(2026, 11, 12, 10))
    make_case(author, title="Of the week before", published_at=utc(2026, 11, 5, 10))

    report = services.run_due("weekly", now=utc(2026, 11, 17, 9))
    assert (report.period_key, report.queued, report.already) == ("2026-11-16", 1, 0)
    (run,) = runs(reader)
    assert (run.period_start, run.period_end) == (utc(2026, 11, 9, 7), utc(2026, 11, 16, 7))
    assert run.case_count == 1

    # Again (a restart, a second scheduler, the next minute): nothing more.
    again = services.run_due("weekly", now=utc(2026, 11, 17, 9, 1))
    assert (again.period_key, again.queued, again.skipped, again.already) == ("2026-11-16", 0, 0, 1)
    assert len(runs(reader)) == 1
    assert len(outbox_rows("digest")) == 1
    (recorded,) = cycles()
    assert (recorded.frequency, recorded.period_key, recorded.queued) == ("weekly", "2026-11-16", 1)
    assert recorded.moment == utc(2026, 11, 16, 7) and recorded.finished_at is not None

    # The next Monday is a new period.
    make_case(author, title="Of the next week", published_at=utc(2026, 11, 20, 10))
    following = services.run_due("weekly", now=utc(2026, 11, 23, 7, 0))
    assert (following.period_key, following.queued) == ("2026-11-23", 1)
    assert [(run.period_key, run.period_start) for run in runs(reader)] == [
        ("2026-11-16", utc(2026, 11, 9, 7)),
        ("2026-11-23", utc(2026, 11, 16, 7)),
    ]


def test_run_due_before_the_moment_runs_the_previous_period(app):
    make_subscriber("ext@example.org")
    make_case(make_author(), published_at=utc(2026, 11, 20, 10))
    # Monday 23 November, 07:59 in Rome: the weekly run of that day is not due yet.
    report = services.run_due("weekly", now=utc(2026, 11, 23, 6, 59))
    assert report.period_key == "2026-11-16"


def test_catch_up_runs_every_frequency_that_is_due_once(app):
    author = make_author()
    now = utcnow()
    readers = {}
    for frequency in schedule.FREQUENCIES:
        readers[frequency] = make_subscriber(f"{frequency}@example.org", frequency=frequency, locale="en")
        make_case(
            author, title=f"Before the {frequency} moment", published_at=schedule.due_moment(frequency, now) - DAY / 24
        )
    services.catch_up()
    for frequency, reader in readers.items():
        (run,) = runs(reader)
        assert run.frequency == frequency
        assert run.period_key == schedule.period_key(frequency, schedule.due_moment(frequency, utcnow()))
        assert run.status == "queued"
    assert {(item.frequency, item.period_key) for item in cycles()} == {
        (run.frequency, run.period_key) for run in runs()
    }
    sent = drain_to_memory(app)
    assert sorted(sent) == ["daily@example.org", "monthly@example.org", "weekly@example.org"]

    summary = services.catch_up()
    assert "0 queued" in summary and "1 done before" in summary
    assert len(runs()) == 3
    assert drain_to_memory(app) == {}


# -- the scheduler ---------------------------------------------------------------------------------


def test_the_digest_jobs_are_cron_jobs_at_the_italian_times(app):
    jobs = {job_id: trigger for job_id, _function, trigger in scheduler.jobs(app)}
    assert jobs["digests.daily"] == {"trigger": "cron", "hour": 7, "minute": 30}
    assert jobs["digests.weekly"] == {"trigger": "cron", "day_of_week": "mon", "hour": 8, "minute": 0}
    assert jobs["digests.monthly"] == {"trigger": "cron", "day": 1, "hour": 8, "minute": 0}
    assert jobs["digests.catch_up"] == {"trigger": "date"}
    assert jobs["outbox.drain"] == {"trigger": "interval", "seconds": 60}


# (job, from this Rome wall-clock moment, the next fire time in Rome, its UTC offset)
FIRES = [
    ("digests.daily", rome(2026, 3, 28, 12), rome(2026, 3, 29, 7, 30), timedelta(hours=2)),
    ("digests.daily", rome(2026, 3, 28, 6), rome(2026, 3, 28, 7, 30), timedelta(hours=1)),
    ("digests.daily", rome(2026, 10, 24, 12), rome(2026, 10, 25, 7, 30), timedelta(hours=1)),
    ("digests.weekly", rome(2026, 3, 24, 12), rome(2026, 3, 30, 8), timedelta(hours=2)),
    ("digests.weekly", rome(2026, 10, 20, 12), rome(2026, 10, 26, 8), timedelta(hours=1)),
    ("digests.monthly", rome(2026, 3, 15, 12), rome(2026, 4, 1, 8), timedelta(hours=2)),
    ("digests.monthly", rome(2026, 10, 15, 12), rome(2026, 11, 1, 8), timedelta(hours=1)),
]


@pytest.fixture
def built(app):
    """The scheduler as `flask scheduler` builds it (not started): its jobs by id."""
    background = scheduler.build(app, blocking=False)
    assert not background.running
    return {job.id: job for job in background.get_jobs()}


@pytest.mark.parametrize(("job_id", "start", "expected", "offset"), FIRES)
def test_the_built_scheduler_fires_at_the_italian_wall_clock(built, job_id, start, expected, offset):
    job = built[job_id]
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger.timezone) == "Europe/Rome"
    fire = job.trigger.get_next_fire_time(None, start)
    assert fire == expected
    assert fire.utcoffset() == offset
    assert fire.astimezone(ROME).replace(tzinfo=None) == expected.replace(tzinfo=None)


@pytest.mark.parametrize("frequency", schedule.FREQUENCIES)
def test_the_scheduler_and_the_schedule_agree_for_a_year(built, frequency):
    trigger = built[f"digests.{frequency}"].trigger
    fire = trigger.get_next_fire_time(None, rome(2026, 1, 1))
    count = 0
    while fire < rome(2027, 1, 1):
        after = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        assert schedule.due_moment(frequency, fire) == fire
        assert schedule.due_moment(frequency, after - timedelta(seconds=1)) == fire
        assert schedule.previous_moment(frequency, after) == fire
        fire = after
        count += 1
    assert count == {"daily": 365, "weekly": 52, "monthly": 12}[frequency]


def test_the_built_scheduler_has_the_catch_up_and_the_drain(built):
    assert isinstance(built["digests.catch_up"].trigger, DateTrigger)
    assert isinstance(built["outbox.drain"].trigger, IntervalTrigger)
    assert built["outbox.drain"].trigger.interval == timedelta(seconds=60)
    for job in built.values():
        assert job.max_instances == 1 and job.coalesce is True


def test_a_built_job_runs_in_its_own_app_context_and_commits(app, built):
    make_subscriber("ext@example.org", frequency="daily", locale="en")
    make_case(make_author(), published_at=schedule.due_moment("daily", utcnow()) - DAY / 24)
    job = built["digests.daily"]
    job.func(*job.args)
    assert [item.frequency for item in cycles()] == ["daily"]
    assert [run.status for run in runs()] == ["queued"]
    drain = built["outbox.drain"]
    drain.func(*drain.args)
    assert [row.status for row in outbox_rows("digest")] == ["sent"]


def test_running_every_job_twice_sends_each_digest_once(app, mail_outbox):
    for frequency in schedule.FREQUENCIES:
        make_subscriber(f"{frequency}@example.org", frequency=frequency, locale="en")
    now = utcnow()
    author = make_author()
    for frequency in schedule.FREQUENCIES:
        make_case(author, published_at=schedule.due_moment(frequency, now) - DAY / 24)
    scheduler.run_once(app)
    scheduler.run_once(app)
    recipients = sorted(message["To"] for message in mail_outbox)
    assert recipients == ["daily@example.org", "monthly@example.org", "weekly@example.org"]
