"""How the club counts the votes of its awards.

This is the club's public statement of the counting rules: what this text says is what the code below
does. The count works on plain data only (the finalists of one category, the members' ballots, the
jurors' score sheets), so anyone holding the same data can recount a published result and get the
same figures.

The finalists of a category are called candidates here; each is known by its case number.


1. The members' vote: the Schulze method
========================================

Each member ranks the candidates, best first. A ballot may stop early: the candidates it leaves out
count as ranked below every candidate it names, and as equal among themselves (a ballot naming only A
says that A is better than each of the others, and nothing about the others among themselves). A
candidate withdrawn after the vote opened is struck from every ballot; the rest of each ballot keeps
its order.

Pairwise counts. For every two candidates X and Y, d[X][Y] is the number of ballots that rank X above Y.

Links. X has a link to Y when more ballots rank X above Y than Y above X (d[X][Y] > d[Y][X]). The
strength of the link is d[X][Y], the number of ballots on the winning side ("winning votes"). When
d[X][Y] = d[Y][X] there is no link either way.

Paths. A path from X to Y is a chain of links from X to Y, possibly through other candidates; it is
as strong as its weakest link. p[X][Y] is the strength of the strongest path from X to Y, or 0 when
there is no path.

Beating. X beats Y when p[X][Y] > p[Y][X]. Markus Schulze proved that this relation is transitive: if
X beats Y and Y beats Z, X beats Z. So in any set of candidates at least one is beaten by nobody in it.

The members' ranking. The candidates that no candidate beats form the first group; of the candidates
left, those that none of the others left beats form the second group; and so on until nobody is left.
The candidates of one group are tied in the members' ranking.

The tie-break. Inside a group the candidates are put in order by, in turn:

  a. more first preferences (ballots that name the candidate first);
  b. more ballots that name the candidate at all;
  c. the smaller case number (arbitrary, but fixed, so that a recount gives the same order).

The groups, one after the other, each in its tie-break order, give the members' order. The tie-break
only orders: in the final points (section 3) the candidates of a group stay tied.

With no ballots nobody beats anybody: all the candidates form one group, in case-number order.


2. The jury's scores
====================

Each juror scores each candidate they judge on every criterion of the category, from 1 to 10. A
juror who is recused for a candidate, or who declared a conflict with it, does not score it.

A juror's mark for a candidate is the weighted mean of their scores: the sum of weight x score over
the criteria, divided by the sum of the weights. With weights 2 and 1 and scores 9 and 6 the mark is
(2 x 9 + 1 x 6) / 3 = 8.

For each candidate, over the jurors who scored it:

- count: how many jurors scored it;
- mean: the mean of their marks. This is what ranks the candidates for the jury;
- median: the middle mark (the mean of the two middle marks when the count is even);
- stdev: the sample standard deviation of the marks: the square root of the sum of the squared
  distances of the marks from their mean, divided by the count minus one. It is the STDEV (STDEV.S)
  of spreadsheets, so anyone can check it. The sample figure rather than the population one (which
  divides by the count) because the population figure never exceeds half the gap between the highest
  and lowest mark, so its 2.0 limit below could never flag anything the 4.0 gap does not flag
  already. There is no stdev (nor any disagreement) with fewer than two jurors;
- disagreement: flagged when the stdev is 2.0 points or more, or when the highest and the lowest mark
  are 4.0 points or more apart. The flag is information for readers and organisers: it changes no
  ranking.

The jury's ranking is by mean, highest first. Candidates with equal means are tied; candidates that no
juror scored come last, all tied together. Tied candidates are listed in case-number order.


3. The final ranking
====================

Each of the two rankings gives every candidate points between 0 and 1 for its place: with n
candidates, place k (1 is the best) is worth (n - k) / (n - 1), which is 1 for the first, 0 for the
last and evenly spaced in between (a lone candidate gets 1). Candidates tied in a ranking (one Schulze
group; equal jury means; no jury scores) share equally the points of the places they occupy together:
two candidates tied in the first two places out of four get (1 + 2/3) / 2 = 5/6 each.

    points = jury weight x jury points + (1 - jury weight) x member points

The jury weight is set for each edition, between 0 and 1 (0.7 unless the edition says otherwise). If
nobody voted, there are no member points and points = jury points; if no juror scored any candidate,
there are no jury points and points = member points; if neither, every candidate has 0 points,
they are listed in case-number order, and there is no winner.

The final order: more points first; between equal points, the better place in the jury's ranking
(candidates tied there remain tied), then the better place in the members' order (after its
tie-break), then the smaller case number. Ranks run 1, 2, 3... with no two candidates on the same
rank; the candidate ranked 1 is the winner.


4. Arithmetic
=============

Marks, means, points and the disagreement thresholds are computed exactly, as fractions, with weights
read as the decimals they were set to (0.7 is seven tenths, not the nearest number a computer can
store), so that figures equal on paper are equal here and a tie is a tie. Published figures are
rounded to 4 decimals; the order was settled before any rounding.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import median
from typing import Any, Final, Literal

DISAGREEMENT_STDEV: Final = 2.0
DISAGREEMENT_RANGE: Final = 4.0
DEFAULT_JURY_WEIGHT: Final = 0.7
SCORE_MIN: Final = 1
SCORE_MAX: Final = 10
PUBLISHED_DECIMALS: Final = 4

BallotProblem = Literal["empty", "repeated", "unknown"]
Number = int | float | Decimal | Fraction


# -- ballots -------------------------------------------------------------------------------------------


class BallotInvalid(ValueError):
    """A ranking that cannot be accepted as a ballot; `reason` says why: "empty", "repeated" or "unknown"."""

    def __init__(self, reason: BallotProblem, entry: object = None) -> None:
        messages = {
            "empty": "the ranking names no candidate",
            "repeated": f"the ranking names {entry!r} more than once",
            "unknown": f"the ranking names {entry!r}, which is not a candidate of this category",
        }
        super().__init__(messages[reason])
        self.reason: BallotProblem = reason
        self.entry = entry


def validate_ballot(ranking: Sequence[object], allowed: Collection[int]) -> list[int]:
    """The ranking as a list of candidate ids, or BallotInvalid for the first problem met, reading from the top."""
    if ranking is None:
        raise BallotInvalid("empty")
    # A string is a sequence too; taking "12" for the candidates "1" and "2" would be a guess.
    if isinstance(ranking, str | bytes) or not isinstance(ranking, Sequence):
        raise BallotInvalid("unknown", ranking)
    if len(ranking) == 0:
        raise BallotInvalid("empty")
    checked: list[int] = []
    for entry in ranking:
        # bool is an int to Python, but True is no case number.
        if isinstance(entry, bool) or not isinstance(entry, int) or entry not in allowed:
            raise BallotInvalid("unknown", entry)
        if entry in checked:
            raise BallotInvalid("repeated", entry)
        checked.append(entry)
    return checked


def _distinct(candidates: Sequence[int]) -> list[int]:
    order = list(candidates)
    if len(set(order)) != len(order):
        raise ValueError(f"candidates repeated in {order!r}")
    return order


@dataclass(frozen=True)
class _BallotCount:
    pairwise: dict[int, dict[int, int]]
    first: dict[int, int]
    ranked: dict[int, int]
    ballots: int


def _count_ballots(order: list[int], ballots: Iterable[Sequence[int]]) -> _BallotCount:
    known = set(order)
    d = {a: {b: 0 for b in order if b != a} for a in order}
    first = dict.fromkeys(order, 0)
    ranked = dict.fromkeys(order, 0)
    # Members' ballots repeat a lot; counting each distinct ranking once keeps a large vote cheap.
    distinct = Counter(tuple(ballot) for ballot in ballots)
    for ballot, times in distinct.items():
        named = [c for c in ballot if c in known]  # withdrawn candidates are struck out
        if len(set(named)) != len(named):
            raise ValueError(f"a ballot names a candidate twice: {list(ballot)!r}")
        if named:
            first[named[0]] += times
        unnamed = known.difference(named)
        for position, a in enumerate(named):
            ranked[a] += times
            row = d[a]
            for b in named[position + 1 :]:
                row[b] += times
            for b in unnamed:
                row[b] += times
    return _BallotCount(d, first, ranked, sum(distinct.values()))


def pairwise_counts(candidates: Sequence[int], ballots: Iterable[Sequence[int]]) -> dict[int, dict[int, int]]:
    """d[a][b]: how many ballots rank a above b (a named one above an unnamed one; two unnamed: neither)."""
    return _count_ballots(_distinct(candidates), ballots).pairwise


def first_preferences(candidates: Sequence[int], ballots: Iterable[Sequence[int]]) -> dict[int, int]:
    """How many ballots name each candidate first (after striking out withdrawn candidates)."""
    return _count_ballots(_distinct(candidates), ballots).first


# -- the members' ranking: Schulze ---------------------------------------------------------------------


@dataclass(frozen=True)
class SchulzeResult:
    pairwise: dict[int, dict[int, int]]  # d
    strongest: dict[int, dict[int, int]]  # p
    groups: list[list[int]]  # tied sets, best first, each in tie-break order
    ranking: list[int]  # the groups one after the other
    first_preferences: dict[int, int]
    ranked_counts: dict[int, int]  # ballots naming the candidate at all (the second tie-break)
    ballot_count: int

    @property
    def winners(self) -> list[int]:
        return list(self.groups[0]) if self.groups else []

    def beats(self, a: int, b: int) -> bool:
        return a != b and self.strongest[a][b] > self.strongest[b][a]


def _strongest_paths(order: list[int], d: dict[int, dict[int, int]]) -> dict[int, dict[int, int]]:
    p = {a: {b: (d[a][b] if d[a][b] > d[b][a] else 0) for b in order if b != a} for a in order}
    # Floyd-Warshall for the widest path: after round i, p[j][k] is the strongest path from j to k
    # whose stops on the way are among the candidates of the rounds so far.
    for i in order:
        for j in order:
            if j == i:
                continue
            through = p[j][i]
            if through == 0:  # no path j -> i: nothing to gain through i
                continue
            row_j, row_i = p[j], p[i]
            for k in order:
                if k == i or k == j:
                    continue
                strength = min(through, row_i[k])
                if strength > row_j[k]:
                    row_j[k] = strength
    return p


def schulze(candidates: Sequence[int], ballots: Iterable[Sequence[int]]) -> SchulzeResult:
    """The members' ranking by the Schulze method with winning votes (module docstring, section 1)."""
    order = _distinct(candidates)
    count = _count_ballots(order, ballots)
    p = _strongest_paths(order, count.pairwise)

    def tie_break(c: int) -> tuple[int, int, int]:
        return (-count.first[c], -count.ranked[c], c)

    groups: list[list[int]] = []
    remaining = list(order)
    while remaining:
        group = [c for c in remaining if not any(p[o][c] > p[c][o] for o in remaining if o != c)]
        if not group:  # Schulze's theorem (the beat relation is transitive) says this cannot happen
            raise AssertionError(f"every remaining candidate is beaten: {remaining!r}")
        group.sort(key=tie_break)
        groups.append(group)
        taken = set(group)
        remaining = [c for c in remaining if c not in taken]
    return SchulzeResult(
        pairwise=count.pairwise,
        strongest=p,
        groups=groups,
        ranking=[c for group in groups for c in group],
        first_preferences=count.first,
        ranked_counts=count.ranked,
        ballot_count=count.ballots,
    )


# -- the jury's ranking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSheet:
    juror: int  # an opaque key: the tally never needs to know who
    candidate: int
    scores: Mapping[int, int]  # criterion id -> score from 1 to 10, every criterion scored


@dataclass(frozen=True)
class JuryStanding:
    candidate: int
    mean: float | None
    median: float | None
    stdev: float | None
    count: int
    disagreement: bool


def _exact(value: Number, what: str) -> Fraction:
    # str() first: Fraction(0.7) is the binary number nearest to 0.7, which added to Fraction(0.3) is
    # not exactly 1; the decimal that was typed is what the rules talk about.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise ValueError(f"{what} must be a number, not {value!r}")
    try:
        exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    except (ValueError, OverflowError) as error:  # nan, inf
        raise ValueError(f"{what} must be a finite number, not {value!r}") from error
    return exact


def _criterion_weights(weights: Mapping[int, Number]) -> dict[int, Fraction]:
    exact = {criterion: _exact(weight, f"the weight of criterion {criterion}") for criterion, weight in weights.items()}
    if any(weight < 0 for weight in exact.values()):
        raise ValueError(f"criterion weights must not be negative: {dict(weights)!r}")
    if sum(exact.values()) <= 0:
        raise ValueError("the criteria weigh nothing: there must be at least one criterion with a positive weight")
    return exact


def _mark(sheet: ScoreSheet, weights: dict[int, Fraction]) -> Fraction:
    missing = [criterion for criterion in weights if criterion not in sheet.scores]
    if missing:
        raise ValueError(f"juror {sheet.juror} did not score criteria {missing} of candidate {sheet.candidate}")
    total = Fraction(0)
    for criterion, weight in weights.items():
        score = sheet.scores[criterion]
        if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
            raise ValueError(
                f"juror {sheet.juror} gave candidate {sheet.candidate} the score {score!r} on criterion "
                f"{criterion}; scores run from {SCORE_MIN} to {SCORE_MAX}"
            )
        total += weight * score
    return total / sum(weights.values())


def _standing(candidate: int, marks: list[Fraction]) -> tuple[JuryStanding, Fraction | None]:
    if not marks:
        return JuryStanding(candidate, None, None, None, 0, False), None
    mean = sum(marks, Fraction(0)) / len(marks)
    middle = Fraction(median(marks))
    if len(marks) < 2:
        return JuryStanding(candidate, float(mean), float(middle), None, 1, False), mean
    variance = sum(((mark - mean) ** 2 for mark in marks), Fraction(0)) / (len(marks) - 1)
    # stdev >= limit exactly when variance >= limit squared: compared on the exact figures, so that a
    # stdev of 2 on paper raises the flag whatever the square root rounds to.
    stdev_limit = _exact(DISAGREEMENT_STDEV, "DISAGREEMENT_STDEV")
    range_limit = _exact(DISAGREEMENT_RANGE, "DISAGREEMENT_RANGE")
    disagreement = variance >= stdev_limit**2 or max(marks) - min(marks) >= range_limit
    standing = JuryStanding(candidate, float(mean), float(middle), math.sqrt(variance), len(marks), disagreement)
    return standing, mean


def jury_standings(
    candidates: Sequence[int], sheets: Iterable[ScoreSheet], weights: Mapping[int, Number]
) -> list[JuryStanding]:
    """Every candidate's jury figures, best mean first, unscored candidates last (module docstring, section 2).

    Sheets of candidates not in `candidates` (withdrawn) are left out. The weights are checked only
    when there is a sheet to weigh, so a category with no jury yet still counts.
    """
    order = _distinct(candidates)
    known = set(order)
    sheets = [sheet for sheet in sheets if sheet.candidate in known]
    exact_weights = _criterion_weights(weights) if sheets else {}
    marks: dict[int, list[Fraction]] = {c: [] for c in order}
    seen: set[tuple[int, int]] = set()
    for sheet in sheets:
        if (sheet.juror, sheet.candidate) in seen:
            raise ValueError(f"juror {sheet.juror} has two score sheets for candidate {sheet.candidate}")
        seen.add((sheet.juror, sheet.candidate))
        marks[sheet.candidate].append(_mark(sheet, exact_weights))
    ranked = [_standing(c, marks[c]) for c in order]
    ranked.sort(key=lambda item: (item[1] is None, -(item[1] or 0), item[0].candidate))
    return [standing for standing, _ in ranked]


# -- the final ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FinalStanding:
    candidate: int
    rank: int  # 1-based, no two candidates share one
    points: float
    jury_points: float | None
    member_points: float | None


def _jury_weight(jury_weight: Number) -> Fraction:
    weight = _exact(jury_weight, "the jury weight")
    if not 0 <= weight <= 1:
        raise ValueError(f"the jury weight must be between 0 and 1, not {jury_weight!r}")
    return weight


def _place_points(groups: list[list[int]], n: int) -> dict[int, Fraction]:
    """Points by place, (n - k) / (n - 1) for place k, tied candidates sharing the mean of their places' points."""
    if n == 1:
        return {c: Fraction(1) for group in groups for c in group}
    points: dict[int, Fraction] = {}
    before = 0
    for group in groups:
        # The mean of (n - k) / (n - 1) over the places k = before+1 .. before+size is the value at the
        # middle place, before + (size + 1) / 2.
        share = Fraction(2 * (n - before) - len(group) - 1, 2 * (n - 1))
        points.update(dict.fromkeys(group, share))
        before += len(group)
    return points


def _jury_ties(jury: list[JuryStanding]) -> list[list[int]]:
    scored = sorted((s for s in jury if s.mean is not None), key=lambda s: (-(s.mean or 0.0), s.candidate))
    groups: list[list[int]] = []
    last_mean: float | None = None
    for standing in scored:
        # Equal exact means give equal floats; different ones, with marks from 1 to 10, never collide.
        if groups and standing.mean == last_mean:
            groups[-1].append(standing.candidate)
        else:
            groups.append([standing.candidate])
        last_mean = standing.mean
    unscored = sorted(s.candidate for s in jury if s.mean is None)
    if unscored:
        groups.append(unscored)
    return groups


def combine(
    candidates: Sequence[int],
    jury: list[JuryStanding],
    member_groups: list[list[int]],
    jury_weight: Number = DEFAULT_JURY_WEIGHT,
    has_ballots: bool = True,
) -> list[FinalStanding]:
    """The final ranking from the jury's figures and the Schulze groups (module docstring, section 3)."""
    weight = _jury_weight(jury_weight)
    order = _distinct(candidates)
    if not order:
        return []
    known = set(order)
    member_order = [c for group in member_groups for c in group]
    if len(member_order) != len(known) or set(member_order) != known:
        raise ValueError(f"the member groups {member_groups!r} are not the candidates {order!r}")
    if len(jury) != len(known) or {s.candidate for s in jury} != known:
        raise ValueError(f"the jury standings are not one for each of the candidates {order!r}")

    n = len(order)
    member_place = {c: place for place, c in enumerate(member_order)}
    members = _place_points([list(group) for group in member_groups if group], n) if has_ballots else None
    jury_scored = any(s.mean is not None for s in jury)
    jurors = _place_points(_jury_ties(jury), n) if jury_scored else None

    def points(c: int) -> Fraction:
        if jurors is not None and members is not None:
            return weight * jurors[c] + (1 - weight) * members[c]
        if jurors is not None:
            return jurors[c]
        if members is not None:
            return members[c]
        return Fraction(0)

    totals = {c: points(c) for c in order}
    final_order = sorted(
        order,
        key=lambda c: (-totals[c], -(jurors[c] if jurors is not None else 0), member_place[c], c),
    )
    return [
        FinalStanding(
            candidate=c,
            rank=rank,
            points=float(totals[c]),
            jury_points=float(jurors[c]) if jurors is not None else None,
            member_points=float(members[c]) if members is not None else None,
        )
        for rank, c in enumerate(final_order, start=1)
    ]


# -- one category --------------------------------------------------------------------------------------


def _published(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLISHED_DECIMALS)


def _keyed(matrix: dict[int, dict[int, int]]) -> dict[str, dict[str, int]]:
    return {str(a): {str(b): n for b, n in row.items()} for a, row in matrix.items()}


@dataclass(frozen=True)
class CategoryTally:
    candidates: list[int]
    schulze: SchulzeResult
    jury: list[JuryStanding]
    final: list[FinalStanding]
    jury_weight: float

    @property
    def ballot_count(self) -> int:
        return self.schulze.ballot_count

    @property
    def winner(self) -> int | None:
        """The candidate ranked first; None with no candidates, or with neither ballots nor jury scores."""
        if not self.final:
            return None
        if self.ballot_count == 0 and all(s.mean is None for s in self.jury):
            return None
        return self.final[0].candidate

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe: string keys, floats rounded to 4 decimals, None for the figures that do not exist."""
        return {
            "candidates": list(self.candidates),
            "ballot_count": self.ballot_count,
            "first_preferences": {str(c): n for c, n in self.schulze.first_preferences.items()},
            "ranked_counts": {str(c): n for c, n in self.schulze.ranked_counts.items()},
            "pairwise": _keyed(self.schulze.pairwise),
            "strongest": _keyed(self.schulze.strongest),
            "member_groups": [list(group) for group in self.schulze.groups],
            "member_ranking": list(self.schulze.ranking),
            "jury": [
                {
                    "candidate": s.candidate,
                    "mean": _published(s.mean),
                    "median": _published(s.median),
                    "stdev": _published(s.stdev),
                    "count": s.count,
                    "disagreement": s.disagreement,
                }
                for s in self.jury
            ],
            "jury_ranking": [s.candidate for s in self.jury],
            "final": [
                {
                    "candidate": f.candidate,
                    "rank": f.rank,
                    "points": _published(f.points),
                    "jury_points": _published(f.jury_points),
                    "member_points": _published(f.member_points),
                }
                for f in self.final
            ],
            "jury_weight": _published(float(self.jury_weight)),
            "winner": self.winner,
        }


def tally(
    candidates: Sequence[int],
    ballots: Iterable[Sequence[int]],
    sheets: Iterable[ScoreSheet],
    weights: Mapping[int, Number],
    jury_weight: Number = DEFAULT_JURY_WEIGHT,
) -> CategoryTally:
    """The whole count of one category: the members' ranking, the jury's, and the final one."""
    _jury_weight(jury_weight)  # refuse a bad weight before doing any work
    order = _distinct(candidates)
    members = schulze(order, ballots)
    jury = jury_standings(order, sheets, weights)
    final = combine(order, jury, members.groups, jury_weight, has_ballots=members.ballot_count > 0)
    return CategoryTally(
        candidates=order,
        schulze=members,
        jury=jury,
        final=final,
        jury_weight=float(jury_weight),
    )
