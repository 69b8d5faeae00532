"""Comment intelligence used by listening, customers and voice: submit, classify, summarise, correct.

Other apps call:
- `submit_comments(items)`: redact, store and queue classification (idempotent by source and source_id);
- `label_summary(source=..., unit_ids=..., wave_key=..., kind=...)`: shares per label with typical quotes
  (the caller checks the respondent threshold before showing it);
- `classify(texts, kind)`: the model's reading of texts, without storing anything.
"""

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.access import has_role
from allaboard.org.models import Role, Unit

from . import engine
from . import labels as L
from .engine import Example, Prediction
from .models import Comment, Correction, Dimension, ModelState, Tag
from .redaction import current_redactor

log = logging.getLogger(__name__)

MAX_STORED_CHARS = 20_000
BATCH = 2_000  # comments per classification task
LOW_CONFIDENCE = 0.5  # below this the comment "fits no label well" (emerging themes)
CORRECTORS = (Role.ADMIN, Role.CHANGE_LEAD)

__all__ = [
    "LabelShare",
    "LabelSummary",
    "Prediction",
    "classify",
    "correct",
    "label_summary",
    "submit_comments",
]

# The demo builds its whole story in one process with no worker running: there, comments are classified as
# they arrive. This is per thread, so pages served later by the same process still only queue the work.
_inline = threading.local()


def classify_inline(on: bool = True) -> None:
    """Classify submitted comments at once in this thread instead of queueing them. Kept for callers that
    switch it themselves; prefer `inline_classification()`, which cannot leave it on."""
    _inline.on = on


@contextmanager
def inline_classification():
    """Within the block, this thread classifies submitted comments at once instead of queueing them (demo
    building, where no worker runs). The previous state comes back when the block ends, even on an error,
    so pages served later by the same process only queue the work."""
    before = getattr(_inline, "on", False)
    _inline.on = True
    try:
        yield
    finally:
        _inline.on = before


def classifies_inline() -> bool:
    return getattr(_inline, "on", False)


# ---- classify --------------------------------------------------------------------------------------------


def current_model(kind: str) -> tuple[str, engine.CommentModel]:
    """The model the organisation uses now: the last retrained one, else the shipped corpus's."""
    state = ModelState.objects.filter(kind=kind).first()
    if state is not None and state.backend == engine.backend_name():
        model = engine.cached_model(state.model_key)
        if model is not None and state.model_key.startswith(engine.base_key(kind)):
            return state.model_key, model
        # The file is gone or the corpus changed: retrain from the stored corrections.
        return engine.load_or_train(kind, corrections_for(kind))
    return engine.load_or_train(kind)


def classify(texts: list[str], kind: str) -> list[Prediction]:
    """The model's reading of each text (labels with confidences, sentiment). Stores nothing.

    Bad input never raises: empty, symbol-only or non-English text gets `other` with a low confidence and a
    `note` saying why."""
    if kind not in L.KINDS:
        raise InputError("kind", f"must be one of {', '.join(L.KINDS)}")
    texts = ["" if t is None else str(t) for t in texts]
    if not texts:
        return []
    _, model = current_model(kind)
    return model.predict(texts)


# ---- submit ----------------------------------------------------------------------------------------------


def _parse_item(index: int, item) -> dict:
    where = f"items[{index}]"
    if not isinstance(item, dict):
        raise InputError(where, "must be an object")
    kind = item.get("kind")
    if kind not in L.KINDS:
        raise InputError(f"{where}.kind", f"must be one of {', '.join(L.KINDS)}")
    source = item.get("source")
    if not isinstance(source, str) or not source.strip() or len(source) > 40:
        raise InputError(f"{where}.source", "must be a name of 1 to 40 characters")
    source_id = item.get("source_id")
    if source_id is None or not str(source_id).strip() or len(str(source_id)) > 64:
        raise InputError(f"{where}.source_id", "must be 1 to 64 characters")
    text = item.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InputError(f"{where}.text", "must be text")
    created = item.get("created_on") or timezone.localdate()
    if isinstance(created, str):
        try:
            created = date.fromisoformat(created[:10])
        except ValueError:
            raise InputError(f"{where}.created_on", "must be a date like 2026-01-31") from None
    if not isinstance(created, date):
        raise InputError(f"{where}.created_on", "must be a date")
    unit_id = item.get("unit_id")
    if unit_id is not None and not isinstance(unit_id, int):
        raise InputError(f"{where}.unit_id", "must be a unit id or null")
    programme_id = item.get("programme_id")
    if programme_id is not None and not isinstance(programme_id, int):
        raise InputError(f"{where}.programme_id", "must be a programme id or null")
    wave_key = item.get("wave_key") or ""
    if not isinstance(wave_key, str) or len(wave_key) > 64:
        raise InputError(f"{where}.wave_key", "must be text of at most 64 characters")
    return {
        "kind": kind,
        "source": source.strip(),
        "source_id": str(source_id).strip(),
        "text": text,
        "unit_id": unit_id,
        "programme_id": programme_id,
        "wave_key": wave_key,
        "created_on": created if not hasattr(created, "date") else created.date(),
    }


def submit_comments(items: list[dict]) -> int:
    """Redact and store comments, then queue their classification. Returns how many were new.

    Idempotent: a (source, source_id) already stored is skipped. Bad input raises InputError before anything
    is written."""
    if not isinstance(items, list | tuple):
        raise InputError("items", "must be a list")
    parsed = [_parse_item(i, item) for i, item in enumerate(items)]
    if not parsed:
        return 0
    unit_ids = {p["unit_id"] for p in parsed if p["unit_id"] is not None}
    if unit_ids:
        known = set(Unit.objects.filter(pk__in=unit_ids).values_list("pk", flat=True))
        for i, p in enumerate(parsed):
            if p["unit_id"] is not None and p["unit_id"] not in known:
                raise InputError(f"items[{i}].unit_id", "no such unit")
    seen: set[tuple[str, str]] = set()
    unique = []
    for p in parsed:
        key = (p["source"], p["source_id"])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    existing = set()
    by_source: dict[str, list[str]] = {}
    for p in unique:
        by_source.setdefault(p["source"], []).append(p["source_id"])
    for source, ids in by_source.items():
        for start in range(0, len(ids), 5000):
            existing |= {
                (source, sid)
                for sid in Comment.objects.filter(
                    source=source, source_id__in=ids[start : start + 5000]
                ).values_list("source_id", flat=True)
            }
    fresh = [p for p in unique if (p["source"], p["source_id"]) not in existing]
    if not fresh:
        return 0
    redactor = current_redactor()
    rows = []
    for p in fresh:
        text = p["text"]
        note = ""
        if len(text) > MAX_STORED_CHARS:
            text = text[:MAX_STORED_CHARS]
            note = f"cut to its first {MAX_STORED_CHARS:,} characters"
        clean = redactor.redact(text)
        rows.append(
            Comment(
                kind=p["kind"],
                source=p["source"],
                source_id=p["source_id"],
                text=clean,
                unit_id=p["unit_id"],
                programme_id=p["programme_id"],
                wave_key=p["wave_key"],
                created_on=p["created_on"],
                note=(note or engine.input_note(clean))[:120],
            )
        )
    with transaction.atomic():
        created = Comment.objects.bulk_create(rows, batch_size=1000)
        ids = sorted(c.pk for c in created if c.pk is not None)
        if len(ids) != len(created):
            ids = sorted(
                Comment.objects.filter(classified_at__isnull=True, source__in=list(by_source)).values_list(
                    "pk", flat=True
                )
            )
        _queue_classification(ids)
    return len(created)


def _queue_classification(ids: list[int]) -> None:
    from .tasks import classify_comments

    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        if classifies_inline():
            classify_stored(chunk[0], chunk[-1])
        else:
            classify_comments.enqueue(chunk[0], chunk[-1])


def classify_stored(first_id: int, last_id: int, *, only_new: bool = True) -> int:
    """Classify the stored comments with ids in [first_id, last_id] and write their tags. Returns the count.

    Human-labelled comments keep their human tags."""
    qs = Comment.objects.filter(pk__gte=first_id, pk__lte=last_id, human_labelled=False)
    if only_new:
        qs = qs.filter(classified_at__isnull=True)
    rows = list(qs.values_list("pk", "kind", "text"))
    if not rows:
        return 0
    done = 0
    for kind in L.KINDS:
        batch = [(pk, text) for pk, k, text in rows if k == kind]
        if not batch:
            continue
        key, model = current_model(kind)
        predictions = model.predict([text for _, text in batch])
        ids = [pk for pk, _ in batch]
        tags = []
        for pk, prediction in zip(ids, predictions, strict=True):
            tags.extend(
                Tag(comment_id=pk, dimension=Dimension.TOPIC, label=code, confidence=conf)
                for code, conf in prediction.labels
            )
            tags.append(
                Tag(
                    comment_id=pk,
                    dimension=Dimension.SENTIMENT,
                    label=prediction.sentiment,
                    confidence=prediction.sentiment_confidence,
                )
            )
        with transaction.atomic():
            Tag.objects.filter(comment_id__in=ids, human=False).delete()
            Tag.objects.bulk_create(tags, batch_size=2000)
            Comment.objects.filter(pk__in=ids).update(classified_at=timezone.now(), model_key=key[:80])
        done += len(ids)
    return done


def classify_pending() -> int:
    """Classify every stored comment that has not been classified yet (a catch-up, e.g. after a demo)."""
    ids = list(Comment.objects.filter(classified_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        done += classify_stored(chunk[0], chunk[-1])
    return done


# ---- corrections and retraining --------------------------------------------------------------------------


def corrections_for(kind: str) -> list[Example]:
    """The latest correction of each corrected comment of this kind, oldest first."""
    latest = (
        Correction.objects.filter(kind=kind)
        .values("comment_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    rows = Correction.objects.filter(pk__in=list(latest)).select_related("comment").order_by("pk")
    return [Example(c.comment.text, list(c.labels), c.sentiment) for c in rows]


def can_correct(user) -> bool:
    return has_role(user, *CORRECTORS)


def correct(comment: Comment, user, labels: list[str], sentiment: str) -> Correction:
    """Replace a comment's tags with a person's labels, record it, and queue retraining of the model."""
    if not can_correct(user):
        raise PermissionDenied("Only change leads and admins correct comment tags.")
    known = L.codes(comment.kind)
    labels = list(dict.fromkeys(labels or []))
    if not labels:
        raise InputError("labels", "choose at least one label")
    unknown = [code for code in labels if code not in known]
    if unknown:
        raise InputError("labels", f"unknown label(s): {', '.join(unknown)}")
    if L.OTHER in labels and len(labels) > 1:
        raise InputError("labels", "'other' cannot be combined with another label")
    if sentiment not in L.SENTIMENT_CODES:
        raise InputError("sentiment", f"must be one of {', '.join(L.SENTIMENT_CODES)}")
    before_topics = list(
        comment.tags.filter(dimension=Dimension.TOPIC).order_by("-confidence").values_list("label", flat=True)
    )
    before_sentiment = (
        comment.tags.filter(dimension=Dimension.SENTIMENT).values_list("label", flat=True).first()
    )
    previous = comment.corrections.first()
    with transaction.atomic():
        correction = Correction.objects.create(
            comment=comment,
            kind=comment.kind,
            by=user,
            labels=labels,
            sentiment=sentiment,
            # What the model said: kept from the first correction, so re-corrections don't hide the model.
            model_labels=previous.model_labels if previous else before_topics,
            model_sentiment=previous.model_sentiment if previous else (before_sentiment or ""),
        )
        comment.tags.all().delete()
        Tag.objects.bulk_create(
            [
                Tag(comment=comment, dimension=Dimension.TOPIC, label=code, confidence=1.0, human=True)
                for code in labels
            ]
            + [
                Tag(
                    comment=comment,
                    dimension=Dimension.SENTIMENT,
                    label=sentiment,
                    confidence=1.0,
                    human=True,
                )
            ]
        )
        comment.human_labelled = True
        comment.classified_at = comment.classified_at or timezone.now()
        comment.save(update_fields=["human_labelled", "classified_at"])
        audit.record(
            user,
            "correct",
            comment,
            audit.diff(
                {"labels": before_topics, "sentiment": before_sentiment},
                {"labels": labels, "sentiment": sentiment},
            ),
            object_repr=f"comment {comment.pk}",
        )
    from .tasks import retrain_model

    retrain_model.enqueue(comment.kind)
    return correction


def retrain(kind: str) -> ModelState:
    """Train the organisation's model on the corpus plus its corrections and make it the current one."""
    corrections = corrections_for(kind)
    key, model = engine.load_or_train(kind, corrections)
    state, _ = ModelState.objects.update_or_create(
        kind=kind,
        defaults={
            "backend": engine.backend_name(),
            "model_key": key,
            "corrections": len(corrections),
            "trained_at": timezone.now(),
        },
    )
    engine.prune(kind, keep=key)
    return state


# ---- which comments may be shown --------------------------------------------------------------------------
#
# Employee comments are anonymous answers: a comment is shown only inside a group the listening app allows
# (listening.results.comment_group): a closed wave, at least the comment threshold of respondents (people,
# not comments), and the differencing check made when the wave closed. A group's comments are those of the
# units below it in the wave's frozen tree, the same people its respondent count is made of. Employee
# comments from elsewhere (ideas, posted on the idea board) have no respondent count, so they are shown
# organisation-wide only, never narrowed to a unit. Customer comments follow the customers app's rules
# (customers.access): the employee threshold does not apply to them.

LISTENING_SOURCE = "listening.answer"
NOT_SHOWN = "comments are shown only for groups with enough respondents in a closed pulse"


@dataclass
class ShownComments:
    """The comments a group may show (`comments`, a queryset), how many people are behind the pulse
    comments among them, and why nothing is shown when `comments` is empty by rule."""

    comments: object
    respondents: int = 0
    groups: int = 0  # (wave, unit) groups that passed the rule
    reason: str = ""
    wave_keys: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reason


def _closed_waves(wave_key: str | None):
    from django.apps import apps

    if not apps.is_installed("allaboard.listening"):
        return []
    from allaboard.listening.models import Wave

    waves = Wave.objects.filter(published=True).select_related("survey").order_by("closes", "pk")
    if wave_key:
        if not wave_key.startswith("wave:") or not wave_key[5:].isdigit():
            return []
        waves = waves.filter(pk=int(wave_key[5:]))
    return list(waves)


def shown_comments(
    kind: str, *, unit: Unit | None = None, wave_key: str | None = None, source: str = ""
) -> ShownComments:
    """The comments of `kind` that may be shown for `unit` (None: the whole organisation), optionally one
    wave and one source, after the anonymity rules above. Callers check who may see the unit."""
    if kind not in L.KINDS:
        raise InputError("kind", f"must be one of {', '.join(L.KINDS)}")
    base = Comment.objects.filter(kind=kind)
    if source:
        base = base.filter(source=source)
    if kind == L.CUSTOMER:
        if unit is not None:
            base = base.filter(unit_id__in=list(unit.subtree().values_list("pk", flat=True)))
        if wave_key:
            base = base.filter(wave_key=wave_key)
        return ShownComments(base)
    from allaboard.listening.results import comment_group

    allowed = Q(pk__in=[])
    result = ShownComments(base.none())
    reasons = []
    if source in ("", LISTENING_SOURCE):
        for wave in _closed_waves(wave_key):
            group = comment_group(wave, unit.pk if unit is not None else None)
            if not group.allowed:
                reasons.append(group.reason)
                continue
            allowed |= Q(source=LISTENING_SOURCE, wave_key=wave.key, unit_id__in=list(group.units))
            result.respondents += group.respondents
            result.groups += 1
            result.wave_keys.append(wave.key)
    others = unit is None and not wave_key and source != LISTENING_SOURCE
    if others:
        allowed |= ~Q(source=LISTENING_SOURCE)
    if not result.groups and not others:
        result.reason = reasons[-1] if reasons and wave_key else NOT_SHOWN
        return result
    result.comments = base.filter(allowed)
    return result


def can_show_comment(comment: Comment) -> bool:
    """True when some group that may be shown contains this comment (customer comments: always)."""
    if comment.kind == L.CUSTOMER:
        return True
    if comment.source != LISTENING_SOURCE:
        return True  # shown organisation-wide (see above)
    waves = _closed_waves(comment.wave_key or "-")
    if not waves or comment.unit_id is None:
        return False
    from allaboard.listening.results import comment_shown_somewhere

    return bool(comment_shown_somewhere(waves[0], comment.unit_id))


# ---- summaries and quotes --------------------------------------------------------------------------------


@dataclass
class LabelShare:
    label: str
    title: str
    count: int
    share: float
    quotes: list[str] = field(default_factory=list)


@dataclass
class LabelSummary:
    n_comments: int
    labels: list[LabelShare]
    sentiment: dict[str, float]
    pending: int = 0  # comments not classified yet


def _comments(source, unit_ids, wave_key, kind):
    qs = Comment.objects.filter(kind=kind)
    if source:
        qs = qs.filter(source=source)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=list(unit_ids))
    if wave_key is not None:
        qs = qs.filter(wave_key=wave_key)
    return qs


def label_summary(
    *, source: str, unit_ids: list[int] | None = None, wave_key: str | None = None, kind: str = L.EMPLOYEE
) -> LabelSummary:
    """Share of comments with each label (a comment may have several), sentiment shares and 2-3 typical quotes
    per label. Only classified comments count; `pending` says how many are still waiting.

    No anonymity rule here: the caller passes units and a wave it has checked (listening.results.comment_group;
    pages of this app use group_summary)."""
    if kind not in L.KINDS:
        raise InputError("kind", f"must be one of {', '.join(L.KINDS)}")
    return summarise(_comments(source, unit_ids, wave_key, kind), kind)


def summarise(qs, kind: str) -> LabelSummary:
    """label_summary of a queryset of comments."""
    classified = qs.filter(classified_at__isnull=False)
    n = classified.count()
    pending = qs.filter(classified_at__isnull=True).count()
    if n == 0:
        return LabelSummary(0, [], {}, pending)
    counts = dict(
        Tag.objects.filter(comment__in=classified, dimension=Dimension.TOPIC)
        .values_list("label")
        .annotate(n=Count("comment", distinct=True))
    )
    sentiments = dict(
        Tag.objects.filter(comment__in=classified, dimension=Dimension.SENTIMENT)
        .values_list("label")
        .annotate(n=Count("id"))
    )
    from .quotes import representative_quotes

    quotes = representative_quotes(classified, [code for code, c in counts.items() if c])
    shares = [
        LabelShare(
            code, L.title(kind, code), counts.get(code, 0), counts.get(code, 0) / n, quotes.get(code, [])
        )
        for code in L.codes(kind)
        if counts.get(code)
    ]
    shares.sort(key=lambda s: (s.label == L.OTHER, -s.count))
    return LabelSummary(n, shares, {code: sentiments.get(code, 0) / n for code in L.SENTIMENT_CODES}, pending)


@dataclass
class GroupSummary:
    """What a group's summary page shows: the shares (None when the group may not be shown) and why not."""

    shown: ShownComments
    result: LabelSummary | None
    trend: list[tuple[LabelShare, list[tuple[str, int | None]]]] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.result is not None


def group_summary(
    kind: str, *, unit: Unit | None = None, wave_key: str | None = None, source: str = ""
) -> GroupSummary:
    """Shares, sentiment and typical quotes of a group's comments, only as far as the anonymity rules allow
    (shown_comments), with the trend of each label over the closed waves where the group may be shown."""
    shown = shown_comments(kind, unit=unit, wave_key=wave_key, source=source)
    if not shown.allowed:
        return GroupSummary(shown, None)
    result = summarise(shown.comments, kind)
    if result.n_comments == 0:
        return GroupSummary(shown, result)
    keys = wave_keys(kind, source)
    trend = []
    if not wave_key and len(keys) > 1:
        per_wave = {}
        for key in keys:
            wave_shown = shown_comments(kind, unit=unit, wave_key=key, source=source)
            if not wave_shown.allowed:
                per_wave[key] = None
                continue
            qs = wave_shown.comments.filter(wave_key=key, classified_at__isnull=False)
            n = qs.count()
            counts = dict(
                Tag.objects.filter(comment__in=qs, dimension=Dimension.TOPIC)
                .values_list("label")
                .annotate(c=Count("comment", distinct=True))
            )
            per_wave[key] = (n, counts) if n else None
        for share in result.labels:
            points = [
                (key, round(100 * v[1].get(share.label, 0) / v[0]) if v else None)
                for key, v in per_wave.items()
            ]
            trend.append((share, points))
    return GroupSummary(shown, result, trend)


def label_trend(
    *, source: str, wave_keys: list[str], unit_ids: list[int] | None = None, kind: str = L.EMPLOYEE
) -> dict[str, list[tuple[str, int, float]]]:
    """For each label, (wave_key, count, share) per wave in the order given: the trend between waves."""
    out: dict[str, list[tuple[str, int, float]]] = {code: [] for code in L.codes(kind)}
    for wave in wave_keys:
        qs = _comments(source, unit_ids, wave, kind).filter(classified_at__isnull=False)
        n = qs.count()
        counts = dict(
            Tag.objects.filter(comment__in=qs, dimension=Dimension.TOPIC)
            .values_list("label")
            .annotate(c=Count("comment", distinct=True))
        )
        for code in out:
            out[code].append((wave, counts.get(code, 0), counts.get(code, 0) / n if n else 0.0))
    return out


def low_confidence_comments(kind: str, source: str | None = None):
    """Comments that fit no known label well: tagged `other` by the model, or no label above LOW_CONFIDENCE."""
    qs = Comment.objects.filter(kind=kind, classified_at__isnull=False, human_labelled=False, note="")
    if source:
        qs = qs.filter(source=source)
    strong = Tag.objects.filter(dimension=Dimension.TOPIC, confidence__gte=LOW_CONFIDENCE).exclude(
        label=L.OTHER
    )
    return (
        qs.exclude(pk__in=strong.values("comment_id")).filter(Q(tags__dimension=Dimension.TOPIC)).distinct()
    )


# ---- model quality on the organisation's own comments --------------------------------------------------


@dataclass
class LabelQuality:
    label: str
    title: str
    human: int  # corrected comments a person gave this label
    model: int  # corrected comments the model had given it
    agreed: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass
class ModelQuality:
    kind: str
    n_corrected: int
    exact: float | None  # share where the model had exactly the person's labels
    overlap: float | None  # share where at least one label was right
    sentiment: float | None  # share where the sentiment was right
    labels: list[LabelQuality]
    state: ModelState | None
    learnt_from: int  # corrections in the model in use


def model_quality(kind: str) -> ModelQuality:
    """How the model did on the comments people corrected or confirmed: what it said before they looked."""
    latest = Correction.objects.filter(kind=kind).values("comment_id").annotate(last=Max("id"))
    rows = list(
        Correction.objects.filter(pk__in=[r["last"] for r in latest]).values_list(
            "labels", "sentiment", "model_labels", "model_sentiment"
        )
    )
    rows = [r for r in rows if r[2]]  # corrected before the model had read it: nothing to compare
    state = ModelState.objects.filter(kind=kind).first()
    n = len(rows)
    per_label = []
    for code in L.codes(kind):
        human = sum(1 for r in rows if code in r[0])
        said = sum(1 for r in rows if code in r[2])
        agreed = sum(1 for r in rows if code in r[0] and code in r[2])
        if not human and not said:
            continue
        precision = agreed / said if said else None
        recall = agreed / human if human else None
        f1 = (
            2 * precision * recall / (precision + recall)
            if precision is not None and recall is not None and precision + recall
            else (0.0 if precision is not None and recall is not None else None)
        )
        per_label.append(LabelQuality(code, L.title(kind, code), human, said, agreed, precision, recall, f1))
    return ModelQuality(
        kind=kind,
        n_corrected=n,
        exact=sum(1 for r in rows if set(r[0]) == set(r[2])) / n if n else None,
        overlap=sum(1 for r in rows if set(r[0]) & set(r[2])) / n if n else None,
        sentiment=sum(1 for r in rows if r[1] == r[3]) / n if n else None,
        labels=per_label,
        state=state,
        learnt_from=state.corrections if state else 0,
    )


# ---- the comment explorer ------------------------------------------------------------------------------


def explore(
    *,
    kind: str = L.EMPLOYEE,
    source: str = "",
    label: str = "",
    sentiment: str = "",
    wave_key: str = "",
    unit_ids: list[int] | None = None,
    query: str = "",
    human_only: bool = False,
    uncertain_only: bool = False,
    within=None,
):
    """Comments matching the filters, newest first, with their tags prefetched. `within` (a queryset, e.g.
    shown_comments(...).comments) limits the search to comments that may be shown."""
    from django.db.models import Prefetch

    qs = (within if within is not None else Comment.objects).filter(kind=kind)
    if source:
        qs = qs.filter(source=source)
    if wave_key:
        qs = qs.filter(wave_key=wave_key)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if label:
        qs = qs.filter(pk__in=Tag.objects.filter(dimension=Dimension.TOPIC, label=label).values("comment_id"))
    if sentiment:
        qs = qs.filter(
            pk__in=Tag.objects.filter(dimension=Dimension.SENTIMENT, label=sentiment).values("comment_id")
        )
    if query:
        qs = qs.filter(text__icontains=query[:200])
    if human_only:
        qs = qs.filter(human_labelled=True)
    if uncertain_only:
        qs = qs.filter(pk__in=low_confidence_comments(kind).values("pk"))
    return qs.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("dimension", "-confidence")))


def sources(kind: str) -> list[str]:
    return list(
        Comment.objects.filter(kind=kind).values_list("source", flat=True).distinct().order_by("source")
    )


def wave_keys(kind: str, source: str = "") -> list[str]:
    qs = Comment.objects.filter(kind=kind).exclude(wave_key="")
    if source:
        qs = qs.filter(source=source)
    from django.db.models import Min

    waves = qs.values("wave_key").annotate(first=Min("created_on")).order_by("first", "wave_key")
    return [w["wave_key"] for w in waves]
