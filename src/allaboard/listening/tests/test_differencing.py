"""The differencing rule (allaboard.anonymity.cuts_to_suppress), attacked.

The attacker here is independent of the rule's own reasoning: it knows every cut's respondent count,
sees the visible cuts' answers, and may add and subtract visible cuts in any combination (exact linear
algebra, real coefficients). Within one attribute (plus the unfiltered cuts, which belong to every attribute) the
people are split into atoms: (unit's own people, attribute value). A combination reveals a group when it
is 1 on some atoms and 0 on every other non-empty atom; the group must then be empty or have k or more
people. (Combinations across two attributes cannot isolate a group: with two values or more on each
attribute, no sum of a function of one attribute and a function of the other is 0/1 on their product
unless it depends on one of them only.)
"""

import itertools
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.anonymity import Cut, cuts_to_suppress, visible_cuts

ATTRIBUTES = {"tenure": ["new", "settled", "long"], "channel": ["voice", "chat"]}


# --- building random organisations -------------------------------------------------------------------


@st.composite
def organisations(draw, max_units=7, max_people=45):
    """(parents, people): a random tree (unit 0 is the top) and people as (unit, {attribute: value})."""
    n_units = draw(st.integers(1, max_units))
    parents = {0: None}
    for unit in range(1, n_units):
        parents[unit] = draw(st.integers(0, unit - 1))
    leaves = [u for u in parents if u not in parents.values()] or [0]
    n_people = draw(st.integers(0, max_people))
    people = []
    for _ in range(n_people):
        # Most people sit in leaf teams; a few are attached to a unit higher up (managers).
        unit = (
            draw(st.sampled_from(leaves))
            if draw(st.integers(0, 9))
            else draw(st.sampled_from(sorted(parents)))
        )
        values = {a: draw(st.sampled_from(vs)) for a, vs in ATTRIBUTES.items()}
        people.append((unit, values))
    return parents, people


def ancestors_or_self(unit, parents):
    while unit is not None:
        yield unit
        unit = parents[unit]


def counts_of(parents, people, attributes=ATTRIBUTES, wave=None) -> dict[Cut, int]:
    counts: dict[Cut, int] = defaultdict(int)
    for unit, values in people:
        for up in ancestors_or_self(unit, parents):
            counts[Cut(up, wave=wave)] += 1
            for attribute in attributes:
                counts[Cut(up, attribute, values[attribute], wave)] += 1
    return dict(counts)


# --- the attacker -------------------------------------------------------------------------------------


def subtree(unit, parents):
    return {u for u in parents if unit in ancestors_or_self(u, parents)}


def recoverable_small_groups(parents, people, visible: set[Cut], k: int) -> list[tuple]:
    """Groups of 1..k-1 people that some combination of visible cuts isolates exactly."""
    found = []
    for attribute in ATTRIBUTES:
        atoms = sorted({(unit, v[attribute]) for unit, v in people})  # non-empty atoms only
        if not atoms:
            continue
        index = {atom: i for i, atom in enumerate(atoms)}
        size = np.zeros(len(atoms))
        for unit, v in people:
            size[index[(unit, v[attribute])]] += 1
        rows = []
        for cut in visible:
            if cut.attribute not in ("", attribute):
                continue
            units = subtree(cut.unit, parents)
            row = np.zeros(len(atoms))
            for (unit, value), i in index.items():
                if unit in units and (not cut.attribute or value == cut.value):
                    row[i] = 1
            rows.append(row)
        if not rows:
            continue
        basis = np.array(rows)
        projector = np.linalg.pinv(basis) @ basis  # projects onto the span of the visible rows
        for r in range(1, k):
            for group in itertools.combinations(range(len(atoms)), r):
                if not 0 < size[list(group)].sum() < k:
                    continue
                target = np.zeros(len(atoms))
                target[list(group)] = 1
                if np.allclose(target @ projector, target, atol=1e-7):
                    found.append((attribute, [atoms[i] for i in group]))
    return found


def nested(a: Cut, b: Cut, parents) -> bool:
    """a is inside b by the tree and the attribute definitions alone."""
    if a.unit not in subtree(b.unit, parents):
        return False
    return not b.attribute or (a.attribute, a.value) == (b.attribute, b.value)


# --- properties ---------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(organisations(), st.integers(3, 5))
def test_no_group_below_k_can_be_recovered_from_visible_cuts(org, k):
    parents, people = org
    counts = counts_of(parents, people)
    visible = visible_cuts(counts, cuts_to_suppress(counts, parents, k))
    assert recoverable_small_groups(parents, people, visible, k) == []


@SETTINGS
@given(organisations(), st.integers(3, 5))
def test_no_two_nested_visible_cuts_differ_by_fewer_than_k(org, k):
    parents, people = org
    counts = counts_of(parents, people)
    visible = visible_cuts(counts, cuts_to_suppress(counts, parents, k))
    for a, b in itertools.permutations(visible, 2):
        if nested(a, b, parents):
            assert not 0 < counts[b] - counts[a] < k, (a, b)


@SETTINGS
@given(organisations(), st.integers(3, 5))
def test_two_filters_on_one_unit_never_differ_by_fewer_than_k(org, k):
    parents, people = org
    counts = counts_of(parents, people)
    visible = visible_cuts(counts, cuts_to_suppress(counts, parents, k))
    for a, b in itertools.combinations(visible, 2):
        if a.unit == b.unit and a.attribute and b.attribute and a.attribute != b.attribute:
            assert not 0 < abs(counts[a] - counts[b]) < k, (a, b)


@SETTINGS
@given(organisations(), st.integers(3, 5))
def test_every_visible_cut_has_at_least_k_respondents(org, k):
    parents, people = org
    counts = counts_of(parents, people)
    for cut in visible_cuts(counts, cuts_to_suppress(counts, parents, k)):
        assert counts[cut] >= k


@SETTINGS
@given(
    organisations(max_units=5, max_people=30), organisations(max_units=5, max_people=30), st.integers(3, 5)
)
def test_the_same_cut_in_two_waves_never_differs_by_fewer_than_k(first, second, k):
    parents = first[0]
    later_people = [(u if u in parents else 0, v) for u, v in second[1]]
    counts = counts_of(parents, first[1], wave=1) | counts_of(parents, later_people, wave=2)
    published = visible_cuts(
        counts_of(parents, first[1], wave=1),
        cuts_to_suppress(counts_of(parents, first[1], wave=1), parents, k),
    )
    suppressed = cuts_to_suppress(counts, parents, k, published=published)
    visible = visible_cuts(counts, suppressed)
    assert published <= visible  # what was shown stays shown; the new wave gives way
    for a in visible:
        b = a._replace(wave=2 if a.wave == 1 else 1)
        if b in visible:
            assert not 0 < abs(counts[a] - counts[b]) < k, (a, b)


# --- worked examples ----------------------------------------------------------------------------------


def tree(*edges):
    parents = {}
    for child, parent in edges:
        parents.setdefault(parent, None)
        parents[child] = parent
    return parents


def test_a_team_of_twelve_in_a_department_of_fourteen_is_hidden_with_its_sibling():
    parents = tree(("t1", "dept"), ("t2", "dept"))
    counts = {Cut("dept"): 14, Cut("t1"): 12, Cut("t2"): 2}
    suppressed = cuts_to_suppress(counts, parents, 5)
    assert Cut("t2") in suppressed  # too small
    assert Cut("t1") in suppressed  # or dept - t1 would give t2's answers
    assert Cut("dept") not in suppressed


def test_three_large_teams_are_all_shown():
    parents = tree(("t1", "dept"), ("t2", "dept"), ("t3", "dept"))
    counts = {Cut("dept"): 30, Cut("t1"): 10, Cut("t2"): 10, Cut("t3"): 10}
    assert cuts_to_suppress(counts, parents, 5) == set()


def test_hiding_one_small_team_hides_the_smallest_sibling_too():
    parents = tree(("t1", "dept"), ("t2", "dept"), ("t3", "dept"))
    counts = {Cut("dept"): 27, Cut("t1"): 12, Cut("t2"): 12, Cut("t3"): 3}
    suppressed = cuts_to_suppress(counts, parents, 5)
    assert Cut("t3") in suppressed
    assert len(suppressed & {Cut("t1"), Cut("t2")}) == 1  # t3 + the hidden sibling = 15 >= 5


def test_a_filter_that_leaves_out_fewer_than_k_people_is_hidden():
    parents = {"team": None}
    counts = {
        Cut("team"): 20,
        Cut("team", "tenure", "new"): 2,
        Cut("team", "tenure", "settled"): 18,
    }
    suppressed = cuts_to_suppress(counts, parents, 5)
    assert Cut("team", "tenure", "settled") in suppressed
    assert Cut("team") not in suppressed


def test_a_filter_across_teams_cannot_be_subtracted_through_a_hidden_team():
    # W = T1 + T2; T1 splits 10 new + 1 settled, T2 splits 1 new + 10 settled. Showing W, (T1, new) and
    # (T2, settled) would give the two odd ones out by subtraction, whatever happens to T1 and T2.
    parents = tree(("t1", "w"), ("t2", "w"))
    counts = {
        Cut("w"): 22,
        Cut("t1"): 11,
        Cut("t2"): 11,
        Cut("t1", "tenure", "new"): 10,
        Cut("t1", "tenure", "settled"): 1,
        Cut("t2", "tenure", "new"): 1,
        Cut("t2", "tenure", "settled"): 10,
        Cut("w", "tenure", "new"): 11,
        Cut("w", "tenure", "settled"): 11,
    }
    visible = visible_cuts(counts, cuts_to_suppress(counts, parents, 5))
    assert not {Cut("w"), Cut("t1", "tenure", "new"), Cut("t2", "tenure", "settled")} <= visible


def test_published_cuts_stay_and_the_new_wave_gives_way():
    parents = {"team": None}
    counts = {Cut("team", wave=1): 12, Cut("team", wave=2): 13}
    suppressed = cuts_to_suppress(counts, parents, 5, published={Cut("team", wave=1)})
    assert suppressed == {Cut("team", wave=2)}
    assert cuts_to_suppress(counts, parents, 5, published={Cut("team", wave=1)}, compare_waves=False) == set()


def test_cuts_never_shown_still_tie_the_others_together():
    # Filters on single teams are never offered, but their counts still say who is where: with W, T1,
    # T2 and (W, new) shown, (T1, new) = 2 is hidden and T1 - ... nothing smaller than k may leak.
    parents = tree(("t1", "w"), ("t2", "w"))
    counts = {
        Cut("w"): 24,
        Cut("t1"): 12,
        Cut("t2"): 12,
        Cut("w", "tenure", "new"): 12,
        Cut("w", "tenure", "settled"): 12,
        Cut("t1", "tenure", "new"): 12,
        Cut("t2", "tenure", "settled"): 12,
    }
    team_filters = [c for c in counts if c.attribute and c.unit != "w"]
    suppressed = cuts_to_suppress(counts, parents, 5, never_shown=team_filters)
    assert set(team_filters) <= suppressed
    assert visible_cuts(counts, suppressed) == {
        Cut("w"),
        Cut("t1"),
        Cut("t2"),
        Cut("w", "tenure", "new"),
        Cut("w", "tenure", "settled"),
    }


def test_inconsistent_counts_are_refused():
    with pytest.raises(ValueError):
        cuts_to_suppress({Cut("dept"): 5, Cut("t1"): 9}, tree(("t1", "dept")), 5)
    with pytest.raises(ValueError):
        cuts_to_suppress({Cut("t1", "tenure", "new"): 9}, {"t1": None}, 5)
    with pytest.raises(ValueError):
        cuts_to_suppress({Cut("t1"): -1}, {"t1": None}, 5)
