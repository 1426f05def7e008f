"""The cross-silo selection of a digest's case studies (club/digests/selection.py).

Pure functions on plain data: no app, no database. Crafted cases prove each rule of the module's docstring
(relevance, variety, the half-or-more cross-silo share, reasons, the spread for subscribers without a profile,
ties, limit); a seeded property test checks the share and the determinism on a few hundred random digests and
compares the lazy greedy loop with a plain, eager reading of the rules.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from club.digests.selection import (
    COMPETENCE_SATURATION,
    DEFAULT_LIMIT,
    MMR_LAMBDA,
    REASONS,
    SIMILARITY_COMPETENCES,
    SIMILARITY_FUNCTIONS,
    SIMILARITY_SAME_SECTOR,
    USEFUL_SATURATION,
    WEIGHT_RECENCY,
    Candidate,
    Pick,
    Reader,
    Selection,
    is_cross_silo,
    relevance,
    select,
)

NOW = datetime(2025, 5, 12, 7, 0, tzinfo=UTC)

# The reader of most crafted cases: a banking (sector 1) contact-centre head (function 10).
BANK, UTILITY, TELCO, RETAIL, PUBLIC = 1, 2, 3, 4, 5
CONTACT_CENTRE, MARKETING, HR, IT = 10, 11, 12, 13
READER = Reader(
    sector_id=BANK,
    function_id=CONTACT_CENTRE,
    competence_ids=frozenset({102}),
    followed_competence_ids=frozenset({100, 101}),
)


def case(
    case_id: int,
    sector: int | None,
    functions: Iterable[int] = (),
    competences: Iterable[int] = (),
    useful: int = 0,
    age_days: float = 1.0,
) -> Candidate:
    return Candidate(
        case_id=case_id,
        sector_id=sector,
        function_ids=frozenset(functions),
        competence_ids=frozenset(competences),
        useful_count=useful,
        published_at=NOW - timedelta(days=age_days),
    )


def ids(selection: Selection) -> list[int]:
    return [pick.case_id for pick in selection.picks]


def cross_count(selection: Selection, candidates: Sequence[Candidate], reader: Reader) -> int:
    by_id = {c.case_id: c for c in candidates}
    return sum(is_cross_silo(by_id[pick.case_id], reader) for pick in selection.picks)


def by_relevance(candidates: Sequence[Candidate], reader: Reader | None) -> list[int]:
    return [c.case_id for c in sorted(candidates, key=lambda c: -relevance(c, reader, NOW))]


def fillers(first_id: int, count: int = 4) -> list[Candidate]:
    """Old, unmarked cases from far-away sectors: they stretch the relevance range, so that the rescaling to
    [0, 1] leaves the crafted cases near-equal instead of spreading them over the whole range."""
    return [case(first_id + k, 50 + k, [60 + k], [70 + k], age_days=120) for k in range(count)]


# -- cross-silo ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidate", "reader", "expected"),
    [
        (case(1, UTILITY, [CONTACT_CENTRE]), READER, True),  # another sector
        (case(1, BANK, [CONTACT_CENTRE, IT]), READER, False),  # same sector, serves the reader's function
        (case(1, BANK, [MARKETING, IT]), READER, True),  # same sector, none of the reader's function
        (case(1, BANK, []), READER, False),  # names no function: no evidence of another silo
        (case(1, None, [CONTACT_CENTRE]), READER, False),  # names no sector
        (case(1, None, [HR]), READER, True),
        (case(1, None, []), READER, False),
        (case(1, BANK, [CONTACT_CENTRE]), Reader(None, CONTACT_CENTRE), True),  # blank sector: any sector is other
        (case(1, BANK, [CONTACT_CENTRE]), Reader(BANK, None), True),  # blank function: any function is other
        (case(1, None, []), Reader(None, None), False),
    ],
)
def test_is_cross_silo(candidate: Candidate, reader: Reader, expected: bool) -> None:
    assert is_cross_silo(candidate, reader) is expected


# -- relevance -----------------------------------------------------------------------------------------


def test_a_followed_competence_beats_a_profile_one_which_beats_a_random_one() -> None:
    followed = relevance(case(1, BANK, [CONTACT_CENTRE], [100]), READER, NOW)
    profile = relevance(case(2, BANK, [CONTACT_CENTRE], [102]), READER, NOW)
    random_one = relevance(case(3, BANK, [CONTACT_CENTRE], [999]), READER, NOW)
    assert followed > profile > random_one


def test_shared_competences_saturate() -> None:
    reader = Reader(BANK, CONTACT_CENTRE, followed_competence_ids=frozenset({1, 2, 3, 4}))
    scores = [relevance(case(1, BANK, [], range(1, n + 1)), reader, NOW) for n in range(5)]
    assert scores[0] < scores[1] < scores[COMPETENCE_SATURATION]
    assert scores[COMPETENCE_SATURATION:] == [scores[COMPETENCE_SATURATION]] * (5 - COMPETENCE_SATURATION)


def test_followed_sector_and_function_give_a_small_bonus() -> None:
    reader = Reader(
        BANK,
        CONTACT_CENTRE,
        followed_sector_ids=frozenset({TELCO}),
        followed_function_ids=frozenset({HR}),
        followed_competence_ids=frozenset({100}),
    )
    plain = relevance(case(1, UTILITY, [MARKETING]), reader, NOW)
    sector = relevance(case(2, TELCO, [MARKETING]), reader, NOW)
    function = relevance(case(3, UTILITY, [HR, MARKETING]), reader, NOW)
    competence = relevance(case(4, UTILITY, [MARKETING], [100]), reader, NOW)
    assert plain < sector and plain < function
    assert sector - plain < competence - plain and function - plain < competence - plain


def test_recency_halves_every_week_and_a_future_date_counts_as_now() -> None:
    today = relevance(case(1, BANK, age_days=0), None, NOW)
    week = relevance(case(2, BANK, age_days=7), None, NOW)
    fortnight = relevance(case(3, BANK, age_days=14), None, NOW)
    assert today == pytest.approx(WEIGHT_RECENCY)
    assert week == pytest.approx(WEIGHT_RECENCY / 2)
    assert fortnight == pytest.approx(WEIGHT_RECENCY / 4)
    assert relevance(case(4, BANK, age_days=-3), None, NOW) == today


def test_useful_marks_count_with_diminishing_returns_and_a_cap() -> None:
    def score(useful: int) -> float:
        return relevance(case(1, BANK, useful=useful, age_days=30), READER, NOW)

    assert score(0) < score(1) < score(10) < score(USEFUL_SATURATION)
    assert score(1) - score(0) > score(11) - score(10)
    assert score(USEFUL_SATURATION) == score(10 * USEFUL_SATURATION)


def test_relevance_is_bounded_and_without_a_profile_only_marks_and_recency_count() -> None:
    reader = Reader(
        BANK,
        CONTACT_CENTRE,
        competence_ids=frozenset({1, 2}),
        followed_sector_ids=frozenset({BANK}),
        followed_function_ids=frozenset({CONTACT_CENTRE}),
        followed_competence_ids=frozenset({1, 2}),
    )
    best = case(1, BANK, [CONTACT_CENTRE], [1, 2], useful=1000, age_days=0)
    assert relevance(best, reader, NOW) == pytest.approx(1.0)
    assert 0.0 <= relevance(case(2, None, age_days=10_000), reader, NOW) < 1e-9
    assert relevance(best, None, NOW) == pytest.approx(relevance(case(3, TELCO, useful=1000, age_days=0), reader, NOW))


def test_recency_and_useful_marks_order_the_digest() -> None:
    reader = Reader(None, None)  # everything is cross-silo, so only relevance and variety decide
    candidates = [
        case(1, UTILITY, [HR], age_days=20),
        case(2, TELCO, [IT], age_days=1),
        case(3, RETAIL, [MARKETING], useful=40, age_days=20),
    ]
    assert ids(select(candidates, reader, NOW, limit=1)) == [2]
    assert by_relevance(candidates, reader) == [2, 3, 1]
    assert ids(select(candidates, reader, NOW)) == [2, 3, 1]


# -- the half-or-more cross-silo share ----------------------------------------------------------------------


def banking_cluster() -> list[Candidate]:
    """Fresh, much-marked banking contact-centre cases on the reader's followed competences (same silo), and old
    unmarked cases from elsewhere (cross-silo): relevance alone would fill any digest with the former."""
    same = [case(k, BANK, [CONTACT_CENTRE], [100, 101, 102], useful=30, age_days=0.1 * k) for k in range(1, 9)]
    other = [case(20 + k, UTILITY + k % 4, [MARKETING + k % 3], [200 + k], age_days=60 + k) for k in range(1, 9)]
    return same + other


@pytest.mark.parametrize("limit", range(1, 9))
def test_half_or_more_are_cross_silo_even_when_relevance_says_otherwise(limit: int) -> None:
    candidates = banking_cluster()
    assert all(not is_cross_silo(c, READER) for c in candidates if c.case_id in by_relevance(candidates, READER)[:8])
    selection = select(candidates, READER, NOW, limit=limit)
    assert len(selection.picks) == limit
    assert cross_count(selection, candidates, READER) == math.ceil(limit / 2)


def test_the_share_is_kept_inside_the_loop_the_other_silos_come_when_the_slots_run_short() -> None:
    picks = select(banking_cluster(), READER, NOW, limit=6).picks
    # MMR picks the relevant same-silo cases while there is room, then only cross-silo ones are eligible:
    # the share shapes the choice of the last picks, it does not swap picks afterwards.
    assert [pick.reason for pick in picks] == ["followed_competence"] * 3 + ["other_sector"] * 3
    assert [pick.case_id for pick in picks[:3]] == [1, 2, 3]


def test_a_function_from_another_silo_counts_as_cross_silo() -> None:
    candidates = [c for c in banking_cluster() if c.case_id < 20] + [
        case(30, BANK, [HR], age_days=90),
        case(31, BANK, [IT], age_days=95),
    ]
    selection = select(candidates, READER, NOW, limit=4)
    assert sorted(ids(selection)[2:]) == [30, 31]
    assert [pick.reason for pick in selection.picks[2:]] == ["other_function", "other_function"]


def test_when_too_few_cross_silo_cases_exist_all_of_them_are_picked() -> None:
    candidates = [c for c in banking_cluster() if c.case_id < 20] + [case(40, PUBLIC, [HR], age_days=300)]
    selection = select(candidates, READER, NOW, limit=8)
    assert 40 in ids(selection)
    assert len(selection.picks) == 8 and selection.more == 1


def test_without_cross_silo_cases_the_digest_is_still_full() -> None:
    candidates = [c for c in banking_cluster() if c.case_id < 20]
    selection = select(candidates, READER, NOW, limit=5)
    assert len(selection.picks) == 5
    assert cross_count(selection, candidates, READER) == 0


def test_a_digest_of_one_case_shows_another_silo() -> None:
    assert ids(select(banking_cluster(), READER, NOW, limit=1)) == [21]


# -- variety ---------------------------------------------------------------------------------------------


def test_near_equal_cases_spread_over_sectors_instead_of_clustering() -> None:
    reader = Reader(PUBLIC, HR)
    candidates = [
        case(1, UTILITY, [CONTACT_CENTRE], [1], age_days=1.00),
        case(2, UTILITY, [CONTACT_CENTRE], [1], age_days=1.01),
        case(3, UTILITY, [CONTACT_CENTRE], [1], age_days=1.02),
        case(4, TELCO, [MARKETING], [2], age_days=1.10),
        case(5, RETAIL, [IT], [3], age_days=1.11),
        *fillers(90),
    ]
    assert by_relevance(candidates, reader)[:3] == [1, 2, 3]
    assert ids(select(candidates, reader, NOW, limit=3)) == [1, 4, 5]


def test_near_equal_cases_of_one_sector_spread_over_functions() -> None:
    reader = Reader(PUBLIC, HR)
    candidates = [
        case(1, TELCO, [CONTACT_CENTRE], [1], age_days=1.00),
        case(2, TELCO, [CONTACT_CENTRE], [1], age_days=1.01),
        case(3, TELCO, [MARKETING], [2], age_days=1.10),
        case(4, TELCO, [IT], [3], age_days=1.11),
        *fillers(90),
    ]
    assert ids(select(candidates, reader, NOW, limit=3)) == [1, 3, 4]


def test_mmr_skips_a_near_duplicate() -> None:
    reader = Reader(PUBLIC, HR)
    original = case(1, UTILITY, [CONTACT_CENTRE], [50, 51], useful=10, age_days=2.0)
    duplicate = case(2, UTILITY, [CONTACT_CENTRE], [50, 51], useful=10, age_days=2.2)
    different = case(3, TELCO, [MARKETING], [60], useful=10, age_days=2.6)
    candidates = [original, duplicate, different, *fillers(90)]
    assert by_relevance(candidates, reader)[:3] == [1, 2, 3]
    assert ids(select(candidates, reader, NOW, limit=2)) == [1, 3]
    assert ids(select(candidates, reader, NOW, limit=3)) == [1, 3, 2]
    # With nothing else to show, the duplicate still makes it.
    assert ids(select([original, duplicate], reader, NOW, limit=2)) == [1, 2]


def test_relevance_still_leads_over_variety() -> None:
    reader = Reader(PUBLIC, HR)
    strong = [case(k, UTILITY, [CONTACT_CENTRE], [1], useful=40, age_days=0.1 * k) for k in range(1, 4)]
    weak = case(9, TELCO, [MARKETING], [2], age_days=90)
    assert ids(select([*strong, weak], reader, NOW, limit=3)) == [1, 2, 3]


# -- reasons ---------------------------------------------------------------------------------------------


FOLLOWER = Reader(
    sector_id=BANK,
    function_id=CONTACT_CENTRE,
    followed_sector_ids=frozenset({BANK, PUBLIC}),
    followed_function_ids=frozenset({MARKETING, HR}),
    followed_competence_ids=frozenset({100, 101}),
)


@pytest.mark.parametrize(
    ("candidate", "reader", "reason", "subject"),
    [
        (case(1, PUBLIC, [CONTACT_CENTRE], [100]), FOLLOWER, "other_sector", PUBLIC),
        (case(1, None, [IT, HR]), FOLLOWER, "other_function", HR),
        (case(1, BANK, [IT, HR], [100]), FOLLOWER, "other_function", HR),
        (case(1, BANK, [CONTACT_CENTRE, HR], [101, 100, 7]), FOLLOWER, "followed_competence", 100),
        (case(1, BANK, [CONTACT_CENTRE, HR], [7]), FOLLOWER, "followed_sector", BANK),
        (
            case(1, BANK, [CONTACT_CENTRE, HR, MARKETING]),
            Reader(BANK, CONTACT_CENTRE, followed_function_ids=frozenset({HR, MARKETING})),
            "followed_function",
            MARKETING,
        ),
        (case(1, BANK, [CONTACT_CENTRE], [7], useful=3), READER, "popular", None),
        (case(1, None, [CONTACT_CENTRE], useful=1), FOLLOWER, "popular", None),
        (case(1, BANK, [CONTACT_CENTRE]), READER, "recent", None),
        (case(1, None, []), FOLLOWER, "recent", None),
    ],
)
def test_reasons(candidate: Candidate, reader: Reader, reason: str, subject: int | None) -> None:
    assert select([candidate], reader, NOW).picks == [Pick(candidate.case_id, reason, subject)]


# -- subscribers without a profile --------------------------------------------------------------------------


def no_profile_candidates() -> list[Candidate]:
    return [
        case(11, BANK, useful=20, age_days=0.0),
        case(12, BANK, useful=20, age_days=0.1),
        case(13, BANK, useful=20, age_days=0.2),
        case(21, UTILITY, age_days=1.0),
        case(22, UTILITY, age_days=1.1),
        case(91, None, age_days=2.0),
        case(92, None, useful=1, age_days=10.0),
        case(31, TELCO, age_days=3.0),
    ]


def test_without_a_profile_the_digest_goes_round_the_sectors() -> None:
    selection = select(no_profile_candidates(), None, NOW)
    # Groups in order of their best case: banking, utilities, no sector, telco; then round again.
    assert ids(selection) == [11, 21, 91, 31, 12, 22, 92, 13]
    assert [(pick.reason, pick.subject_id) for pick in selection.picks] == [
        ("spread", BANK),
        ("spread", UTILITY),
        ("recent", None),
        ("spread", TELCO),
        ("spread", BANK),
        ("spread", UTILITY),
        ("popular", None),
        ("spread", BANK),
    ]
    assert selection.more == 0


def test_without_a_profile_a_short_digest_takes_one_case_per_sector_first() -> None:
    selection = select(no_profile_candidates(), None, NOW, limit=5)
    assert ids(selection) == [11, 21, 91, 31, 12]
    assert selection.more == 3


def test_without_a_profile_the_half_or_more_share_does_not_apply() -> None:
    candidates = no_profile_candidates()
    assert all(pick.reason in ("spread", "popular", "recent") for pick in select(candidates, None, NOW).picks)


# -- ties, determinism, size --------------------------------------------------------------------------------


def test_ties_go_to_the_newer_case_then_the_smaller_number() -> None:
    reader = Reader(None, None)
    twins = [case(k, UTILITY, [HR], [1]) for k in (7, 3, 5)]
    assert ids(select(twins, reader, NOW)) == [3, 5, 7]
    assert ids(select(twins, None, NOW)) == [3, 5, 7]
    newer = case(9, UTILITY, [HR], [1], age_days=0.5)
    older = case(1, UTILITY, [HR], [1], useful=0, age_days=0.5)
    same_time = [newer, older]
    assert ids(select(same_time, reader, NOW)) == [1, 9]


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_input_gives_the_same_digest(seed: int) -> None:
    rng = random.Random(seed)
    candidates = random_candidates(rng, 60, coarse_ages=seed % 2 == 0)
    reader = random_reader(rng)
    expected = select(candidates, reader, NOW)
    expected_plain = select(candidates, None, NOW)
    for _ in range(5):
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        assert select(shuffled, reader, NOW) == expected
        assert select(tuple(shuffled), None, NOW) == expected_plain


def test_limit_and_more() -> None:
    candidates = banking_cluster()[:12]
    assert len(select(candidates, READER, NOW).picks) == DEFAULT_LIMIT
    assert select(candidates, READER, NOW).more == 12 - DEFAULT_LIMIT
    assert select(candidates, READER, NOW, limit=3).more == 9
    assert select(candidates, None, NOW, limit=3).more == 9
    short = select(candidates[:3], READER, NOW, limit=8)
    assert len(short.picks) == 3 and short.more == 0


@pytest.mark.parametrize("reader", [READER, None])
def test_no_candidates_no_digest(reader: Reader | None) -> None:
    assert select([], reader, NOW) == Selection(picks=[], more=0)


@pytest.mark.parametrize("limit", [0, -1])
@pytest.mark.parametrize("candidates", [[], [case(1, BANK)]])
def test_a_limit_below_one_is_an_error(limit: int, candidates: list[Candidate]) -> None:
    with pytest.raises(ValueError, match="at least one"):
        select(candidates, READER, NOW, limit=limit)


# -- property test on random digests ------------------------------------------------------------------------


def random_candidates(
    rng: random.Random, count: int, coarse_ages: bool, press: Reader | None = None
) -> list[Candidate]:
    """Random cases; coarse ages (whole days) make many exact ties. With `press`, cases that are cross-silo for
    that reader are made old and unmarked, so that relevance alone would leave them out."""
    candidates = []
    for case_id in rng.sample(range(1, 10_000), count):
        candidate = case(
            case_id,
            rng.choice([None, 1, 2, 3, 4, 5]),
            rng.sample(range(1, 7), rng.randint(0, 3)),
            rng.sample(range(1, 13), rng.randint(0, 4)),
            useful=rng.choice([0, 0, 1, 3, 10, 60]),
            age_days=rng.randint(0, 20) if coarse_ages else rng.uniform(0, 40),
        )
        if press is not None and is_cross_silo(candidate, press):
            candidate = case(
                case_id,
                candidate.sector_id,
                candidate.function_ids,
                candidate.competence_ids,
                age_days=60 + rng.randint(0, 30),
            )
        candidates.append(candidate)
    return candidates


def random_reader(rng: random.Random, blanks: bool = True) -> Reader:
    def some(stop: int, most: int) -> frozenset[int]:
        return frozenset(rng.sample(range(1, stop), rng.randint(0, most)))

    choices = [None, 1, 2, 3] if blanks else [1, 2, 3]
    return Reader(
        sector_id=rng.choice(choices),
        function_id=rng.choice(choices),
        competence_ids=some(13, 3),
        followed_sector_ids=some(6, 2),
        followed_function_ids=some(7, 2),
        followed_competence_ids=some(13, 3),
    )


def reference(candidates: Sequence[Candidate], reader: Reader, limit: int, share: bool = True) -> list[int]:
    """A plain reading of the rules: at every step, compare every eligible candidate with every pick.

    The arithmetic has the same shape as the module's (lambda applied to the rescaled relevance, 1 - lambda to
    each similarity weight), so the comparison tests the lazy loop's pruning and tie-breaking, not rounding.
    """
    ordered = sorted(candidates, key=lambda c: (-c.published_at.timestamp(), c.case_id))
    scores = [relevance(c, reader, NOW) for c in ordered]
    low, high = min(scores), max(scores)
    gains = [MMR_LAMBDA * (s - low) / (high - low) if high > low else MMR_LAMBDA for s in scores]
    weights = [(1 - MMR_LAMBDA) * w for w in (SIMILARITY_SAME_SECTOR, SIMILARITY_FUNCTIONS, SIMILARITY_COMPETENCES)]

    def similarity(a: Candidate, b: Candidate) -> float:
        total = weights[0] if a.sector_id is not None and a.sector_id == b.sector_id else 0.0
        for w, x, y in ((weights[1], a.function_ids, b.function_ids), (weights[2], a.competence_ids, b.competence_ids)):
            if x & y:
                total += w * len(x & y) / len(x | y)
        return total

    size = min(limit, len(ordered))
    cross = [is_cross_silo(c, reader) for c in ordered]
    quota = min(math.ceil(size / 2), sum(cross)) if share else 0
    chosen: list[int] = []
    while len(chosen) < size:
        needed = quota - sum(cross[j] for j in chosen)
        eligible = [i for i in range(len(ordered)) if i not in chosen and (cross[i] or needed < size - len(chosen))]
        values = {
            i: gains[i] - max((similarity(ordered[i], ordered[j]) for j in chosen), default=0.0) for i in eligible
        }
        chosen.append(max(eligible, key=lambda i: (values[i], -i)))
    return [ordered[i].case_id for i in chosen]


def test_random_digests_keep_the_share_and_match_a_plain_reading_of_the_rules() -> None:
    rng = random.Random(20250512)
    binding = 0
    for round_ in range(400):
        reader = random_reader(rng, blanks=round_ % 2 == 0)
        press = reader if round_ % 2 else None
        candidates = random_candidates(rng, rng.randint(0, 40), coarse_ages=round_ % 3 == 0, press=press)
        limit = rng.randint(1, 10)
        selection = select(candidates, reader, NOW, limit=limit)
        chosen = ids(selection)
        size = min(limit, len(candidates))
        assert len(chosen) == size and len(set(chosen)) == size
        assert selection.more == len(candidates) - size
        cross_ids = {c.case_id for c in candidates if is_cross_silo(c, reader)}
        share = math.ceil(size / 2)
        if len(cross_ids) >= share:
            assert len(cross_ids & set(chosen)) >= share
        else:
            assert cross_ids <= set(chosen)
        for pick in selection.picks:
            assert pick.reason in REASONS and pick.reason != "spread"
            assert (pick.reason in ("other_sector", "other_function")) == (pick.case_id in cross_ids)
        if candidates:
            assert chosen == reference(candidates, reader, limit)
            binding += len(cross_ids & set(reference(candidates, reader, limit, share=False))) < min(
                share, len(cross_ids)
            )
        plain = select(candidates, None, NOW, limit=limit)
        assert len(plain.picks) == size and {p.reason for p in plain.picks} <= {"spread", "popular", "recent"}
    # The share must actually have changed a good number of digests, or this test proves little.
    assert binding >= 40
