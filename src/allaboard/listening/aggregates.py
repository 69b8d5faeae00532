"""Sufficient statistics: what each response adds to its team's tallies, and the roll-up at close.

While a wave is open, every response adds to the tallies of its own unit (rows with rollup=False): one
row for the unit as a whole (cut "") and one per attribute value it has (cut "tenure=2 to 5 years",
"channel=chat", "role=12"). Filters therefore need no extra scan: a filtered view reads the row of
that attribute value. One attribute at a time: each combination of attributes would multiply both the
rows and the ways small groups could be subtracted from each other.

When the wave closes, `publish` freezes the unit tree, sums the rows of every unit into the rows of
every unit above it (rollup=True, so a results page reads one row per cut and never sums at read
time), and decides which cuts may be shown (allaboard.anonymity.cuts_to_suppress).

A response adds, per question: the count, the sum and the sum of squares of its answer and one count
per answer value; per scale: the respondent's scale score (mean of their reverse-scored items on it);
its ADKAR barrier point; and, on the unit's whole-unit row, the cross-products of complete answers
that Cronbach's alpha and key drivers need.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from . import instruments as I
from . import stats
from .models import Question, Survey, Tally, Wave

ATTRIBUTES = {
    "tenure": "Tenure",
    "channel": "Channel",
    "role": "Job role",
    "trained": "Formally trained in change",  # "yes"/"no" when answering (capability)
}
NO_BARRIER = "none"


def cut_key(attribute: str, value: str) -> str:
    return f"{attribute}={value}" if attribute else ""


def parse_cut(cut: str) -> tuple[str, str]:
    if not cut:
        return "", ""
    attribute, _, value = cut.partition("=")
    return attribute, value


# --- a survey's design: what gets tallied -----------------------------------------------------------


@dataclass
class Design:
    """The questions of a survey and the statistics they feed, computed once per survey."""

    questions: list[Question]
    scales: dict[str, list[Question]]
    outcome: Question | None
    blocks: dict[str, list[str]]  # block -> variables (question ids as text, or scale names)
    adkar: list[str]

    @classmethod
    def of(cls, survey: Survey) -> Design:
        questions = list(survey.questions.all())
        scales: dict[str, list[Question]] = defaultdict(list)
        for question in questions:
            if question.is_rated and question.scale:
                scales[question.scale].append(question)
        outcome = next((q for q in questions if q.is_outcome and q.is_rated), None)
        blocks: dict[str, list[str]] = {}
        for scale, members in scales.items():
            if len(members) >= 2:
                blocks[f"scale:{scale}"] = [str(q.pk) for q in members]
        if outcome is not None:
            predictors = [s for s in _scale_order(scales) if s != outcome.scale]
            if len(predictors) >= 2:
                blocks["drivers:scales"] = [*predictors, "outcome"]
            rated = [str(q.pk) for q in questions if q.is_rated and q.pk != outcome.pk]
            if 2 <= len(rated) <= stats.MAX_SHAPLEY_PREDICTORS:
                blocks["drivers:items"] = [*rated, str(outcome.pk)]
        adkar = [element for element in I.ADKAR if element in scales]
        return cls(questions, dict(scales), outcome, blocks, adkar)

    def question(self, pk: int | str) -> Question | None:
        return self._by_id.get(int(pk))

    @property
    def _by_id(self) -> dict[int, Question]:
        if not hasattr(self, "_index"):
            self._index = {q.pk: q for q in self.questions}
        return self._index


def _scale_order(scales: Iterable[str]) -> list[str]:
    """ADKAR elements in their order first, then the other scales alphabetically."""
    names = set(scales)
    return [e for e in I.ADKAR if e in names] + sorted(names - set(I.ADKAR))


# --- what one response adds ------------------------------------------------------------------------


@dataclass
class Contribution:
    """The statistics one response adds (same shape as a Tally's JSON)."""

    items: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)
    barrier: str | None = None
    moments: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)  # scale -> the respondent's score


def contribution(design: Design, answers: dict[int, object]) -> Contribution:
    """What a response with `answers` ({question id: value, list of choice indexes, or text}) adds."""
    out = Contribution()
    scored: dict[int, float] = {}
    for question in design.questions:
        answer = answers.get(question.pk)
        if answer is None or answer == "" or answer == []:
            continue
        key = str(question.pk)
        if question.kind == I.OPEN:
            out.items[key] = {"n": 1, "t": 0, "q": 0, "c": {}}
        elif question.kind == I.MULTI:
            out.items[key] = {"n": 1, "t": 0, "q": 0, "c": {str(int(i)): 1 for i in answer}}
        else:
            value = float(answer)
            out.items[key] = {"n": 1, "t": value, "q": value * value, "c": {str(int(value)): 1}}
            if question.is_rated:
                scored[question.pk] = question.scored(value)
    for scale, members in design.scales.items():
        values = [scored[q.pk] for q in members if q.pk in scored]
        if values and len(values) >= math.ceil(len(members) / 2):
            score = sum(values) / len(values)
            out.scores[scale] = score
            out.scales[scale] = {"n": 1, "t": score, "q": score * score}
    if design.adkar and any(e in out.scores for e in design.adkar):
        point = stats.barrier_point({e: out.scores.get(e) for e in design.adkar})
        out.barrier = point or NO_BARRIER
    for block, variables in design.blocks.items():
        vector = []
        for variable in variables:
            if block == "drivers:scales":
                value = scored.get(design.outcome.pk) if variable == "outcome" else out.scores.get(variable)
            else:
                value = scored.get(int(variable))
            if value is None:
                break
            vector.append(value)
        else:
            out.moments[block] = {
                "v": variables,
                "n": 1,
                "s": vector,
                "x": [[a * b for b in vector] for a in vector],
            }
    return out


# --- adding statistics together ---------------------------------------------------------------------


def add_items(into: dict, more: dict) -> None:
    for key, stat in more.items():
        target = into.setdefault(key, {"n": 0, "t": 0, "q": 0, "c": {}})
        target["n"] += stat["n"]
        target["t"] += stat["t"]
        target["q"] += stat["q"]
        counts = target["c"]
        for value, count in stat["c"].items():
            counts[value] = counts.get(value, 0) + count


def add_scales(into: dict, more: dict) -> None:
    for scale, stat in more.items():
        target = into.setdefault(scale, {"n": 0, "t": 0, "q": 0})
        target["n"] += stat["n"]
        target["t"] += stat["t"]
        target["q"] += stat["q"]


def add_counts(into: dict, more: dict) -> None:
    for key, count in more.items():
        into[key] = into.get(key, 0) + count


def add_moments(into: dict, more: dict) -> None:
    for block, stat in more.items():
        target = into.get(block)
        if target is None or target["v"] != stat["v"]:
            into[block] = {
                "v": list(stat["v"]),
                "n": stat["n"],
                "s": list(stat["s"]),
                "x": [list(r) for r in stat["x"]],
            }
            continue
        target["n"] += stat["n"]
        target["s"] = [a + b for a, b in zip(target["s"], stat["s"], strict=True)]
        target["x"] = [
            [a + b for a, b in zip(ra, rb, strict=True)]
            for ra, rb in zip(target["x"], stat["x"], strict=True)
        ]


@dataclass
class Accumulator:
    """An in-memory Tally: statistics being added up before they are written."""

    respondents: int = 0
    items: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)
    barriers: dict = field(default_factory=dict)
    moments: dict = field(default_factory=dict)

    def add_contribution(self, part: Contribution, with_moments: bool) -> None:
        self.respondents += 1
        add_items(self.items, part.items)
        add_scales(self.scales, part.scales)
        if part.barrier is not None:
            add_counts(self.barriers, {part.barrier: 1})
        if with_moments:
            add_moments(self.moments, part.moments)

    def add_tally(self, other) -> None:
        self.respondents += other.respondents
        add_items(self.items, other.items)
        add_scales(self.scales, other.scales)
        add_counts(self.barriers, other.barriers)
        add_moments(self.moments, other.moments)

    def fields(self) -> dict:
        return {
            "respondents": self.respondents,
            "items": self.items,
            "scales": self.scales,
            "barriers": self.barriers,
            "moments": self.moments,
        }


# --- writing: one response, or many at once -------------------------------------------------------


def cuts_of(attributes: dict[str, str]) -> list[str]:
    """The cut keys a respondent with these attribute values belongs to, whole unit first."""
    return ["", *(cut_key(a, attributes[a]) for a in ATTRIBUTES if a in attributes)]


def record(wave: Wave, unit_id: int, attributes: dict[str, str], part: Contribution) -> None:
    """Add one response to its unit's tallies. Call inside the response's transaction: the rows are
    locked (in a fixed order, so concurrent answers never deadlock) and updated before commit."""
    cuts = cuts_of(attributes)
    Tally.objects.bulk_create(
        [Tally(wave=wave, unit_id=unit_id, cut=cut, rollup=False) for cut in cuts], ignore_conflicts=True
    )
    rows = (
        Tally.objects.select_for_update()
        .filter(wave=wave, unit_id=unit_id, rollup=False, cut__in=cuts)
        .order_by("cut")
    )
    for row in rows:
        acc = Accumulator(row.respondents, row.items, row.scales, row.barriers, row.moments)
        acc.add_contribution(part, with_moments=row.cut == "")
        for name, value in acc.fields().items():
            setattr(row, name, value)
        row.save(update_fields=["respondents", "items", "scales", "barriers", "moments"])


def record_many(wave: Wave, rows: Iterable[tuple[int, dict[str, str], Contribution]]) -> int:
    """Add many responses' statistics at once (demo and benchmark builds, imports). Same result as
    calling `record` for each, with one write per unit and cut."""
    totals: dict[tuple[int, str], Accumulator] = defaultdict(Accumulator)
    count = 0
    for unit_id, attributes, part in rows:
        count += 1
        for cut in cuts_of(attributes):
            totals[(unit_id, cut)].add_contribution(part, with_moments=cut == "")
    with transaction.atomic():
        existing = {
            (t.unit_id, t.cut): t
            for t in Tally.objects.select_for_update().filter(
                wave=wave, rollup=False, unit_id__in={u for u, _ in totals}
            )
        }
        new, changed = [], []
        for (unit_id, cut), acc in totals.items():
            row = existing.get((unit_id, cut))
            if row is None:
                new.append(Tally(wave=wave, unit_id=unit_id, cut=cut, rollup=False, **acc.fields()))
                continue
            merged = Accumulator(row.respondents, row.items, row.scales, row.barriers, row.moments)
            merged.add_tally(acc)
            for name, value in merged.fields().items():
                setattr(row, name, value)
            changed.append(row)
        Tally.objects.bulk_create(new, batch_size=500)
        Tally.objects.bulk_update(
            changed, ["respondents", "items", "scales", "barriers", "moments"], batch_size=500
        )
    return count
