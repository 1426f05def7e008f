"""The awards tally (club/awards/tally.py): published worked examples of the Schulze method, agreement with an
independent implementation (pref_voting) on random profiles, and the club's own rules for the jury and the final
ranking.

Pure functions on plain data: no app, no database.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from pref_voting.margin_based_methods import beat_path, beat_path_defeat
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies

from club.awards.tally import (
    DISAGREEMENT_RANGE,
    DISAGREEMENT_STDEV,
    BallotInvalid,
    CategoryTally,
    JuryStanding,
    ScoreSheet,
    combine,
    first_preferences,
    jury_standings,
    pairwise_counts,
    schulze,
    tally,
    validate_ballot,
)

A, B, C, D, E = 1, 2, 3, 4, 5
LETTER = {"A": A, "B": B, "C": C, "D": D, "E": E}


def profile(*lines: tuple[int, str]) -> list[list[int]]:
    """Ballots from (count, "ACBED") lines, the notation of the published examples."""
    return [[LETTER[letter] for letter in order] for count, order in lines for _ in range(count)]


def letters(table: dict[str, dict[str, int]]) -> dict[int, dict[int, int]]:
    return {LETTER[a]: {LETTER[b]: n for b, n in row.items()} for a, row in table.items()}


def beat_pairs(result) -> set[tuple[int, int]]:
    return {(a, b) for a in result.strongest for b in result.strongest[a] if result.beats(a, b)}


# -- published worked examples --------------------------------------------------------------------------------------

# Wikipedia, "Schulze method", section "Example" (also example 1 of Markus Schulze's paper "A new monotonic,
# clone-independent, reversal symmetric, and Condorcet-consistent single-winner election method", Social Choice and
# Welfare 36 (2011), section 3): 45 voters, 5 candidates.
WIKIPEDIA_BALLOTS = profile(
    (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")
)
WIKIPEDIA_D = letters(
    {
        "A": {"B": 20, "C": 26, "D": 30, "E": 22},
        "B": {"A": 25, "C": 16, "D": 33, "E": 18},
        "C": {"A": 19, "B": 29, "D": 17, "E": 24},
        "D": {"A": 15, "B": 12, "C": 28, "E": 14},
        "E": {"A": 23, "B": 27, "C": 21, "D": 31},
    }
)
WIKIPEDIA_P = letters(
    {
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }
)


def test_wikipedia_example_pairwise_strongest_paths_and_ranking():
    result = schulze([A, B, C, D, E], WIKIPEDIA_BALLOTS)
    assert result.ballot_count == 45
    assert result.pairwise == WIKIPEDIA_D
    assert result.strongest == WIKIPEDIA_P
    assert result.ranking == [E, A, C, B, D]
    assert result.groups == [[E], [A], [C], [B], [D]]
    assert result.first_preferences == {A: 10, B: 8, C: 12, D: 7, E: 8}


# Schulze (2011), section 3, examples 2 to 4, with the strongest-path tables published there (and on electowiki's
# "Schulze method" page, written by Schulze from the paper).
SCHULZE_EXAMPLE_2 = profile(
    (5, "ACBD"), (2, "ACDB"), (3, "ADCB"), (4, "BACD"), (3, "CBDA"), (3, "CDBA"), (1, "DACB"), (5, "DBAC"), (4, "DCBA")
)
SCHULZE_EXAMPLE_2_P = letters(
    {
        "A": {"B": 20, "C": 20, "D": 17},
        "B": {"A": 19, "C": 19, "D": 17},
        "C": {"A": 19, "B": 21, "D": 17},
        "D": {"A": 18, "B": 18, "C": 18},
    }
)
SCHULZE_EXAMPLE_3 = profile(
    (3, "ABDEC"), (5, "ADEBC"), (1, "ADECB"), (2, "BADEC"), (2, "BDECA"), (4, "CABDE"), (6, "CBADE"), (2, "DBECA"),
    (5, "DECAB"),
)  # fmt: skip
SCHULZE_EXAMPLE_3_P = letters(
    {
        "A": {"B": 18, "C": 20, "D": 21, "E": 21},
        "B": {"A": 19, "C": 19, "D": 19, "E": 19},
        "C": {"A": 19, "B": 18, "D": 19, "E": 19},
        "D": {"A": 19, "B": 18, "C": 20, "E": 30},
        "E": {"A": 19, "B": 18, "C": 20, "D": 19},
    }
)
SCHULZE_EXAMPLE_4 = profile((3, "ABCD"), (2, "DABC"), (2, "DBCA"), (2, "CBDA"))
SCHULZE_EXAMPLE_4_P = letters(
    {
        "A": {"B": 5, "C": 5, "D": 5},
        "B": {"A": 5, "C": 7, "D": 5},
        "C": {"A": 5, "B": 5, "D": 5},
        "D": {"A": 6, "B": 5, "C": 5},
    }
)


def test_schulze_paper_example_2_thirty_voters_four_candidates():
    result = schulze([A, B, C, D], SCHULZE_EXAMPLE_2)
    assert result.ballot_count == 30
    # Hand count: A is above B on ACBD, ACDB, ADCB and DACB ballots (5 + 2 + 3 + 1).
    assert result.pairwise[A][B] == 11 and result.pairwise[B][A] == 19
    assert result.strongest == SCHULZE_EXAMPLE_2_P
    assert result.ranking == [D, A, C, B]
    assert result.groups == [[D], [A], [C], [B]]


def test_schulze_paper_example_3_thirty_voters_five_candidates():
    result = schulze([A, B, C, D, E], SCHULZE_EXAMPLE_3)
    assert result.ballot_count == 30
    assert result.pairwise[D][E] == 30 and result.pairwise[E][D] == 0  # every ballot ranks D above E
    assert result.strongest == SCHULZE_EXAMPLE_3_P
    assert result.ranking == [B, A, D, E, C]


def test_schulze_paper_example_4_nine_voters_a_tie_for_first():
    result = schulze([A, B, C, D], SCHULZE_EXAMPLE_4)
    assert result.strongest == SCHULZE_EXAMPLE_4_P
    # Published: B and D are both winners (p[B,D] = p[D,B] = 5); B beats C (7 > 5) and D beats A (6 > 5).
    assert set(result.groups[0]) == {B, D}
    assert beat_pairs(result) == {(B, C), (D, A)}
    # Our tie-break inside {B, D}: D has 4 first preferences, B none; inside {A, C}: A 3, C 2.
    assert result.first_preferences == {A: 3, B: 0, C: 2, D: 4}
    assert result.groups == [[D, B], [A, C]]
    assert result.ranking == [D, B, A, C]


# -- an independent implementation: pref_voting ---------------------------------------------------------------------


def _random_ids(rng: random.Random) -> list[int]:
    # Case numbers are neither small nor contiguous nor sorted: the tally must not assume any of it.
    return rng.sample(range(1, 5000), rng.randint(3, 6))


def _random_complete_profile(rng: random.Random) -> tuple[list[int], list[list[int]]]:
    ids = _random_ids(rng)
    voters = rng.randint(1, 40)
    if rng.random() < 0.5:
        ballots = [rng.sample(ids, len(ids)) for _ in range(voters)]
    else:
        # A few ranking types repeated: more cycles and more ties than uniform ballots give.
        types = [rng.sample(ids, len(ids)) for _ in range(rng.randint(2, 4))]
        ballots = [list(rng.choice(types)) for _ in range(voters)]
    return ids, ballots


def test_complete_ballots_agree_with_pref_voting():
    """Complete strict rankings: each ballot decides every pair, so d[a][b] + d[b][a] is the number of ballots and
    winning votes order the links exactly as margins do: pref_voting's default Beat Path (margins) must agree too."""
    rng = random.Random(20260401)
    checked_cycles = 0
    for _ in range(300):
        ids, ballots = _random_complete_profile(rng)
        index = {c: i for i, c in enumerate(ids)}
        prof = Profile([[index[c] for c in ballot] for ballot in ballots])
        ours = schulze(ids, ballots)

        for a in ids:
            for b in ids:
                if a != b:
                    assert ours.pairwise[a][b] == prof.support(index[a], index[b])
                    assert ours.pairwise[a][b] - ours.pairwise[b][a] == prof.margin(index[a], index[b])
        assert ours.first_preferences == {c: prof.plurality_scores()[index[c]] for c in ids}

        winners = {ids[i] for i in beat_path(prof)}
        assert set(ours.groups[0]) == winners
        assert {ids[i] for i in beat_path(prof, strength_function=prof.support)} == winners
        defeats = {(ids[x], ids[y]) for x, y in beat_path_defeat(prof, strength_function=prof.support).edges()}
        assert beat_pairs(ours) == defeats
        checked_cycles += prof.condorcet_winner() is None
    assert checked_cycles >= 30  # the sample holds profiles without a Condorcet winner, where Schulze matters


def test_partial_ballots_agree_with_pref_voting_extended_strict_preference():
    """Truncated ballots: a named candidate is above an unnamed one, two unnamed ones are not compared, which is
    pref_voting's "extended strict preference". Its Beat Path with support (winning votes) as the strength is our
    rule exactly."""
    rng = random.Random(7)
    for _ in range(200):
        ids = _random_ids(rng)
        ballots = [rng.sample(ids, rng.randint(0, len(ids))) for _ in range(rng.randint(1, 40))]
        prof = ProfileWithTies(
            [{c: rank for rank, c in enumerate(ballot, start=1)} for ballot in ballots], candidates=ids
        )
        prof.use_extended_strict_preference()

        d = pairwise_counts(ids, ballots)
        assert d == {a: {b: prof.support(a, b) for b in ids if b != a} for a in ids}
        ours = schulze(ids, ballots)
        assert ours.pairwise == d
        assert set(ours.groups[0]) == set(beat_path(prof, strength_function=prof.support))
        assert beat_pairs(ours) == set(beat_path_defeat(prof, strength_function=prof.support).edges())


# -- Schulze: properties --------------------------------------------------------------------------------------------


def test_groups_follow_the_beat_relation_and_a_condorcet_winner_comes_first():
    rng = random.Random(99)
    condorcet_seen = 0
    for _ in range(300):
        ids = _random_ids(rng)
        ballots = [rng.sample(ids, rng.randint(1, len(ids))) for _ in range(rng.randint(1, 30))]
        result = schulze(ids, ballots)
        assert sorted(result.ranking) == sorted(ids)
        place = {c: k for k, group in enumerate(result.groups) for c in group}
        for a in ids:
            for b in ids:
                if result.beats(a, b):
                    assert place[a] < place[b]
        for k in range(1, len(result.groups)):
            for c in result.groups[k]:
                assert any(result.beats(o, c) for o in result.groups[k - 1])
        d = result.pairwise
        for c in ids:
            if all(d[c][o] > d[o][c] for o in ids if o != c):
                condorcet_seen += 1
                assert result.groups[0] == [c]
    assert condorcet_seen >= 50


def test_reversal_symmetry():
    forward = schulze([A, B, C, D, E], WIKIPEDIA_BALLOTS)
    backward = schulze([A, B, C, D, E], [list(reversed(ballot)) for ballot in WIKIPEDIA_BALLOTS])
    assert backward.ranking[0] != forward.ranking[0]
    # Reversing every ballot reverses every link with the same strength, so the whole strict order reverses.
    assert backward.ranking == list(reversed(forward.ranking))
    assert all(
        backward.strongest[a][b] == forward.strongest[b][a] for a in backward.strongest for b in backward.strongest[a]
    )


def test_same_input_same_output_whatever_the_order():
    candidates = [A, B, C, D, E]
    first = tally(candidates, WIKIPEDIA_BALLOTS, [], {}).as_dict()
    assert tally(candidates, WIKIPEDIA_BALLOTS, [], {}).as_dict() == first
    rng = random.Random(3)
    for _ in range(5):
        ballots = list(WIKIPEDIA_BALLOTS)
        rng.shuffle(ballots)
        shuffled = list(candidates)
        rng.shuffle(shuffled)
        again = tally(shuffled, ballots, [], {}).as_dict()
        assert again["member_groups"] == first["member_groups"]
        assert again["final"] == first["final"]
        assert again["pairwise"] == first["pairwise"] and again["strongest"] == first["strongest"]
    # A group of ties (example 4) is ordered the same way too.
    ballots = list(SCHULZE_EXAMPLE_4)
    rng.shuffle(ballots)
    assert schulze([C, A, D, B], ballots).groups == schulze([A, B, C, D], SCHULZE_EXAMPLE_4).groups


def test_partial_ballot_semantics():
    d = pairwise_counts([1, 2, 3], [[2]])
    assert d == {1: {2: 0, 3: 0}, 2: {1: 1, 3: 1}, 3: {1: 0, 2: 0}}
    # An empty ballot compares nothing; it is still a ballot cast.
    assert pairwise_counts([1, 2], [[]]) == {1: {2: 0}, 2: {1: 0}}
    assert schulze([1, 2], [[]]).ballot_count == 1


def test_a_withdrawn_candidate_is_struck_from_the_ballots():
    ballots = [[9, 2, 1], [9, 1]]
    assert first_preferences([1, 2, 3], ballots) == {1: 1, 2: 1, 3: 0}
    assert pairwise_counts([1, 2, 3], ballots) == {1: {2: 1, 3: 2}, 2: {1: 1, 3: 1}, 3: {1: 0, 2: 0}}


def test_malformed_input_is_refused():
    with pytest.raises(ValueError, match="twice"):
        schulze([1, 2], [[1, 2, 1]])
    with pytest.raises(ValueError, match="repeated"):
        schulze([1, 2, 1], [])


def test_tie_break_first_preferences():
    # A ballot and its reverse cancel out on every pair: all three stay tied, and differ only in first preferences.
    ballots = [[3, 1, 2], [2, 1, 3]] * 2 + [[3, 2, 1], [1, 2, 3]]
    result = schulze([1, 2, 3], ballots)
    assert all(result.pairwise[a][b] == result.pairwise[b][a] for a in (1, 2, 3) for b in (1, 2, 3) if a != b)
    assert result.first_preferences == {1: 1, 2: 2, 3: 3}
    assert result.groups == [[3, 2, 1]]


def test_tie_break_ballots_naming_the_candidate():
    # Tied on every pair, 3 and 1 each named first once: 3 is named on both ballots, 1 on one.
    ballots = [[3, 2], [1, 2, 3]]
    result = schulze([1, 2, 3], ballots)
    assert len(result.groups) == 1
    assert result.first_preferences == {1: 1, 2: 0, 3: 1}
    assert result.ranked_counts == {1: 1, 2: 2, 3: 2}
    assert result.ranking == [3, 1, 2]


def test_tie_break_smaller_case_number():
    assert schulze([7, 5], [[5, 7], [7, 5]]).groups == [[5, 7]]
    no_ballots = schulze([30, 10, 20], [])
    assert no_ballots.groups == [[10, 20, 30]]
    assert no_ballots.ballot_count == 0
    assert no_ballots.strongest == {10: {20: 0, 30: 0}, 20: {10: 0, 30: 0}, 30: {10: 0, 20: 0}}


def test_no_candidates():
    result = schulze([], [[1, 2]])
    assert result.groups == [] and result.ranking == [] and result.winners == []
    counted = tally([], [[1]], [ScoreSheet(1, 1, {1: 5})], {1: 1})
    assert counted.final == [] and counted.jury == [] and counted.winner is None


# -- the jury -------------------------------------------------------------------------------------------------------


def sheets_for(candidate: int, *marks: int) -> list[ScoreSheet]:
    """One single-criterion sheet per mark, by jurors 1, 2, 3..."""
    return [ScoreSheet(juror, candidate, {1: mark}) for juror, mark in enumerate(marks, start=1)]


def standing_of(standings: list[JuryStanding], candidate: int) -> JuryStanding:
    return next(s for s in standings if s.candidate == candidate)


def test_a_jurors_mark_is_the_weighted_mean_of_their_scores():
    sheet = ScoreSheet(juror=1, candidate=10, scores={100: 9, 200: 6})
    [standing] = jury_standings([10], [sheet], {100: 2, 200: 1})
    assert standing.mean == 8.0 and standing.median == 8.0 and standing.count == 1


def test_mean_median_and_sample_stdev():
    standing = standing_of(jury_standings([10], sheets_for(10, 6, 7, 8, 10), {1: 1}), 10)
    assert standing.count == 4
    assert standing.mean == 7.75
    assert standing.median == 7.5  # the mean of the two middle marks
    # The sample standard deviation, spreadsheets' STDEV: squared deviations 3.0625 + 0.5625 + 0.0625 + 5.0625 = 8.75.
    assert standing.stdev == pytest.approx(math.sqrt(8.75 / 3))
    assert standing.disagreement  # 10 - 6 = 4.0 points apart


def test_disagreement_by_stdev_alone():
    standing = jury_standings([10], sheets_for(10, 5, 8), {1: 1})[0]
    assert standing.stdev == pytest.approx(3 / math.sqrt(2))
    assert standing.stdev >= DISAGREEMENT_STDEV and 8 - 5 < DISAGREEMENT_RANGE
    assert standing.disagreement


def test_disagreement_by_range_alone_on_the_exact_boundary():
    # Weights 0.1 and 0.2: marks 20/3, 8/3 and 14/3, exactly 4 points between the highest and the lowest. In plain
    # floating point 20/3 - 8/3 comes out as 3.9999999999999996 here and would miss the flag.
    weights = {1: 0.1, 2: 0.2}
    sheets = [ScoreSheet(1, 10, {1: 10, 2: 5}), ScoreSheet(2, 10, {1: 4, 2: 2})]
    sheets += [ScoreSheet(juror, 10, {1: 6, 2: 4}) for juror in range(3, 8)]
    standing = jury_standings([10], sheets, weights)[0]
    assert standing.mean == pytest.approx(14 / 3) and standing.median == pytest.approx(14 / 3)
    assert standing.stdev < DISAGREEMENT_STDEV
    assert standing.disagreement


def test_no_disagreement():
    standing = jury_standings([10], sheets_for(10, 6, 7, 8), {1: 1})[0]
    assert standing.stdev == 1.0 and not standing.disagreement


def test_single_juror_and_no_scores():
    standings = jury_standings([30, 20, 10], sheets_for(20, 3), {1: 1})
    assert standings == [
        JuryStanding(20, 3.0, 3.0, None, 1, False),
        JuryStanding(10, None, None, None, 0, False),
        JuryStanding(30, None, None, None, 0, False),
    ]


def test_jury_order_by_mean_then_case_number():
    sheets = sheets_for(30, 8, 8) + sheets_for(20, 9, 7) + sheets_for(40, 9) + sheets_for(50, 2)
    standings = jury_standings([50, 40, 30, 20, 10], sheets, {1: 1})
    assert [s.candidate for s in standings] == [40, 20, 30, 50, 10]


def test_jury_sheets_are_checked():
    with pytest.raises(ValueError, match="did not score"):
        jury_standings([10], [ScoreSheet(1, 10, {1: 5})], {1: 1, 2: 1})
    with pytest.raises(ValueError, match="scores run from 1 to 10"):
        jury_standings([10], [ScoreSheet(1, 10, {1: 11})], {1: 1})
    with pytest.raises(ValueError, match="two score sheets"):
        jury_standings([10], sheets_for(10, 5) * 2, {1: 1})
    with pytest.raises(ValueError, match="negative"):
        jury_standings([10], sheets_for(10, 5), {1: -1, 2: 2})
    with pytest.raises(ValueError, match="weigh nothing"):
        jury_standings([10], sheets_for(10, 5), {1: 0})
    # Sheets of a withdrawn candidate are left out; with nothing to weigh, the weights are not needed.
    assert jury_standings([10], sheets_for(99, 5), {}) == [JuryStanding(10, None, None, None, 0, False)]


# -- the final ranking ----------------------------------------------------------------------------------------------


def jury_of(means: dict[int, float | None]) -> list[JuryStanding]:
    return [JuryStanding(c, m, m, None, 0 if m is None else 1, False) for c, m in means.items()]


def by_candidate(final) -> dict[int, tuple[float, float | None, float | None]]:
    return {f.candidate: (f.points, f.jury_points, f.member_points) for f in final}


def test_combine_seventy_thirty_by_default():
    final = combine([1, 2, 3], jury_of({1: 9.0, 2: 8.0, 3: 7.0}), [[3], [2], [1]])
    assert by_candidate(final) == {
        1: (pytest.approx(0.7), 1.0, 0.0),
        2: (pytest.approx(0.5), 0.5, 0.5),
        3: (pytest.approx(0.3), 0.0, 1.0),
    }
    assert [(f.candidate, f.rank) for f in final] == [(1, 1), (2, 2), (3, 3)]


def test_tied_candidates_share_the_points_of_their_places():
    final = combine([1, 2, 3, 4], jury_of({1: None, 2: None, 3: None, 4: None}), [[2, 1], [4, 3]])
    points = by_candidate(final)
    assert points[1][2] == points[2][2] == pytest.approx(5 / 6)  # (1 + 2/3) / 2
    assert points[3][2] == points[4][2] == pytest.approx(1 / 6)  # (1/3 + 0) / 2
    # Equal jury means are tied too, and the unscored candidates share the last places.
    final = combine([1, 2, 3, 4], jury_of({1: 7.5, 2: 9.0, 3: 7.5, 4: None}), [[1, 2, 3, 4]], has_ballots=False)
    points = by_candidate(final)
    assert points[2][1] == 1.0
    assert points[1][1] == points[3][1] == pytest.approx(0.5)  # (2/3 + 1/3) / 2
    assert points[4][1] == 0.0


def test_without_ballots_the_jury_decides():
    final = combine([1, 2], jury_of({1: 6.0, 2: 8.0}), [[1, 2]], has_ballots=False)
    assert [(f.candidate, f.points, f.jury_points, f.member_points) for f in final] == [
        (2, 1.0, 1.0, None),
        (1, 0.0, 0.0, None),
    ]


def test_without_jury_scores_the_members_decide():
    final = combine([1, 2, 3], jury_of({1: None, 2: None, 3: None}), [[3], [1, 2]])
    assert [(f.candidate, f.rank, f.points, f.jury_points) for f in final] == [
        (3, 1, 1.0, None),
        (1, 2, 0.25, None),
        (2, 3, 0.25, None),
    ]


def test_with_neither_everybody_has_nothing_and_there_is_no_winner():
    counted = tally([20, 10], [], [], {})
    assert [(f.candidate, f.rank, f.points, f.jury_points, f.member_points) for f in counted.final] == [
        (10, 1, 0.0, None, None),
        (20, 2, 0.0, None, None),
    ]
    assert counted.winner is None


def test_equal_points_go_to_the_better_jury_place_then_the_members_order():
    # 50/50 and opposite rankings: equal points, the jury's first goes first.
    final = combine([1, 2], jury_of({1: 6.0, 2: 8.0}), [[1], [2]], jury_weight=0.5)
    assert final[0].points == final[1].points == 0.5
    assert [f.candidate for f in final] == [2, 1]
    # Tied for the jury too: the members' order after its tie-break (2 before 1, whatever the case numbers).
    final = combine([1, 2], jury_of({1: 7.0, 2: 7.0}), [[2, 1]], jury_weight=0.5)
    assert [f.candidate for f in final] == [2, 1]


def test_a_lone_candidate_gets_full_points():
    assert by_candidate(combine([5], jury_of({5: 3.0}), [[5]])) == {5: (1.0, 1.0, 1.0)}


@pytest.mark.parametrize("weight", [-0.01, 1.01, float("nan"), float("inf")])
def test_jury_weight_must_be_between_0_and_1(weight):
    with pytest.raises(ValueError, match="jury weight"):
        combine([1], jury_of({1: 5.0}), [[1]], jury_weight=weight)
    with pytest.raises(ValueError, match="jury weight"):
        tally([1], [], [], {}, jury_weight=weight)


def test_jury_weight_bounds_are_allowed():
    jury, members = jury_of({1: 9.0, 2: 5.0}), [[2], [1]]
    assert [f.candidate for f in combine([1, 2], jury, members, jury_weight=1)] == [1, 2]
    assert [f.candidate for f in combine([1, 2], jury, members, jury_weight=0.0)] == [2, 1]


def test_combine_refuses_rankings_of_other_candidates():
    with pytest.raises(ValueError, match="member groups"):
        combine([1, 2], jury_of({1: 5.0, 2: 5.0}), [[1]])
    with pytest.raises(ValueError, match="jury standings"):
        combine([1, 2], jury_of({1: 5.0}), [[1, 2]])


def test_points_equal_on_paper_are_a_tie():
    # Eight candidates, jury place k for candidate k; the members put 5 first and 2 last. On paper 2 and 5 both get
    # 0.7 x 6/7 + 0.3 x 0 = 0.7 x 3/7 + 0.3 x 1 = 0.6, so the better jury place (2) goes first. Plain floating point
    # gives 5 0.6000000000000001 against 0.6 and would put 5 first.
    jury = jury_of({c: 10.0 - c for c in range(1, 9)})
    final = combine(list(range(1, 9)), jury, [[5], [1], [3], [4], [6], [7], [8], [2]])
    points = by_candidate(final)
    assert points[2][0] == points[5][0] == 0.6
    assert [f.candidate for f in final][:4] == [1, 3, 2, 5]


# -- ballots --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranking", "reason"),
    [
        ([], "empty"),
        ((), "empty"),
        ([3, 3], "repeated"),
        ([3, 99], "unknown"),
        (["3"], "unknown"),
        ([3.0], "unknown"),
        ([True], "unknown"),
        ([None], "unknown"),
        ("34", "unknown"),
        ([99, 3, 3], "unknown"),  # the first problem from the top decides
        ([3, 3, 99], "repeated"),
    ],
)
def test_validate_ballot_reasons(ranking, reason):
    with pytest.raises(BallotInvalid) as caught:
        validate_ballot(ranking, {3, 4, 5})
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_validate_ballot_accepts_partial_rankings():
    assert validate_ballot((5, 3), {3, 4, 5}) == [5, 3]
    assert validate_ballot([4, 3, 5], [3, 4, 5]) == [4, 3, 5]


# -- the whole category ---------------------------------------------------------------------------------------------


def test_tally_as_dict_is_json_with_string_keys():
    sheets = sheets_for(A, 9, 8) + sheets_for(B, 4, 9) + sheets_for(E, 7)
    counted = tally([A, B, C, D, E], WIKIPEDIA_BALLOTS, sheets, {1: 1})
    assert isinstance(counted, CategoryTally)
    data = counted.as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert set(data) == {
        "candidates", "ballot_count", "first_preferences", "ranked_counts", "pairwise", "strongest",
        "member_groups", "member_ranking", "jury", "jury_ranking", "final", "jury_weight", "winner",
    }  # fmt: skip
    assert data["candidates"] == [A, B, C, D, E]
    assert data["ballot_count"] == 45
    assert data["pairwise"]["1"]["2"] == 20 and data["strongest"]["5"]["1"] == 25
    assert data["first_preferences"] == {"1": 10, "2": 8, "3": 12, "4": 7, "5": 8}
    assert data["member_ranking"] == [E, A, C, B, D]
    assert data["member_groups"] == [[E], [A], [C], [B], [D]]
    assert data["jury_ranking"] == [A, E, B, C, D]
    assert data["jury"][0] == {
        "candidate": A, "mean": 8.5, "median": 8.5, "stdev": 0.7071, "count": 2, "disagreement": False,
    }  # fmt: skip
    assert data["jury"][2]["disagreement"] is True  # B: 4 and 9
    assert data["jury"][3] == {
        "candidate": C, "mean": None, "median": None, "stdev": None, "count": 0, "disagreement": False,
    }  # fmt: skip
    assert data["jury_weight"] == 0.7
    # Jury: A 1, E 0.75, B 0.5, C and D tied last (0.125 each). Members: E 1, A 0.75, C 0.5, B 0.25, D 0.
    assert data["final"] == [
        {"candidate": A, "rank": 1, "points": 0.925, "jury_points": 1.0, "member_points": 0.75},
        {"candidate": E, "rank": 2, "points": 0.825, "jury_points": 0.75, "member_points": 1.0},
        {"candidate": B, "rank": 3, "points": 0.425, "jury_points": 0.5, "member_points": 0.25},
        {"candidate": C, "rank": 4, "points": 0.2375, "jury_points": 0.125, "member_points": 0.5},
        {"candidate": D, "rank": 5, "points": 0.0875, "jury_points": 0.125, "member_points": 0.0},
    ]
    assert data["winner"] == A == counted.winner


def test_as_dict_rounds_to_four_decimals():
    counted = tally([1, 2, 3, 4], [[1, 2, 3, 4]], sheets_for(1, 7, 8, 8), {1: 1}, jury_weight=1 / 3)
    data = counted.as_dict()
    assert data["jury"][0]["mean"] == 7.6667
    assert data["jury"][0]["stdev"] == 0.5774
    assert data["jury_weight"] == 0.3333
    assert all(f["points"] == round(f["points"], 4) for f in data["final"])
