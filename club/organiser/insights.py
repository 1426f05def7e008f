"""Cross-silo insights for the organiser console: who learns from whom, and does the digest reach them.

The club exists to break silos, so its organisers want to see whether it does. Three figures answer:

- the sharing matrix: for each pair (the actor's sector, the case's sector), and likewise for
  functions, how much activity (reads, useful marks, comments, votes) members of one silo spent on
  cases of another;
- the crossing share, month by month: of that activity, how much crossed silos;
- the digest's reach, month by month: how many digests were sent, skipped and bounced.

The SQL that counts the activity lives elsewhere; this module takes its rows as plain data (tuples of
keys and counts) and returns plain data, so the rules below are tested without a database and read the
same for SQLite and PostgreSQL rows.


The rules
=========

Same silo is the diagonal. Rows (the actor's term) and columns (the case's term) are the same list of
terms, in the same order, so the matrix is square and the cell where row and column are the same
known term is activity *within* a silo. Every other cell whose two terms are both known is activity
*across* silos.

"Not stated" is neither. An actor who left their sector blank, or a case that names none, has no
known silo on that side; activity touching it counts as *unknown*. It never counts as crossing (not
knowing where something comes from is no evidence that it comes from elsewhere; this is the rule of
club/digests/selection.py too), nor as within. The crossing share is therefore

    share = across / (within + across)

over the activity whose two sides are known, and it is None (no figure, not 0%) when there is none:
a month without known activity has no share, which a chart must show as "no data", never as 0%.

Retired terms stay visible while they carry data. Every current term gets a row and a column, even
without activity (an empty row is information: nobody from that sector took part). A retired term is
shown only when some activity involves it, so old data is never silently dropped and the console is
not cluttered with retired terms that no longer matter. The "not stated" row and column come last and
appear only when some activity has an unknown side.

Repeated keys are added up. The SQL may return the same pair (or month) on several rows, for instance
one per kind of activity; the functions here sum them, so the caller can UNION its queries freely.

Months are "YYYY-MM" keys in the club's time zone; the caller chooses the window (`last_months`) and
the functions return one entry per month of the window, zeros where nothing happened, so a chart has
no gaps and a quiet month is visibly quiet.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

_MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")

REACH_STATUSES = ("sent", "skipped", "bounced")


# --- months -------------------------------------------------------------------------------------


def last_months(today: date, count: int) -> list[str]:
    """The `count` month keys ("YYYY-MM") ending with `today`'s month, oldest first.

    Works on a month index (year x 12 + month) so it crosses year boundaries without special cases.
    `today` is the date in the club's time zone: the caller converts, this module knows no clock.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    last = today.year * 12 + (today.month - 1)
    return [_key_of_index(index) for index in range(last - count + 1, last + 1)]


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of `month` ("YYYY-MM") and the first day of the next: a half-open range [start, end)."""
    year, number = _parse_month(month)
    start = date(year, number, 1)
    index = year * 12 + number  # the next month's index (months are 0-based in the index)
    end = date(index // 12, index % 12 + 1, 1)
    return start, end


def _key_of_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _parse_month(month: str) -> tuple[int, int]:
    match = _MONTH_KEY.fullmatch(str(month))
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValueError(f"not a month key (YYYY-MM): {month!r}")
    return int(match.group(1)), int(match.group(2))


def _month_key(value) -> str:
    """A row's month as a "YYYY-MM" key: SQL may give a string (strftime) or a date (date_trunc)."""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]


def _count(value) -> int:
    number = int(value or 0)
    if number < 0:
        raise ValueError(f"a count cannot be negative: {value!r}")
    return number


# --- the sharing matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """One row (and the same column) of the matrix: a taxonomy term, or "not stated" when key is None."""

    key: int | None
    label: str
    retired: bool = False

    @property
    def unknown(self) -> bool:
        return self.key is None


@dataclass
class Matrix:
    """Activity counts by (actor's term, case's term); rows and columns are the same axis list.

    `counts` holds only the pairs that have activity; `count()` answers 0 for the others.
    """

    rows: list[Axis]
    columns: list[Axis]
    counts: dict[tuple[int | None, int | None], int] = field(default_factory=dict)

    def count(self, row_key: int | None, col_key: int | None) -> int:
        return self.counts.get((row_key, col_key), 0)

    def row_total(self, key: int | None) -> int:
        """All the activity of actors of this term, on cases of any term (known or not)."""
        return sum(value for (row, _col), value in self.counts.items() if row == key)

    def column_total(self, key: int | None) -> int:
        """All the activity on cases of this term, by actors of any term (known or not)."""
        return sum(value for (_row, col), value in self.counts.items() if col == key)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def within(self) -> int:
        """The diagonal: both sides known and the same term, i.e. activity inside one silo."""
        return sum(value for (row, col), value in self.counts.items() if self.is_diagonal(row, col))

    @property
    def across(self) -> int:
        """Both sides known and different: activity that crossed silos."""
        return sum(
            value for (row, col), value in self.counts.items() if row is not None and col is not None and row != col
        )

    @property
    def unknown(self) -> int:
        """At least one side not stated: neither within nor across (see the module's rules)."""
        return sum(value for (row, col), value in self.counts.items() if row is None or col is None)

    @property
    def share_across(self) -> float | None:
        """across / (within + across); None, not 0, when no activity has both sides known."""
        return _share(self.within, self.across)

    @property
    def max_count(self) -> int:
        return max(self.counts.values(), default=0)

    def level(self, count: int) -> int:
        """A shading level 0..4 for a cell, relative to the busiest cell of the matrix (M).

        0 means no activity at all, and only that: a cell with a single read is never drawn blank.
        Otherwise the level is the quarter of M the count falls in, rounding up:
        (0, M/4] -> 1, (M/4, M/2] -> 2, (M/2, 3M/4] -> 3, (3M/4, M] -> 4 (that is ceil(4 x count / M),
        computed in integers so the boundaries are exact). The diagonal and the "not stated" cells take
        part in M like any other: the shading answers "where is the activity", the totals answer the rest.
        """
        if count <= 0:
            return 0
        peak = self.max_count
        if peak <= 0 or count >= peak:
            return 4
        return max(1, min(4, -(-4 * count // peak)))

    def is_diagonal(self, row_key: int | None, col_key: int | None) -> bool:
        """Same known term on both sides: the "same silo" cell. The "not stated" pair is not a silo."""
        return row_key is not None and row_key == col_key


def build_matrix(
    cells: Iterable[tuple[int | None, int | None, int]],
    terms: Sequence[tuple[int, str, bool]],
    *,
    unknown_label: str,
) -> Matrix:
    """The square sharing matrix from counted cells and the taxonomy's terms.

    cells: (actor's term key, case's term key, count); a pair may come on several rows: they add up.
    terms: (key, label, retired) for every term of the taxonomy, in display order.

    The axes (the same list for rows and columns, so the diagonal is "same silo"): every current term
    in the given order, each retired term with some activity at its place in that order, then a term
    key that `terms` does not know (it should not happen: terms are retired, not deleted) as a retired
    axis labelled "#key", so that no activity is dropped, and last "not stated" (`unknown_label`) when
    some activity has an unknown side. Cells whose counts add up to 0 are not activity.
    """
    counts: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for actor_key, case_key, value in cells:
        counts[(actor_key, case_key)] += _count(value)
    counts = {pair: value for pair, value in counts.items() if value > 0}

    used: set[int | None] = set()
    for actor_key, case_key in counts:
        used.add(actor_key)
        used.add(case_key)

    axes: list[Axis] = []
    listed: set[int] = set()
    for key, label, retired in terms:
        if key in listed:
            continue
        listed.add(key)
        if not retired or key in used:
            axes.append(Axis(key, str(label), bool(retired)))
    strays = sorted(key for key in used if key is not None and key not in listed)
    axes.extend(Axis(key, f"#{key}", True) for key in strays)
    if None in used:
        axes.append(Axis(None, str(unknown_label)))
    return Matrix(rows=list(axes), columns=list(axes), counts=counts)


# --- the crossing share by month ------------------------------------------------------------------


def _share(within: int, across: int) -> float | None:
    known = within + across
    return across / known if known else None


@dataclass(frozen=True)
class MonthShare:
    """One month's activity split by silo: within, across, and unknown (a side not stated)."""

    month: str
    within: int
    across: int
    unknown: int

    @property
    def share(self) -> float | None:
        """across / (within + across); None when the month has no activity with both sides known."""
        return _share(self.within, self.across)

    @property
    def total(self) -> int:
        return self.within + self.across + self.unknown


def monthly_shares(
    rows: Iterable[tuple[str, bool | None, int]],
    months: Sequence[str],
) -> list[MonthShare]:
    """One MonthShare per month of `months`, in that order, zeros where there is no row.

    rows: (month, crossing, count); crossing True = across silos, False = within, None = unknown (a side
    not stated). SQLite gives booleans as 1/0: any non-None value is read as a truth value. Repeated
    (month, crossing) rows add up; rows of months outside `months` are ignored (the SQL may overshoot).
    """
    wanted = set(months)
    tally: dict[str, list[int]] = {month: [0, 0, 0] for month in wanted}
    for month, crossing, value in rows:
        key = _month_key(month)
        if key not in wanted:
            continue
        slot = 2 if crossing is None else (1 if crossing else 0)
        tally[key][slot] += _count(value)
    return [MonthShare(month, *tally[month]) for month in months]


def overall_share(shares: Iterable[MonthShare]) -> float | None:
    """The crossing share of the whole period: summed counts, not an average of monthly shares.

    A quiet month with 1 crossing read out of 1 must not weigh as much as a busy one.
    """
    within = across = 0
    for share in shares:
        within += share.within
        across += share.across
    return _share(within, across)


# --- digest reach ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReachMonth:
    """One month of digests: sent (handed to the mail server), skipped (nothing to send), bounced."""

    month: str
    sent: int
    skipped: int
    bounced: int

    @property
    def total(self) -> int:
        return self.sent + self.skipped + self.bounced


def reach_by_month(rows: Iterable[tuple[str, str, int]], months: Sequence[str]) -> list[ReachMonth]:
    """One ReachMonth per month of `months`, zeros where there is no row.

    rows: (month, status, count) with status "sent", "skipped" or "bounced"; repeated keys add up.
    Other statuses (pending, failed for now and retried...) are not reach and are ignored, as are
    months outside `months`.
    """
    wanted = set(months)
    tally: dict[str, dict[str, int]] = {month: dict.fromkeys(REACH_STATUSES, 0) for month in wanted}
    for month, status, value in rows:
        key = _month_key(month)
        if key not in wanted or status not in REACH_STATUSES:
            continue
        tally[key][status] += _count(value)
    return [ReachMonth(month, **tally[month]) for month in months]
