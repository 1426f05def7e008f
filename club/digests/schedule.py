"""When digests go out: daily at 07:30, weekly on Monday at 08:00, monthly on the 1st at 08:00, all in
Italian time, whatever the daylight-saving rules do. Pure functions of "now".

A run is named by its period key (the Italian date of its moment, or the month for monthly runs), so
a run that already happened is recognised, and one missed during downtime is run once, late.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from club.core.timeutil import ROME

CLOCK = {"daily": time(7, 30), "weekly": time(8, 0), "monthly": time(8, 0)}
FREQUENCIES = tuple(CLOCK)
# APScheduler cron arguments for the same moments (the scheduler runs in Europe/Rome).
CRON = {
    "daily": {"hour": 7, "minute": 30},
    "weekly": {"day_of_week": "mon", "hour": 8, "minute": 0},
    "monthly": {"day": 1, "hour": 8, "minute": 0},
}


def _at(day: date, frequency: str) -> datetime:
    return datetime.combine(day, CLOCK[frequency], tzinfo=ROME).astimezone(UTC)


def _scheduled_day_on_or_before(frequency: str, day: date) -> date:
    if frequency == "daily":
        return day
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def due_moment(frequency: str, now: datetime) -> datetime:
    """The latest scheduled moment at or before `now` (UTC)."""
    local_day = now.astimezone(ROME).date()
    moment = _at(_scheduled_day_on_or_before(frequency, local_day), frequency)
    if moment > now:
        moment = previous_moment(frequency, moment)
    return moment


def previous_moment(frequency: str, moment: datetime) -> datetime:
    day = moment.astimezone(ROME).date()
    if frequency == "daily":
        return _at(day - timedelta(days=1), frequency)
    if frequency == "weekly":
        return _at(day - timedelta(days=7), frequency)
    last_month = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    return _at(last_month, frequency)


def period_key(frequency: str, moment: datetime) -> str:
    day = moment.astimezone(ROME).date()
    return day.strftime("%Y-%m") if frequency == "monthly" else day.isoformat()
