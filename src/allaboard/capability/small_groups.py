"""Which capability figures may be shown (PRODUCT.md, privacy): none for a group below the anonymity
minimum k, and none that a visible total minus visible siblings would give away.

The rule is the one listening uses, from allaboard.anonymity.cuts_to_suppress. Its model fits: the
attacker knows how many people each group has (headcounts are no secret) and sees the figures of the
visible groups; no sum or difference of visible figures may isolate 1..k-1 people.

% formally trained can be read by organisation, site, partner, team and job role, and a user switches
between these cuts at will, so one month end's groups form one set of equations:

    everyone in scope = own staff + each partner          ("Own staff" in the partner cut)
    own staff         = each site + head office           (people under no site or partner)
    site or partner   = its teams + its people in no team
    everyone in scope = sum over job roles                ("role" attribute, shown only for everyone)
    not in a team     = sum over the site-level groups of their people in no team ("team" attribute)

Each month end is checked on its own: a change from one month to the next mixes joiners, leavers and
new completions, so it does not isolate anyone's record.

Coaching coverage and decision autonomy are shown per team with (coverage) a total of all teams above
them; the same rule hides a small team and, when it would be total minus the others, one more team.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import date

import numpy as np
from django.core.cache import cache

from allaboard.anonymity import Cut, cuts_to_suppress, min_group_size

from . import stats

SCOPE = "scope"  # everyone in the user's scope (the "organisation" cut)
OWN = "own"  # own staff: everyone not in a partner organisation
HEAD_OFFICE = "head"  # own staff under no site
ROLE = "role"
TEAM = "team"
NOT_IN_TEAM = "no"


# --- % formally trained --------------------------------------------------------------------------------------


class UnitPlace:
    """Where a unit's people sit in the cuts: their team (or None) and their site-level group."""

    def __init__(self, team: int | None, site: int | None, partner: bool):
        self.team = team
        self.site = site
        self.partner = partner

    @property
    def site_node(self) -> Hashable:
        return ("site", self.site) if self.site is not None else HEAD_OFFICE


def group_cut(cut: str, key: str) -> Cut:
    """The anonymity Cut of a group of the % trained series (keys as services.trained_series makes them)."""
    if cut == "organisation":
        return Cut(SCOPE)
    if cut == "role":
        return Cut(SCOPE, ROLE, key.removeprefix("role:").replace("none", "0"))
    if cut == "team":
        return Cut(SCOPE, TEAM, NOT_IN_TEAM) if key == "other" else Cut(("team", int(key[5:])))
    if key == "unit:none":
        return Cut(HEAD_OFFICE)
    if key == "own":
        return Cut(OWN)
    return Cut(("site", int(key[5:])))


def _atom_cuts(chain: tuple, role: str) -> list[Cut]:
    """The cuts a node's people with one job role count in: `chain` is the node and the nodes above it."""
    in_team = chain[0][0] == "team"
    cuts = []
    for unit in chain:
        cuts += [Cut(unit), Cut(unit, ROLE, role)]
        if not in_team:
            cuts.append(Cut(unit, TEAM, NOT_IN_TEAM))
    return cuts


def _hidden_on_day(atoms: list[tuple[tuple, str]], sizes: list[int], parents: dict, k: int) -> set[Cut]:
    """One day's cuts to hide, remembered (in Django's cache) for the same headcounts and tree: a past
    month end's headcounts rarely change, so the exact search runs once per month end, not per page."""
    signature = repr((k, sorted(repr((atom, n)) for atom, n in zip(atoms, sizes, strict=True) if n)))
    key = "capability:small-groups:" + hashlib.sha256(signature.encode()).hexdigest()
    hidden = cache.get(key)
    if hidden is None:
        counts: dict[Cut, int] = defaultdict(int)
        for (chain, role), n in zip(atoms, sizes, strict=True):
            if n:
                for cut in _atom_cuts(chain, role):
                    counts[cut] += n
        shown = {c for c in counts if not c.attribute or c.unit == SCOPE}
        hidden = cuts_to_suppress(
            dict(counts), parents, k, never_shown=set(counts) - shown, compare_waves=False
        )
        cache.set(key, hidden, timeout=7 * 24 * 3600)
    return hidden


def trained_hidden(
    columns: np.ndarray, places: Mapping[int, UnitPlace], days: list[date], k: int | None = None
) -> list[set[Cut]]:
    """For each day, the cuts of the % trained series that may not be shown.

    `columns` are services._people_columns (start, end, first completion, unit id, job role id);
    `places` says where each unit id sits. Counts are the people active that day."""
    k = min_group_size() if k is None else k
    if not len(columns):
        return [set() for _ in days]
    start, end, first, units, roles = columns.T
    chains: dict[Hashable, tuple] = {
        SCOPE: (SCOPE,),
        OWN: (OWN, SCOPE),
        HEAD_OFFICE: (HEAD_OFFICE, OWN, SCOPE),
    }
    parents: dict[Hashable, Hashable | None] = {SCOPE: None, OWN: SCOPE, HEAD_OFFICE: OWN}
    chain_of_unit: dict[int, tuple] = {}
    for unit_id in np.unique(units).tolist():
        place = places[unit_id]
        site = place.site_node
        parents[site] = SCOPE if place.partner else OWN
        chains[site] = (site, *chains[parents[site]])
        if place.team is None:
            chain_of_unit[unit_id] = chains[site]
        else:
            parents[("team", place.team)] = site
            chain_of_unit[unit_id] = (("team", place.team), *chains[site])
    # The atoms: a node's own people with one job role. Headcounts per atom per day in one pass.
    pairs = [(chain_of_unit[u], str(r)) for u, r in zip(units.tolist(), roles.tolist(), strict=True)]
    atoms = sorted(set(pairs), key=repr)
    index = {atom: i for i, atom in enumerate(atoms)}
    group_of = np.fromiter((index[p] for p in pairs), dtype=np.int64, count=len(pairs))
    _trained, active = stats.trained_counts(start, end, first, group_of, len(atoms), days)
    return [_hidden_on_day(atoms, active[:, d].tolist(), parents, k) for d in range(len(days))]


# --- teams with a total (coaching coverage, decision autonomy) -----------------------------------------------

ALL_TEAMS = "all"


def hidden_teams(
    headcounts: Mapping[int, int], *, total_shown: bool, k: int | None = None
) -> tuple[set[int], bool]:
    """(team ids whose figures may not be shown, whether the total may not be shown).

    Teams are disjoint; the total is all of them together. With `total_shown`, hiding one small team
    also hides the next smallest (or the total), so that it is not the total minus the others."""
    counts = {Cut(ALL_TEAMS): sum(headcounts.values())}
    counts |= {Cut(team): n for team, n in headcounts.items()}
    parents = {team: ALL_TEAMS for team in headcounts}
    never = set() if total_shown else {Cut(ALL_TEAMS)}
    hidden = cuts_to_suppress(counts, parents, k, never_shown=never, compare_waves=False)
    return {c.unit for c in hidden if c.unit != ALL_TEAMS}, Cut(ALL_TEAMS) in hidden
