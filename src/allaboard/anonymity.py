"""Minimum reporting group sizes (PRODUCT.md, privacy). Every figure about people passes through here."""

from django.conf import settings

ABSOLUTE_MINIMUM = 3


def min_group_size() -> int:
    """k: no score, distribution or export row for a cut with fewer respondents. Never below 3."""
    return max(ABSOLUTE_MINIMUM, int(settings.ALLABOARD_MIN_GROUP_SIZE))


def min_comment_group_size() -> int:
    """Comments need a larger group (default 10) and never a smaller one than k."""
    return max(min_group_size(), int(settings.ALLABOARD_MIN_COMMENT_GROUP_SIZE))


def is_reportable(respondents: int, k: int | None = None) -> bool:
    return respondents >= (k if k is not None else min_group_size())


# --- Differencing ----------------------------------------------------------------------------------
#
# A cut is a group results are shown for: a unit (with everything below it), optionally narrowed by one
# attribute (tenure band, channel, job role...), in one wave. Showing each cut only when it has k
# respondents is not enough: subtracting one visible cut from another that contains it reveals the
# difference, so a department of 14 next to its team of 12 shows the other two people's answers.
#
# `cuts_to_suppress` decides which cuts to hide so that this cannot happen. It knows how cuts are made of
# each other from the organisation tree and the attribute definitions:
#
#   unit U            = its child units + the people attached to U itself
#   unit U            = (U, attribute=a) summed over the attribute's values (for every attribute)
#   (U, attribute=a)  = (child, attribute=a) summed over its child units + U's own people with a
#
# The people are thereby split into atoms: a unit's own people with one value of one attribute.
#
# Guarantee: an attacker who knows every cut's respondent count and sees the visible cuts' results may
# add and subtract visible cuts in any combination; no combination isolates a group of 1..k-1 people
# (a combination that is exactly 1 on some atoms and 0 on every other non-empty atom). In particular no
# two nested visible cuts differ by 1..k-1 people, and hiding a child never leaves it derivable as
# "parent minus visible siblings" (complementary suppression). Combinations that mix two attributes
# cannot isolate a group (a sum of a function of tenure and a function of channel is 0/1 on every
# tenure x channel pair only if it depends on one of them), so each attribute is checked with the
# unfiltered cuts on its own. src/allaboard/listening/tests/test_differencing.py attacks this with
# hypothesis and an independent linear-algebra attacker.
#
# How: a fast structural pass (which cuts and atoms the equations let one work out, and what is left
# of a known cut after taking away non-overlapping known parts, below k, by dynamic programming over the
# tree) hides the smallest cut that closes each leak it finds; then an exact search (a small
# mixed-integer programme per region of the tree, HiGHS through scipy) confirms that no other
# combination isolates a group, hiding one more cut per group it finds, until none is left.
#
# Two more relations are checked pairwise, because what we publish cannot prove whether they are nested:
# two filters on the same unit (say "tenure under 6 months" and "chat channel" in one team), and, when
# asked, the same cut in another wave. Such a pair differing by 1..k-1 respondents hides one of the two.
#
# Pure: numbers and keys in, a set of keys out. The caller stores the answer with the wave.

from collections import defaultdict  # noqa: E402
from collections.abc import Hashable, Iterable, Mapping  # noqa: E402
from typing import NamedTuple  # noqa: E402


class Cut(NamedTuple):
    """A group results may be shown for: `unit` and below, optionally only `attribute` = `value`."""

    unit: Hashable
    attribute: str = ""
    value: str = ""
    wave: Hashable = None

    @property
    def is_filtered(self) -> bool:
        return bool(self.attribute)


def cuts_to_suppress(
    counts: Mapping[Cut, int],
    parents: Mapping[Hashable, Hashable | None],
    k: int | None = None,
    *,
    published: Iterable[Cut] = (),
    never_shown: Iterable[Cut] = (),
    compare_waves: bool = True,
    compare_filters: bool = True,
) -> set[Cut]:
    """The cuts to hide, given every cut that could be shown and how many respondents it has.

    `counts` must hold, for each wave, every unit with respondents in it or below it (attribute "")
    and, for filtered cuts, the same attribute's counts on every unit above a filtered unit.
    `parents` maps each unit to its parent (None or absent at the top).
    `published` cuts were shown before (an earlier wave) and are never hidden now: if one of them and a
    new cut differ by too little, the new one is hidden. `compare_waves` checks the same cut across the
    waves present; `compare_filters` checks two filters on the same unit. `never_shown` cuts are part
    of the structure (their counts tie the others together) but are never offered, say filters on
    single teams; they count as hidden from the start and are returned with the rest.

    Returns every cut with 1..k-1 respondents plus the complementary suppressions. A cut with 0
    respondents is not returned: it shows nothing and reveals nothing.
    """
    k = min_group_size() if k is None else k
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    for cut, n in counts.items():
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"the count of {cut!r} must be a whole number >= 0, got {n!r}")
    fixed = {cut for cut in published if counts.get(cut, 0) > 0}
    small = {cut for cut in fixed if counts[cut] < k}
    if small:
        raise ValueError(
            f"published cuts must have at least k={k} respondents: {sorted(small, key=repr)[:3]}"
        )
    suppressed = {cut for cut, n in counts.items() if 0 < n < k}
    suppressed |= {cut for cut in never_shown if counts.get(cut, 0) > 0}
    if suppressed & fixed:
        raise ValueError("a published cut cannot be one that is never shown")
    by_wave: dict[Hashable, dict[Cut, int]] = defaultdict(dict)
    for cut, n in counts.items():
        by_wave[cut.wave][cut] = n
    tables = {wave: _WaveTable(wave_counts, parents, k) for wave, wave_counts in by_wave.items()}
    while True:
        added: set[Cut] = set()
        for table in tables.values():
            added |= table.fixes(suppressed, fixed)
        if compare_filters:
            added |= _pair_fixes(_filter_pairs(counts, k), counts, suppressed | added, fixed, k)
        if compare_waves and len(tables) > 1:
            added |= _pair_fixes(_wave_pairs(counts), counts, suppressed | added, fixed, k)
        added -= suppressed
        if not added:
            # The structural pass found nothing more: confirm with the exact search, which also sees
            # combinations that add and subtract several cuts at once.
            for table in tables.values():
                added |= table.exact_fixes(suppressed, fixed)
            added -= suppressed
            if not added:
                return suppressed
        suppressed |= added


def visible_cuts(counts: Mapping[Cut, int], suppressed: set[Cut]) -> set[Cut]:
    """The cuts that may be shown: respondents, and not suppressed."""
    return {cut for cut, n in counts.items() if n > 0 and cut not in suppressed}


def _pair_fixes(pairs, counts, suppressed, fixed, k) -> set[Cut]:
    """For each related pair of visible cuts differing by 1..k-1: hide the smaller (never a published one)."""
    added: set[Cut] = set()
    for a, b in pairs:
        if a in suppressed or b in suppressed or a in added or b in added:
            continue
        if not 0 < abs(counts[a] - counts[b]) < k:
            continue
        candidates = [cut for cut in (a, b) if cut not in fixed]
        if not candidates:
            continue  # both were shown already; nothing can be taken back
        added.add(min(candidates, key=lambda cut: (counts[cut], repr(cut))))
    return added


def _filter_pairs(counts: Mapping[Cut, int], k: int):
    """Filtered cuts of the same unit (and wave) on different attributes, less than k apart in size."""
    by_unit: dict[tuple, list[Cut]] = defaultdict(list)
    for cut, n in counts.items():
        if cut.attribute and n > 0:
            by_unit[(cut.wave, cut.unit)].append(cut)
    for cuts in by_unit.values():
        cuts.sort(key=lambda cut: counts[cut])
        for i, a in enumerate(cuts):
            for b in cuts[i + 1 :]:
                if counts[b] - counts[a] >= k:
                    break
                if a.attribute != b.attribute:
                    yield a, b


def _wave_pairs(counts: Mapping[Cut, int]):
    """The same unit and filter in two waves."""
    by_key: dict[tuple, list[Cut]] = defaultdict(list)
    for cut, n in counts.items():
        if n > 0:
            by_key[(cut.unit, cut.attribute, cut.value)].append(cut)
    for cuts in by_key.values():
        for i, a in enumerate(cuts):
            for b in cuts[i + 1 :]:
                yield a, b


class _Atom(NamedTuple):
    """The people attached to `unit` itself (not to a unit below) with `attribute` = `value`; value UNLABELLED
    means "no value for this attribute", attribute "" means "all of them" (when no attribute is cut)."""

    unit: Hashable
    attribute: str
    value: str
    wave: Hashable
    own: bool = True  # a fifth field: an atom never equals the Cut with the same unit, attribute and value


UNLABELLED = "\x00unlabelled"  # the pseudo-value of people without a value for an attribute


class _WaveTable:
    """One wave's cuts as a tree of units, each unit split by each attribute, with the equations that
    tie them together and the atoms (a unit's own people per attribute value) they are made of."""

    def __init__(self, counts: Mapping[Cut, int], parents: Mapping[Hashable, Hashable | None], k: int):
        self.k = k
        self.counts = {cut: n for cut, n in counts.items() if n > 0}
        self.wave = next(iter(counts)).wave if counts else None
        units = {cut.unit for cut in self.counts}
        for cut in self.counts:
            if Cut(cut.unit, wave=cut.wave) not in self.counts:
                raise ValueError(f"{cut!r} has respondents but its unit's total is missing")
        self.parent = {unit: _nearest_parent(unit, units, parents) for unit in units}
        self.children: dict[Hashable, list] = defaultdict(list)
        for unit, parent in sorted(self.parent.items(), key=lambda item: repr(item[0])):
            if parent is not None:
                self.children[parent].append(unit)
        depth = {unit: self._depth(unit) for unit in units}
        self.order = sorted(units, key=lambda unit: (-depth[unit], repr(unit)))  # leaves first
        self.attributes = sorted({cut.attribute for cut in self.counts if cut.attribute})
        own_values: dict[tuple, set[str]] = defaultdict(set)
        for cut in self.counts:
            if cut.attribute:
                own_values[(cut.unit, cut.attribute)].add(cut.value)
        # The values each attribute takes in a unit or below it, plus UNLABELLED.
        self.values: dict[tuple, list[str]] = {}
        for unit in self.order:
            for attribute in self.attributes:
                values = set(own_values[(unit, attribute)]) | {UNLABELLED}
                for child in self.children[unit]:
                    values.update(self.values[(child, attribute)])
                self.values[(unit, attribute)] = sorted(values)
        self.size: dict = dict(self.counts)  # every variable of the equations -> respondents
        for unit in self.order:
            own = self.n(unit) - sum(self.n(c) for c in self.children[unit])
            if own < 0:
                raise ValueError(f"unit {unit!r} has fewer respondents than its children together")
            self.size[_Atom(unit, "", "", self.wave)] = own
            for attribute in self.attributes:
                values = self.values[(unit, attribute)]
                rest = self.n(unit) - sum(self.n(unit, attribute, v) for v in values if v != UNLABELLED)
                if rest < 0:
                    raise ValueError(
                        f"unit {unit!r}: the values of {attribute!r} add up to more than its total"
                    )
                self.size[self.cut(unit, attribute, UNLABELLED)] = rest
                for value in values:
                    below = sum(self.size.get(self.cut(c, attribute, value), 0) for c in self.children[unit])
                    atom = self.size.get(self.cut(unit, attribute, value), 0) - below
                    if atom < 0:
                        raise ValueError(
                            f"unit {unit!r}: {attribute}={value!r} has fewer respondents than below it"
                        )
                    self.size[_Atom(unit, attribute, value, self.wave)] = atom
        self.equations = self._equations()

    def _depth(self, unit) -> int:
        depth, parent = 0, self.parent[unit]
        while parent is not None:
            depth, parent = depth + 1, self.parent[parent]
        return depth

    def cut(self, unit, attribute: str = "", value: str = "") -> Cut:
        return Cut(unit, attribute, value, self.wave)

    def atom(self, unit, attribute: str = "", value: str = "") -> _Atom:
        return _Atom(unit, attribute, value, self.wave)

    def n(self, unit, attribute: str = "", value: str = "") -> int:
        return self.counts.get(Cut(unit, attribute, value, self.wave), 0)

    def own_atoms(self, unit, attribute: str) -> list[_Atom]:
        if not attribute:
            return [self.atom(unit)]
        return [self.atom(unit, attribute, v) for v in self.values[(unit, attribute)]]

    def _equations(self) -> list[list]:
        """Each equation as [whole, part, part, ...] with whole = sum(parts); empty terms left out."""
        equations = []

        def add(whole, parts):
            equations.append([whole, *(p for p in parts if self.size.get(p, 0) > 0)])

        for unit in self.order:
            children = [self.cut(c) for c in self.children[unit]]
            for attribute in self.attributes or [""]:
                add(self.cut(unit), [*children, *self.own_atoms(unit, attribute)])
            for attribute in self.attributes:
                values = self.values[(unit, attribute)]
                add(self.cut(unit), [self.cut(unit, attribute, v) for v in values])
                for value in values:
                    add(
                        self.cut(unit, attribute, value),
                        [
                            *(self.cut(c, attribute, value) for c in self.children[unit]),
                            self.atom(unit, attribute, value),
                        ],
                    )
        return equations

    # -- what an attacker knows -----------------------------------------------------------------

    def known(self, suppressed: set[Cut]) -> tuple[set, dict]:
        """Visible cuts, plus every cut and atom the equations let one work out from them (with what
        each was worked out from). Empty ones are known: nobody is in them."""
        known = {v for v, n in self.size.items() if n == 0 or (v in self.counts and v not in suppressed)}
        derived_from: dict = {}
        changed = True
        while changed:
            changed = False
            for terms in self.equations:
                unknown = [t for t in terms if t not in known]
                if len(unknown) != 1:
                    continue
                target = unknown[0]
                known.add(target)
                derived_from[target] = [t for t in terms if t != target]
                changed = True
        return known, derived_from

    # -- finding leaks ---------------------------------------------------------------------------

    def fixes(self, suppressed: set[Cut], fixed: set[Cut]) -> set[Cut]:
        """One more cut to hide for each group of 1..k-1 people an attacker could isolate now.

        A group is isolated when it is a cut or atom worked out from visible cuts, or what is left of a
        known cut after taking away non-overlapping known cuts and atoms inside it. For every cut, the
        dynamic programme below lists what can be left of it (below k), with the parts taken away as a
        witness."""
        known, derived_from = self.known(suppressed)
        k = self.k
        leaks: list[tuple] = [
            (var, derived_from.get(var, []))
            for var in known
            if 0 < self.size[var] < k and var in derived_from
        ]
        inner: dict = {}

        def best(var) -> dict:
            options = dict(inner[var]) if var in inner else _single(self.size.get(var, 0), k)
            if var in known:
                options[0] = var  # take it away whole
            return options

        for unit in self.order:
            for attribute in self.attributes:
                for value in self.values[(unit, attribute)]:
                    combined = best(self.atom(unit, attribute, value))
                    for child in self.children[unit]:
                        child_cut = self.cut(child, attribute, value)
                        if self.size.get(child_cut, 0):
                            combined = _add(combined, best(child_cut), k)
                    inner[self.cut(unit, attribute, value)] = combined
            by_children = {0: ()}
            for child in self.children[unit]:
                by_children = _add(by_children, best(self.cut(child)), k)
            options: dict = {}
            for attribute in self.attributes or [""]:
                own = {0: ()}
                for atom in self.own_atoms(unit, attribute):
                    own = _add(own, best(atom), k)
                _merge(options, _add(by_children, own, k))
            for attribute in self.attributes:
                by_values = {0: ()}
                for value in self.values[(unit, attribute)]:
                    by_values = _add(by_values, best(self.cut(unit, attribute, value)), k)
                _merge(options, by_values)
            inner[self.cut(unit)] = options
        for var in known:
            if var in self.counts:
                rest = [r for r, witness in inner.get(var, {}).items() if 0 < r < k and witness != ()]
                if rest:
                    leaks.append((var, _flatten(inner[var][min(rest)])))
        added: set[Cut] = set()
        for var, witness in sorted(leaks, key=lambda leak: repr(leak[0])):
            if added & self._support(var, witness, derived_from):
                continue  # already broken by a cut hidden for another leak; the next pass re-checks
            choice = self._choose(var, witness, derived_from, suppressed | added, fixed)
            if choice is not None:
                added.add(choice)
        return added

    def _support(self, whole, witness, derived_from) -> set:
        """Everything a leak stands on: the parts taken away and what derived ones were worked out from."""
        frontier, seen = [*witness, whole], set()
        while frontier:
            var = frontier.pop()
            if var not in seen:
                seen.add(var)
                frontier.extend(derived_from.get(var, ()))
        return seen

    def _choose(self, whole, witness, derived_from, suppressed, fixed) -> Cut | None:
        """The cut to hide to close a leak: the smallest visible cut taken away; else the smallest
        visible cut the whole or the parts taken away were worked out from; else the whole itself."""

        def hideable(variables):
            return [v for v in variables if v in self.counts and v not in suppressed and v not in fixed]

        taken = hideable(witness)
        if taken:
            return min(taken, key=lambda c: (self.counts[c], repr(c)))
        frontier, seen, sources = [*witness, whole], set(), []
        while frontier:
            var = frontier.pop()
            if var in seen:
                continue
            seen.add(var)
            if var in derived_from:
                frontier.extend(derived_from[var])
            elif var != whole:
                sources.append(var)
        candidates = hideable(sources)
        if candidates:
            return min(candidates, key=lambda c: (self.counts[c], repr(c)))
        return whole if whole in self.counts and whole not in suppressed and whole not in fixed else None

    def exact_fixes(self, suppressed: set[Cut], fixed: set[Cut]) -> set[Cut]:
        """Cuts to hide for groups the structural pass cannot see, found by an exact search.

        Per attribute, a mixed-integer programme looks for any combination of visible cuts (real
        coefficients) that is exactly 1 on a set of atoms with 1..k-1 people and 0 on every other
        non-empty atom. Combinations across two attributes cannot isolate a group (see the module
        notes), so one attribute at a time is enough. Each group found hides the smallest visible cut
        the combination uses; the caller repeats until nothing is found.

        The search runs region by region. A unit whose total and every value of the attribute are
        visible "seals" its subtree: whatever cuts above it add to its people (the same amount per
        value), its own cuts can add too, so a group inside it is isolable from its own cuts and those
        below, and a group that also has people elsewhere would leave an isolable group inside it."""
        added: set[Cut] = set()
        for attribute in self.attributes or [""]:
            for region in self._regions(attribute, suppressed):
                combination = self._smallest_group(attribute, suppressed | added, region)
                choice = min(
                    (c for c in combination if c not in fixed and c not in suppressed and c not in added),
                    key=lambda c: (self.counts[c], repr(c)),
                    default=None,
                )
                if choice is not None:
                    added.add(choice)
        return added

    def _regions(self, attribute: str, suppressed: set[Cut]) -> list[set]:
        """The units split into regions: each sealed unit starts one, and so does the top."""

        def visible(cut):
            return cut in self.counts and cut not in suppressed

        def sealed(unit) -> bool:
            if not visible(self.cut(unit)):
                return False
            return all(
                visible(self.cut(unit, attribute, value))
                for value in (self.values[(unit, attribute)] if attribute else [])
                if value != UNLABELLED and self.size.get(self.cut(unit, attribute, value), 0)
            )

        start_of: dict = {}
        for unit in reversed(self.order):  # parents before children
            parent = self.parent[unit]
            start_of[unit] = unit if parent is None or sealed(unit) else start_of[parent]
        regions: dict = defaultdict(set)
        for unit, start in start_of.items():
            regions[start].add(unit)
        return [regions[start] for start in sorted(regions, key=repr)]

    def _smallest_group(self, attribute: str, suppressed: set[Cut], region: set) -> list[Cut]:
        """The visible cuts of a combination isolating 1..k-1 people of `region` on this attribute
        (using cuts of units in the region only), or []."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import coo_matrix, hstack

        atoms = [
            atom
            for unit in self.order
            if unit in region
            for atom in self.own_atoms(unit, attribute)
            if self.size.get(atom, 0) > 0
        ]
        rows = [
            cut
            for cut in self.counts
            if cut.unit in region
            and cut not in suppressed
            and (not cut.attribute or cut.attribute == attribute)
        ]
        sizes = np.array([self.size[atom] for atom in atoms], dtype=float)
        small = np.flatnonzero(sizes < self.k)
        if not rows or not small.size:
            return []
        row_of = {cut: i for i, cut in enumerate(rows)}
        # Atoms in exactly the same visible cuts cannot be told apart by any combination: merge them.
        merged: dict[tuple, int] = {}
        for j, atom in enumerate(atoms):
            signature = []
            unit = atom.unit
            while unit in region:  # the atom is in every cut of its unit and the units above
                for cut in (self.cut(unit), self.cut(unit, attribute, atom.value) if attribute else None):
                    if cut in row_of:
                        signature.append(row_of[cut])
                unit = self.parent[unit]
            key = tuple(sorted(signature))
            merged[key] = merged.get(key, 0) + int(sizes[j])
        signatures = list(merged)
        sizes = np.array([merged[key] for key in signatures], dtype=float)
        small = np.flatnonzero(sizes < self.k)
        if not small.size:
            return []
        entries_atom = [j for j, key in enumerate(signatures) for _ in key]
        entries_row = [i for key in signatures for i in key]
        atoms = signatures
        n_rows, n_small = len(rows), small.size
        membership_t = coo_matrix(
            (np.ones(len(entries_atom)), (entries_atom, entries_row)), shape=(len(atoms), n_rows)
        )
        picks = coo_matrix((-np.ones(n_small), (small, np.arange(n_small))), shape=(len(atoms), n_small))
        # Variables: a real coefficient per visible cut, then a 0/1 per small atom. Each atom: the
        # coefficients of the cuts containing it add up to 1 if it is in the group, else 0.
        equalities = LinearConstraint(hstack([membership_t, picks]).tocsr(), 0.0, 0.0)
        people = np.concatenate([np.zeros(n_rows), sizes[small]])
        group_size = LinearConstraint(people[None, :], 1.0, self.k - 1)
        bound = float(max(2 * n_rows, 10))
        result = milp(
            c=people,
            constraints=[equalities, group_size],
            integrality=np.concatenate([np.zeros(n_rows), np.ones(n_small)]),
            bounds=Bounds(
                np.concatenate([np.full(n_rows, -bound), np.zeros(n_small)]),
                np.concatenate([np.full(n_rows, bound), np.ones(n_small)]),
            ),
        )
        if result.status != 0 or result.x is None:
            return []
        coefficients = result.x[:n_rows]
        return [rows[i] for i in np.flatnonzero(np.abs(coefficients) > 1e-7)]

    def _descendants(self, unit):
        for child in self.children[unit]:
            yield child
            yield from self._descendants(child)


def _nearest_parent(unit, units, parents):
    """The closest ancestor of `unit` that has respondents (intermediate empty units are skipped)."""
    parent = parents.get(unit)
    seen = {unit}
    while parent is not None and parent not in units:
        if parent in seen:
            raise ValueError(f"the unit tree has a cycle through {parent!r}")
        seen.add(parent)
        parent = parents.get(parent)
    return parent


def _merge(options: dict, more: dict) -> None:
    for r, witness in more.items():
        options.setdefault(r, witness)


def _single(r: int, k: int) -> dict:
    """The remainder options of a group nobody can take anything away from: just itself."""
    return {r: ()} if r < k else {}


def _add(left: dict, right: dict, k: int) -> dict:
    """Remainders of two disjoint parts together (sums below k only), with a witness for each.

    A witness is a Cut, a nested pair of witnesses, or () for "nothing taken away"."""
    out: dict = {}
    for a, wa in left.items():
        for b, wb in right.items():
            if a + b < k and a + b not in out:
                out[a + b] = (wa, wb) if wa and wb else (wa or wb)
    return out


def _flatten(witness) -> list[Cut]:
    out: list[Cut] = []
    stack = [witness]
    while stack:
        item = stack.pop()
        if isinstance(item, Cut | _Atom):
            out.append(item)
        elif item:
            stack.extend(item)
    return out
