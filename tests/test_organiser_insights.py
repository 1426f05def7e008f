"""The cross-silo insights' arithmetic (club/organiser/insights.py): pure functions, no app, no database.

A hand-counted three-sector example fixes within / across / unknown and the share; the other tests
prove one rule each: repeated pairs add up, retired terms show only with data, "not stated" only
when needed, month keys across a year boundary, digest reach.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from club.organiser.insights import (
    Axis,
    Matrix,
    MonthShare,
    ReachMonth,
    build_matrix,
    last_months,
    month_bounds,
    monthly_shares,
    overall_share,
    reach_by_month,
)

BANKS, TELCO, UTILITY, RETIRED = 1, 2, 3, 9
TERMS = [
    (BANKS, "Banche", False),
    (TELCO, "Telco", False),
    (UTILITY, "Utility", False),
    (RETIRED, "Assicurazioni (old)", True),
]


# --- months ---------------------------------------------------------------------------------------


def test_last_months_end_with_today_and_cross_the_year():
    assert last_months(date(2026, 2, 17), 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert last_months(date(2026, 1, 1), 1) == ["2026-01"]
    assert last_months(date(2025, 12, 31), 13) == [f"2024-{m:02d}" for m in range(12, 13)] + [
        f"2025-{m:02d}" for m in range(1, 13)
    ]
    assert len(last_months(date(2026, 6, 1), 36)) == 36
    assert last_months(date(2026, 6, 1), 36)[0] == "2023-07"


def test_last_months_needs_a_positive_count():
    with pytest.raises(ValueError):
        last_months(date(2026, 1, 1), 0)


def test_month_bounds_is_half_open_and_crosses_the_year():
    assert month_bounds("2026-02") == (date(2026, 2, 1), date(2026, 3, 1))
    assert month_bounds("2025-12") == (date(2025, 12, 1), date(2026, 1, 1))
    for bad in ("2026-13", "2026-00", "2026-1", "26-01", "2026-01-01", ""):
        with pytest.raises(ValueError):
            month_bounds(bad)


# --- the matrix -----------------------------------------------------------------------------------


def hand_counted() -> Matrix:
    """Three sectors; actor's sector first, case's sector second.

                    case: Banche  Telco  Utility  n.d.
        actor Banche        10      4       1       2
              Telco          3      8       0       0
              Utility        0      5       6       0
              n.d.           1      0       0       0

    within  = 10 + 8 + 6                    = 24
    across  = 4 + 1 + 3 + 5                 = 13
    unknown = 2 (Banche -> n.d.) + 1 (n.d. -> Banche) = 3
    share   = 13 / (24 + 13)                = 13/37
    """
    cells = [
        (BANKS, BANKS, 6),
        (BANKS, BANKS, 4),  # the same pair again (say, useful marks after reads): it adds up
        (BANKS, TELCO, 4),
        (BANKS, UTILITY, 1),
        (BANKS, None, 2),
        (TELCO, BANKS, 3),
        (TELCO, TELCO, 8),
        (TELCO, UTILITY, 0),  # a zero row is no activity
        (UTILITY, TELCO, 5),
        (UTILITY, UTILITY, 6),
        (None, BANKS, 1),
    ]
    return build_matrix(cells, TERMS, unknown_label="non indicato")


def test_hand_counted_matrix():
    matrix = hand_counted()
    assert matrix.within == 24
    assert matrix.across == 13
    assert matrix.unknown == 3
    assert matrix.total == 40 == matrix.within + matrix.across + matrix.unknown
    assert matrix.share_across == pytest.approx(13 / 37)
    assert matrix.count(BANKS, BANKS) == 10
    assert matrix.count(TELCO, UTILITY) == 0
    assert matrix.count(UTILITY, BANKS) == 0
    assert matrix.row_total(BANKS) == 17
    assert matrix.row_total(None) == 1
    assert matrix.column_total(BANKS) == 14
    assert matrix.column_total(None) == 2
    assert sum(matrix.row_total(axis.key) for axis in matrix.rows) == matrix.total
    assert sum(matrix.column_total(axis.key) for axis in matrix.columns) == matrix.total


def test_axes_are_square_in_taxonomy_order_with_not_stated_last():
    matrix = hand_counted()
    assert matrix.rows == matrix.columns
    assert matrix.rows == [
        Axis(BANKS, "Banche"),
        Axis(TELCO, "Telco"),
        Axis(UTILITY, "Utility"),
        Axis(None, "non indicato"),
    ]


def test_the_diagonal_is_same_known_silo():
    matrix = hand_counted()
    assert matrix.is_diagonal(TELCO, TELCO)
    assert not matrix.is_diagonal(TELCO, BANKS)
    assert not matrix.is_diagonal(None, None)  # "not stated" is not a silo
    unknown_both = build_matrix([(None, None, 5), (1, 1, 1)], TERMS, unknown_label="n.d.")
    assert unknown_both.unknown == 5
    assert unknown_both.within == 1
    assert unknown_both.across == 0


def test_repeated_pairs_add_up():
    matrix = build_matrix([(1, 2, 3), (1, 2, 4), (2, 1, 1), (1, 2, 0)], TERMS, unknown_label="n.d.")
    assert matrix.count(1, 2) == 7
    assert matrix.across == 8
    assert matrix.counts == {(1, 2): 7, (2, 1): 1}


def test_retired_term_shows_only_with_data_at_its_place():
    terms = [(BANKS, "Banche", False), (RETIRED, "Old", True), (TELCO, "Telco", False)]
    without = build_matrix([(BANKS, TELCO, 2)], terms, unknown_label="n.d.")
    assert [axis.key for axis in without.rows] == [BANKS, TELCO]

    as_case = build_matrix([(BANKS, RETIRED, 2)], terms, unknown_label="n.d.")
    assert as_case.rows == [Axis(BANKS, "Banche"), Axis(RETIRED, "Old", True), Axis(TELCO, "Telco")]
    assert as_case.across == 2

    as_actor = build_matrix([(RETIRED, RETIRED, 1)], terms, unknown_label="n.d.")
    assert [axis.key for axis in as_actor.columns] == [BANKS, RETIRED, TELCO]
    assert as_actor.within == 1

    only_zero = build_matrix([(RETIRED, BANKS, 0)], terms, unknown_label="n.d.")
    assert RETIRED not in [axis.key for axis in only_zero.rows]


def test_current_terms_show_even_without_data_and_not_stated_only_when_needed():
    empty = build_matrix([], TERMS, unknown_label="n.d.")
    assert [axis.key for axis in empty.rows] == [BANKS, TELCO, UTILITY]
    assert empty.total == empty.within == empty.across == empty.unknown == 0
    assert empty.share_across is None
    assert empty.level(0) == 0

    known_only = build_matrix([(1, 2, 1)], TERMS, unknown_label="n.d.")
    assert None not in [axis.key for axis in known_only.rows]
    assert known_only.share_across == 1.0

    unknown_actor = build_matrix([(None, 2, 1)], TERMS, unknown_label="n.d.")
    assert unknown_actor.rows[-1] == Axis(None, "n.d.")
    assert unknown_actor.columns[-1] == Axis(None, "n.d.")
    assert unknown_actor.share_across is None  # only unknown activity: no share, not 0%


def test_a_key_missing_from_the_taxonomy_is_kept_not_dropped():
    matrix = build_matrix([(1, 77, 2)], TERMS, unknown_label="n.d.")
    assert matrix.rows[-1] == Axis(77, "#77", True)
    assert matrix.across == 2


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        build_matrix([(1, 2, -1)], TERMS, unknown_label="n.d.")


def test_levels_are_quarters_of_the_busiest_cell():
    matrix = Matrix(rows=[], columns=[], counts={(1, 1): 100, (1, 2): 1})
    assert matrix.level(0) == 0
    assert matrix.level(1) == 1  # any activity is visible
    assert matrix.level(25) == 1
    assert matrix.level(26) == 2
    assert matrix.level(50) == 2
    assert matrix.level(51) == 3
    assert matrix.level(75) == 3
    assert matrix.level(76) == 4
    assert matrix.level(100) == 4
    small = Matrix(rows=[], columns=[], counts={(1, 1): 3})
    assert [small.level(n) for n in range(4)] == [0, 2, 3, 4]


def test_labels_may_be_lazy_strings_or_plain():
    class Lazy:
        def __str__(self):
            return "Pubblica amministrazione"

    matrix = build_matrix([], [(1, Lazy(), False)], unknown_label="n.d.")
    assert matrix.rows[0].label == "Pubblica amministrazione"


# --- shares by month ------------------------------------------------------------------------------


def test_monthly_shares_sum_fill_and_ignore():
    months = ["2025-12", "2026-01", "2026-02"]
    rows = [
        ("2025-12", False, 3),
        ("2025-12", True, 1),
        ("2025-12", True, 2),  # repeated key: adds up
        ("2025-12", None, 4),
        ("2026-02", None, 5),  # only unknown activity
        ("2025-11", True, 100),  # outside the window
        (date(2026, 1, 1), 1, 1),  # a date month (date_trunc) and SQLite's 1 for True
        (datetime(2026, 1, 1), 0, 1),
    ]
    shares = monthly_shares(rows, months)
    assert shares == [
        MonthShare("2025-12", within=3, across=3, unknown=4),
        MonthShare("2026-01", within=1, across=1, unknown=0),
        MonthShare("2026-02", within=0, across=0, unknown=5),
    ]
    assert shares[0].share == 0.5
    assert shares[2].share is None
    assert monthly_shares([], months)[1] == MonthShare("2026-01", 0, 0, 0)


def test_overall_share_weighs_by_counts_not_by_months():
    shares = [MonthShare("2026-01", 0, 1, 0), MonthShare("2026-02", 9, 0, 7), MonthShare("2026-03", 0, 0, 3)]
    # averaging the monthly shares would say (1 + 0) / 2 = 50%; the counts say 1 of 10
    assert overall_share(shares) == pytest.approx(0.1)
    assert overall_share([MonthShare("2026-01", 0, 0, 3)]) is None
    assert overall_share([]) is None


# --- digest reach ---------------------------------------------------------------------------------


def test_reach_by_month():
    months = last_months(date(2026, 1, 15), 2)
    rows = [
        ("2025-12", "sent", 40),
        ("2025-12", "sent", 2),
        ("2025-12", "bounced", 1),
        ("2025-12", "pending", 9),  # not reach
        ("2026-01", "skipped", 5),
        ("2024-01", "sent", 99),  # outside the window
    ]
    assert reach_by_month(rows, months) == [
        ReachMonth("2025-12", sent=42, skipped=0, bounced=1),
        ReachMonth("2026-01", sent=0, skipped=5, bounced=0),
    ]
    assert reach_by_month(rows, months)[0].total == 43
