"""Closing a wave: freeze the unit tree, roll the tallies up it, and decide what may be shown.

Results are shown only for closed waves. While a wave is open its figures move with every answer, and
anyone watching a team's score change from one day to the next would see the latest answer; so an open
wave shows participation only.

Publication is done once, in the worker, when the wave closes:
1. the unit tree as it is now is frozen on the wave (results never move when teams move later);
2. every unit's own tallies are added to the rows of the unit and every unit above it (rollup=True);
3. `cuts_to_suppress` decides which cuts may be shown with the survey's k, and again which units'
   comments may be shown with the comment threshold; the answer is stored on the rows.
Results pages then read one row per cut and a flag.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

from django.db import transaction

from allaboard.anonymity import Cut, cuts_to_suppress
from allaboard.org.models import Unit, UnitKind

from .aggregates import Accumulator, parse_cut
from .models import Tally, Wave, WaveStatus

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
    decided = time.perf_counter()
    rows = [
        Tally(
            wave=wave,
            unit_id=unit,
            cut=cut,
            rollup=True,
            visible=(unit, cut) in visible,
            comments_visible=cut == "" and unit in comment_units,
            **acc.fields(),
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
