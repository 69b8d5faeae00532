"""Closing a wave: freeze the unit tree, roll the tallies up it, and decide what may be shown.

Results are shown only for closed waves. While a wave is open its figures move with every answer, and
anyone watching a team's score change from one day to the next would see the latest answer; so an open
wave shows participation only.

Publication is done once, in the worker, when the wave closes:
1. the unit tree as it is now is frozen on the wave (results never move when teams move later);
2. every unit's own tallies are added to the rows of the unit and every unit above it (rollup=True);
3. `cuts_to_suppress` decides which cuts may be shown with the survey's k, and again which units'
   comments may be shown with the comment threshold; the answer is stored on the rows;
4. every question may be skipped, so each figure (a statement, a scale, the barrier points, the
   cross-products) has its own count of people, which can differ from the cut's respondents. Where it
   does, the same rule runs again on that figure's counts, and a figure answered by fewer than k
   people in a cut, or that could be subtracted from the same figure of a related cut to show a few
   people, is taken out of the published row (`HIDDEN` marks it).
Results pages then read one row per cut and a flag.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from django.db import transaction

from allaboard.anonymity import Cut, cuts_to_suppress
from allaboard.org.models import Unit, UnitKind

from . import instruments as I
from .aggregates import Accumulator, cut_key, parse_cut
from .models import Question, Tally, Wave, WaveStatus

log = logging.getLogger(__name__)


def frozen_tree(unit_ids) -> dict[int, int | None]:
    """{unit id: parent id} for the units given and every unit above them, from Unit.path."""
    parents: dict[int, int | None] = {}
    for path in Unit.objects.filter(pk__in=set(unit_ids)).values_list("path", flat=True):
        chain = [int(part) for part in path.split(".") if part]
        for depth, unit in enumerate(chain):
            parents[unit] = chain[depth - 1] if depth else None
    return parents


def roll_up(own_rows, parents: dict[int, int | None]) -> dict[tuple[int, str], Accumulator]:
    """The statistics of every unit with everything below it, from each unit's own statistics."""
    totals: dict[tuple[int, str], Accumulator] = defaultdict(Accumulator)
    for row in own_rows:
        unit = row.unit_id
        while unit is not None:
            totals[(unit, row.cut)].add_tally(row)
            unit = parents.get(unit)
    return totals


def decide_visibility(
    wave: Wave, counts: dict[tuple[int, str], int], parents: dict, team_ids: set[int]
) -> tuple[set[tuple[int, str]], set[int]]:
    """(visible (unit, cut) pairs, units whose comments may be shown)."""
    survey = wave.survey
    cut_counts = {}
    for (unit, cut), n in counts.items():
        attribute, value = parse_cut(cut)
        cut_counts[Cut(unit, attribute, value)] = n
    # Filters on single teams are never offered (they would nearly always be below k), but their
    # counts still tie the other cuts together, so they take part as hidden cuts.
    never = {c for c in cut_counts if c.attribute and c.unit in team_ids}
    earlier = _earlier_visible(wave) if survey.protect_between_waves else {}
    while True:
        hidden = cuts_to_suppress(cut_counts, parents, survey.k, never_shown=never, compare_waves=False)
        between = {
            c
            for c, n in cut_counts.items()
            if c not in hidden
            and (c.unit, c.attribute, c.value) in earlier
            and 0 < abs(n - earlier[(c.unit, c.attribute, c.value)]) < survey.k
        }
        if not between - never:
            break
        never |= between
    visible = {
        (c.unit, f"{c.attribute}={c.value}" if c.attribute else "")
        for c, n in cut_counts.items()
        if n and c not in hidden
    }
    whole = {Cut(c.unit): n for c, n in cut_counts.items() if not c.attribute}
    comment_hidden = cuts_to_suppress(
        whole, parents, survey.comment_k, compare_waves=False, compare_filters=False
    )
    comment_units = {c.unit for c, n in whole.items() if n and c not in comment_hidden}
    return visible, comment_units


HIDDEN = {"n": 0, "t": 0, "q": 0, "c": {}, "hidden": True}


def part_counts(acc: Accumulator, open_items: set[str]) -> dict[str, int]:
    """The number of people behind each figure of a cut: "item:<id>", "scale:<name>", "barriers" and
    "moments:<block>". Open questions are left out: comments follow the comment threshold instead."""
    out = {f"item:{key}": stat["n"] for key, stat in acc.items.items() if key not in open_items}
    out |= {f"scale:{scale}": stat["n"] for scale, stat in acc.scales.items()}
    if acc.barriers:
        out["barriers"] = sum(acc.barriers.values())
    out |= {f"moments:{block}": stat["n"] for block, stat in acc.moments.items()}
    return out


def hidden_parts(
    wave: Wave,
    totals: dict[tuple[int, str], Accumulator],
    parents: dict,
    visible: set[tuple[int, str]],
) -> dict[tuple[int, str], set[str]]:
    """{(unit, cut): figures to take out} so that no figure is shown for fewer than k people and no
    figure can be subtracted from the same figure of related cuts to reveal fewer than k people."""
    k = wave.survey.k
    open_items = {
        str(pk)
        for pk in Question.objects.filter(survey=wave.survey, kind=I.OPEN).values_list("pk", flat=True)
    }
    respondents = {key: acc.respondents for key, acc in totals.items()}
    by_part: dict[str, dict[tuple[int, str], int]] = defaultdict(dict)
    for key, acc in totals.items():
        for part, n in part_counts(acc, open_items).items():
            by_part[part][key] = n
    hidden_cuts = [Cut(unit, *parse_cut(cut)) for unit, cut in totals if (unit, cut) not in visible]
    out: dict[tuple[int, str], set[str]] = defaultdict(set)
    decided: dict[frozenset, set[Cut]] = {}
    for part, counts in by_part.items():
        counts = {key: counts.get(key, 0) for key in totals}
        if counts == respondents:
            continue  # everyone answered it: the cut's own visibility already covers it
        signature = frozenset(counts.items())
        if signature not in decided:
            decided[signature] = cuts_to_suppress(
                {Cut(unit, *parse_cut(cut)): n for (unit, cut), n in counts.items()},
                parents,
                k,
                never_shown=hidden_cuts,
                compare_waves=False,
            )
        for cut in decided[signature]:
            out[(cut.unit, cut_key(cut.attribute, cut.value))].add(part)
    return out


def without_parts(fields: dict, parts: set[str]) -> dict:
    """A row's statistics with the hidden figures replaced by HIDDEN (or dropped)."""
    if not parts:
        return fields
    fields = dict(fields)
    fields["items"] = {
        key: (dict(HIDDEN) if f"item:{key}" in parts else stat) for key, stat in fields["items"].items()
    }
    fields["scales"] = {
        scale: (dict(HIDDEN) if f"scale:{scale}" in parts else stat)
        for scale, stat in fields["scales"].items()
    }
    if "barriers" in parts:
        fields["barriers"] = {}
    fields["moments"] = {
        block: stat for block, stat in fields["moments"].items() if f"moments:{block}" not in parts
    }
    return fields


def _earlier_visible(wave: Wave) -> dict[tuple, int]:
    """Respondents of every cut shown for an earlier wave of the same survey (the last one wins)."""
    out: dict[tuple, int] = {}
    rows = (
        Tally.objects.filter(
            wave__survey=wave.survey, wave__number__lt=wave.number, rollup=True, visible=True
        )
        .order_by("wave__number")
        .values_list("unit_id", "cut", "respondents")
    )
    for unit, cut, n in rows:
        attribute, value = parse_cut(cut)
        out[(unit, attribute, value)] = n
    return out


def publish(wave: Wave) -> dict:
    """Roll up and decide visibility for a closed wave. Idempotent. Returns timings for the log."""
    started = time.perf_counter()
    own = list(Tally.objects.filter(wave=wave, rollup=False))
    parents = frozen_tree({row.unit_id for row in own})
    totals = roll_up(own, parents)
    rolled = time.perf_counter()
    team_ids = set(Unit.objects.filter(pk__in=parents, kind=UnitKind.TEAM).values_list("pk", flat=True))
    counts = {key: acc.respondents for key, acc in totals.items()}
    visible, comment_units = decide_visibility(wave, counts, parents, team_ids)
    hidden = hidden_parts(wave, totals, parents, visible)
    decided = time.perf_counter()
    rows = [
        Tally(
            wave=wave,
            unit_id=unit,
            cut=cut,
            rollup=True,
            visible=(unit, cut) in visible,
            comments_visible=cut == "" and unit in comment_units,
            **without_parts(acc.fields(), hidden.get((unit, cut), set())),
        )
        for (unit, cut), acc in totals.items()
    ]
    with transaction.atomic():
        Tally.objects.filter(wave=wave, rollup=True).delete()
        Tally.objects.bulk_create(rows, batch_size=500)
        wave.hierarchy = {str(unit): parent for unit, parent in parents.items()}
        wave.status = WaveStatus.CLOSED
        wave.published = True
        wave.save(update_fields=["hierarchy", "status", "published"])
    timings = {
        "rows": len(rows),
        "roll_up_s": rolled - started,
        "suppression_s": decided - rolled,
        "write_s": time.perf_counter() - decided,
        "visible": len(visible),
    }
    log.info("published wave %s: %s", wave.pk, timings)
    return timings
