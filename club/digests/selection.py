"""Which case studies go into one subscriber's email digest, and why.

The club exists to break silos: a contact-centre head in a bank learns most from what a utility's CX
team or a public administration's HR people tried, not from a tenth case about banking contact centres.
So the digest is not a "more of the same" feed. It mixes what is closest to the reader's interests with
work from sectors and functions other than their own, and it says, for every case, why it was chosen.
This text is the statement of those rules; the code below does what it says.

The module works on plain data only (the candidate cases, the reader's profile, the current time) and
returns plain data, so the scheduler, the CLI and the tests all get the same answer from the same input.


1. Cross-silo
=============

A case is *cross-silo* for a reader when either

  - it comes from a sector other than the reader's, or
  - it serves none of the reader's function: it names at least one function, and the reader's is not
    among them.

A reader who left their sector (or function) blank has no silo on that side: every case that names a
sector (or a function) is "other" for them. A case that names no sector (or no function) is not
counted as coming from elsewhere on that side: not knowing where a case comes from is no evidence that
it comes from another silo, and untagged cases must not be able to fill the cross-silo share below.


2. Relevance
============

Each case gets a relevance between 0 and 1 for the reader: the weighted sum of six parts, each between
0 and 1, with weights that add up to 1 (the WEIGHT_* constants):

  followed competences   0.30  competences the reader follows that the case covers
  profile competences    0.15  competences of the reader's profile that the case covers
  followed sector        0.05  the case's sector is one the reader follows
  followed function      0.05  the case serves a function the reader follows
  useful marks           0.20  how many members marked the case useful
  recency                0.25  how recently the case was published

Shared competences count up to COMPETENCE_SATURATION (2): the first match says the most, a third adds
nothing. A followed competence weighs twice a profile one, because following is an explicit wish
(a competence both followed and in the profile counts in both parts). Followed sectors and functions
get only a small bonus, since the cross-silo share already brings other sectors and functions in.

Useful marks count as log(1 + marks) / log(1 + USEFUL_SATURATION), capped at 1 (USEFUL_SATURATION is
50): the tenth mark still matters, but a popular case cannot swamp everything else.

Recency decays exponentially with a half-life of RECENCY_HALF_LIFE_DAYS (7 days): a case published today
scores 1, one a week old 0.5, one a month old about 0.05. A publication date in the future counts as now.

Without a profile only the useful marks and the recency count (the first four parts are 0).


3. Variety: maximal marginal relevance
======================================

Taking the most relevant cases alone would often give eight variations on one theme. The digest is
built one pick at a time instead. The relevances of the candidates are first rescaled to [0, 1] (the
least relevant candidate gets 0, the most relevant 1; all get 1 when they are all equal). Each next
pick is then the candidate with the highest

    MMR_LAMBDA x relevance - (1 - MMR_LAMBDA) x (its greatest similarity to a case already picked)

with MMR_LAMBDA = 0.7: relevance leads, but a near-duplicate of a case already chosen loses to a
slightly less relevant case about something else. The similarity of two cases is between 0 and 1:

  same sector            0.4   both name a sector, and it is the same one
  shared functions       0.3   x  |common functions| / |functions of either|    (Jaccard index)
  shared competences     0.3   x  |common competences| / |competences of either|

The picks are shown in the order they were made.


4. Half or more from other silos
================================

At least half of the picks (half rounded up: 2 of 3, 4 of 8) are cross-silo, whenever the candidates
allow it. The rule is kept while picking, not by swapping afterwards: as long as there is room, the
best candidate by the formula above is taken whatever its silo; as soon as the slots left are only
just enough to reach the cross-silo share, only cross-silo candidates may be picked. When there are
fewer cross-silo candidates than the share, all of them are picked.


5. Why each case was chosen
===========================

Every pick carries a reason, the first of these that applies, and the sector, function or competence
it names:

  other_sector          the case comes from another sector (names the case's sector)
  other_function        the case serves none of the reader's function (names the smallest function of
                        the case; none of them is the reader's)
  followed_competence   it covers a competence the reader follows (the smallest such competence)
  followed_sector       it comes from a sector the reader follows (that sector)
  followed_function     it serves a function the reader follows (the smallest such function)
  popular               it has at least one useful mark (names nothing)
  recent                none of the above (names nothing)


6. Subscribers without a profile
================================

A subscriber who is not a member has no sectors, functions or competences to go by. Their digest is a
spread across sectors: the candidates are grouped by sector (the cases without a sector form one more
group), the groups are put in order of their best case (by relevance without a profile), and the picks
go round the groups in that order, taking each group's next best case in turn, until the digest is full.
The reason is "spread", naming the sector; cases without a sector say "popular" or "recent" as above.


7. Size, ties, determinism
==========================

A digest holds at most `limit` cases (8 by default; a limit below 1 is an error); `more` says how many
candidates were left out, for the "N more on the site" line. No candidates, empty digest.

Ties are broken by the newer publication, then the smaller case number. The same candidates give the
same digest in whatever order they come. Case numbers are expected to be unique among the candidates.

Cost: one call is O(limit x candidates) cheap arithmetic; everything about a candidate is computed once
per call. The digest job runs this for every subscriber.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "COMPETENCE_SATURATION",
    "DEFAULT_LIMIT",
    "MMR_LAMBDA",
    "REASONS",
    "RECENCY_HALF_LIFE_DAYS",
    "SIMILARITY_COMPETENCES",
    "SIMILARITY_FUNCTIONS",
    "SIMILARITY_SAME_SECTOR",
    "USEFUL_SATURATION",
    "WEIGHT_FOLLOWED_COMPETENCES",
    "WEIGHT_FOLLOWED_FUNCTION",
    "WEIGHT_FOLLOWED_SECTOR",
    "WEIGHT_PROFILE_COMPETENCES",
    "WEIGHT_RECENCY",
    "WEIGHT_USEFUL",
    "Candidate",
    "Pick",
    "Reader",
    "Selection",
    "is_cross_silo",
    "relevance",
    "select",
]

REASONS = (
    "other_sector",
    "other_function",
    "followed_competence",
    "followed_sector",
    "followed_function",
    "spread",
    "popular",
    "recent",
)

# Relevance weights (section 2 of the docstring); they add up to 1 so that relevance stays in [0, 1].
WEIGHT_FOLLOWED_COMPETENCES = 0.30
WEIGHT_PROFILE_COMPETENCES = 0.15
WEIGHT_FOLLOWED_SECTOR = 0.05
WEIGHT_FOLLOWED_FUNCTION = 0.05
WEIGHT_USEFUL = 0.20
WEIGHT_RECENCY = 0.25
COMPETENCE_SATURATION = 2
USEFUL_SATURATION = 50
RECENCY_HALF_LIFE_DAYS = 7.0

# Similarity weights (section 3); they add up to 1 so that similarity stays in [0, 1].
SIMILARITY_SAME_SECTOR = 0.4
SIMILARITY_FUNCTIONS = 0.3
SIMILARITY_COMPETENCES = 0.3
MMR_LAMBDA = 0.7

DEFAULT_LIMIT = 8

_SECONDS_PER_DAY = 86_400.0
# The saturating parts as tables indexed by the count, so the hot loop does no log() and no division.
_USEFUL_PARTS = tuple(
    WEIGHT_USEFUL * math.log1p(n) / math.log1p(USEFUL_SATURATION) for n in range(USEFUL_SATURATION + 1)
)
_FOLLOWED_COMPETENCE_PARTS = tuple(
    WEIGHT_FOLLOWED_COMPETENCES * n / COMPETENCE_SATURATION for n in range(COMPETENCE_SATURATION + 1)
)
_PROFILE_COMPETENCE_PARTS = tuple(
    WEIGHT_PROFILE_COMPETENCES * n / COMPETENCE_SATURATION for n in range(COMPETENCE_SATURATION + 1)
)
# Decay per second, so the hot path does one exp() and no division by the half-life.
_DECAY_PER_SECOND = math.log(2.0) / (RECENCY_HALF_LIFE_DAYS * _SECONDS_PER_DAY)


@dataclass(frozen=True)
class Candidate:
    """A published case study that may go into the digest."""

    case_id: int
    sector_id: int | None
    function_ids: frozenset[int]
    competence_ids: frozenset[int]
    useful_count: int
    published_at: datetime  # timezone-aware


@dataclass(frozen=True)
class Reader:
    """The profile of a subscriber who is a member (subscribers without one are `None`)."""

    sector_id: int | None
    function_id: int | None
    competence_ids: frozenset[int] = frozenset()
    followed_sector_ids: frozenset[int] = frozenset()
    followed_function_ids: frozenset[int] = frozenset()
    followed_competence_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Pick:
    """One case of the digest and why it is there (`reason` is one of REASONS)."""

    case_id: int
    reason: str
    subject_id: int | None  # the sector, function or competence the reason names; None for popular/recent


@dataclass(frozen=True)
class Selection:
    """The cases of one digest, in the order to show them, and how many candidates were left out."""

    picks: list[Pick]
    more: int


def is_cross_silo(candidate: Candidate, reader: Reader) -> bool:
    """Whether the case comes from another sector or serves none of the reader's function (section 1)."""
    if candidate.sector_id is not None and candidate.sector_id != reader.sector_id:
        return True
    return bool(candidate.function_ids) and reader.function_id not in candidate.function_ids


def relevance(candidate: Candidate, reader: Reader | None, now: datetime) -> float:
    """The case's relevance for the reader, between 0 and 1 (section 2)."""
    return _relevances((candidate,), reader, now)[0]


def select(
    candidates: Sequence[Candidate], reader: Reader | None, now: datetime, limit: int = DEFAULT_LIMIT
) -> Selection:
    """The digest for one subscriber: at most `limit` picks from `candidates` (sections 3 to 7)."""
    if limit < 1:
        raise ValueError(f"a digest needs room for at least one case, not {limit}")
    if not candidates:
        return Selection(picks=[], more=0)
    # One canonical order, newest first then smallest case number, makes every later "first wins" tie
    # break independent of the order the caller passed the candidates in.
    ordered = sorted(candidates, key=lambda c: (c.published_at, -c.case_id), reverse=True)
    size = min(limit, len(ordered))
    if reader is None:
        picks = _spread(ordered, now, size)
    else:
        picks = _diverse(ordered, reader, now, size)
    return Selection(picks=picks, more=len(candidates) - len(picks))


# -- relevance -------------------------------------------------------------------------------------


def _relevances(candidates: Sequence[Candidate], reader: Reader | None, now: datetime) -> list[float]:
    # One loop with everything inlined: this runs for every candidate of every subscriber, and the call
    # overhead of a helper per part would cost more than the arithmetic.
    exp = math.exp
    decay = _DECAY_PER_SECOND
    useful_parts = _USEFUL_PARTS
    useful_top = len(useful_parts) - 1
    profiled = reader is not None
    empty: frozenset[int] = frozenset()
    followed_competences = reader.followed_competence_ids if reader else empty
    profile_competences = reader.competence_ids if reader else empty
    followed_sectors = reader.followed_sector_ids if reader else empty
    followed_functions = reader.followed_function_ids if reader else empty
    scores = []
    for candidate in candidates:
        age = (now - candidate.published_at).total_seconds()
        score = WEIGHT_RECENCY if age <= 0 else WEIGHT_RECENCY * exp(-age * decay)
        useful = candidate.useful_count
        if useful > 0:
            score += useful_parts[useful] if useful <= useful_top else WEIGHT_USEFUL
        if profiled:
            competences = candidate.competence_ids
            if competences:
                shared = len(competences & followed_competences)
                if shared:
                    score += _FOLLOWED_COMPETENCE_PARTS[min(shared, COMPETENCE_SATURATION)]
                shared = len(competences & profile_competences)
                if shared:
                    score += _PROFILE_COMPETENCE_PARTS[min(shared, COMPETENCE_SATURATION)]
            if candidate.sector_id in followed_sectors:
                score += WEIGHT_FOLLOWED_SECTOR
            if not candidate.function_ids.isdisjoint(followed_functions):
                score += WEIGHT_FOLLOWED_FUNCTION
        scores.append(score)
    return scores


# -- readers with a profile: MMR under the cross-silo share ----------------------------------------


def _diverse(ordered: list[Candidate], reader: Reader, now: datetime, size: int) -> list[Pick]:
    scores = _relevances(ordered, reader, now)
    low, high = min(scores), max(scores)
    width = high - low
    # Pre-multiplying by lambda here (and by 1 - lambda in the similarity weights) leaves the inner loop
    # with one subtraction per candidate.
    if width > 0:
        gains = [MMR_LAMBDA * (s - low) / width for s in scores]
    else:
        gains = [MMR_LAMBDA] * len(scores)
    w_sector = (1.0 - MMR_LAMBDA) * SIMILARITY_SAME_SECTOR
    w_functions = (1.0 - MMR_LAMBDA) * SIMILARITY_FUNCTIONS
    w_competences = (1.0 - MMR_LAMBDA) * SIMILARITY_COMPETENCES

    count = len(ordered)
    sectors = [c.sector_id for c in ordered]
    functions = [c.function_ids for c in ordered]
    n_functions = [len(f) for f in functions]
    competences = [c.competence_ids for c in ordered]
    n_competences = [len(c) for c in competences]
    cross = [is_cross_silo(c, reader) for c in ordered]
    quota = min(math.ceil(size / 2), sum(cross))

    # Lazy greedy. A candidate's penalty (its greatest similarity to the picks) only grows as picks are
    # added, so a penalty computed against the first few picks still bounds the value from above: a
    # candidate that cannot win even so is passed over without comparing it to the newer picks. And
    # with the candidates in order of gain, once a gain falls below the best value found, nobody after
    # it can win. The result is exactly that of comparing everybody at every step, for a fraction of
    # the work. Among equal gains the order is the canonical one, and equal values go to the smaller
    # canonical index, so ties break as section 7 says.
    penalties = [0.0] * count
    seen = [0] * count  # how many picks each penalty accounts for
    remaining = sorted(range(count), key=lambda i: (-gains[i], i))
    chosen: list[int] = []
    crossed = 0
    for step in range(size):
        cross_only = quota - crossed >= size - step
        picked = len(chosen)
        best = best_position = -1
        best_value = -math.inf
        for position, i in enumerate(remaining):
            gain = gains[i]
            if gain < best_value:
                break
            if cross_only and not cross[i]:
                continue
            value = gain - penalties[i]
            if value < best_value:
                continue
            if seen[i] < picked:
                penalty = penalties[i]
                sector, own_functions, own_competences = sectors[i], functions[i], competences[i]
                own_n_functions, own_n_competences = n_functions[i], n_competences[i]
                for j in chosen[seen[i] :]:
                    similarity = w_sector if sector == sectors[j] and sector is not None else 0.0
                    if own_n_functions and n_functions[j]:
                        common = len(own_functions & functions[j])
                        if common:
                            similarity += w_functions * common / (own_n_functions + n_functions[j] - common)
                    if own_n_competences and n_competences[j]:
                        common = len(own_competences & competences[j])
                        if common:
                            similarity += w_competences * common / (own_n_competences + n_competences[j] - common)
                    if similarity > penalty:
                        penalty = similarity
                penalties[i] = penalty
                seen[i] = picked
                value = gain - penalty
            if value > best_value or (value == best_value and i < best):
                best, best_position, best_value = i, position, value
        del remaining[best_position]
        chosen.append(best)
        crossed += cross[best]
    return [_reason(ordered[i], reader) for i in chosen]


def _reason(candidate: Candidate, reader: Reader) -> Pick:
    case_id = candidate.case_id
    if candidate.sector_id is not None and candidate.sector_id != reader.sector_id:
        return Pick(case_id, "other_sector", candidate.sector_id)
    if candidate.function_ids and reader.function_id not in candidate.function_ids:
        return Pick(case_id, "other_function", min(candidate.function_ids))
    shared = candidate.competence_ids & reader.followed_competence_ids
    if shared:
        return Pick(case_id, "followed_competence", min(shared))
    if candidate.sector_id is not None and candidate.sector_id in reader.followed_sector_ids:
        return Pick(case_id, "followed_sector", candidate.sector_id)
    followed_functions = candidate.function_ids & reader.followed_function_ids
    if followed_functions:
        return Pick(case_id, "followed_function", min(followed_functions))
    return _plain(candidate)


def _plain(candidate: Candidate) -> Pick:
    if candidate.useful_count > 0:
        return Pick(candidate.case_id, "popular", None)
    return Pick(candidate.case_id, "recent", None)


# -- readers without a profile: round robin over sectors -------------------------------------------


def _spread(ordered: list[Candidate], now: datetime, size: int) -> list[Pick]:
    scores = _relevances(ordered, None, now)
    # Python's sort is stable, so equal scores keep the canonical (newest first) order.
    ranked = sorted(range(len(ordered)), key=lambda i: -scores[i])
    groups: dict[int | None, list[Candidate]] = {}
    for i in ranked:
        groups.setdefault(ordered[i].sector_id, []).append(ordered[i])
    # Insertion order of the dict is the order of each group's best case.
    queues = list(groups.values())
    picks: list[Pick] = []
    depth = 0
    while len(picks) < size:
        for queue in queues:
            if depth < len(queue):
                candidate = queue[depth]
                if candidate.sector_id is None:
                    picks.append(_plain(candidate))
                else:
                    picks.append(Pick(candidate.case_id, "spread", candidate.sector_id))
                if len(picks) == size:
                    break
        depth += 1
    return picks
