"""Benchmark the comment models: accuracy on the held-out sets, throughput, and 100,000 comments end to end.

Run:  .venv/bin/python benchmarks/textinsight.py [--quick] [--no-embeddings] [--rows 100000]

Accuracy (held-out sets in benchmarks/data/textinsight/, never trained on):
  - resistance sources (employee) and customer themes: per-label precision, recall, F1 and macro-F1 for the
    default backend, the embeddings backend (when allaboard[embeddings] is installed) and a naive keyword
    baseline (each label's 15 most typical training words);
  - sentiment: the trained model, VADER alone (the lexicon baseline) and the combination.
Throughput: classification in comments per second in one process (batches of 2,000), against a naive
one-comment-at-a-time loop; then N comments (default 100,000) stored, classified by the worker function and
their tags written, timed, against a naive row-by-row write measured on 2,000 comments.

It uses a fresh SQLite database in a temporary folder unless DATABASE_URL is set.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "benchmarks" / "data" / "textinsight"
sys.path.insert(0, str(ROOT / "src"))


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("ALLABOARD_DATA_DIR", str(tmp))
    os.environ.setdefault("ALLABOARD_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def table(title: str, header: list[str], rows: list[list]) -> None:
    def fmt(v):
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = [header] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(
            "| "
            + " | ".join(
                v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
    sys.stdout.flush()


def per_label(codes, truth: list[set], pred: list[set]):
    rows, f1s = [], []
    for code in codes:
        tp = sum(1 for t, p in zip(truth, pred, strict=True) if code in t and code in p)
        fp = sum(1 for t, p in zip(truth, pred, strict=True) if code not in t and code in p)
        fn = sum(1 for t, p in zip(truth, pred, strict=True) if code in t and code not in p)
        support = tp + fn
        if not support:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append([code, support, precision, recall, f1])
        f1s.append(f1)
    return rows, sum(f1s) / len(f1s)


def keyword_baseline(examples, codes):
    """Naive baseline: a label when one of its 15 most typical training words (by log-odds) is present."""
    import math
    import re
    from collections import Counter

    words = lambda t: set(re.findall(r"[a-z']{3,}", t.lower()))  # noqa: E731
    total, per = Counter(), {c: Counter() for c in codes}
    for e in examples:
        ws = words(e.text)
        total.update(ws)
        for c in e.labels:
            per[c].update(ws)
    n = {c: sum(1 for e in examples if c in e.labels) for c in codes}
    keywords = {}
    for c in codes:
        if c == "other" or not n[c]:
            continue
        score = {
            w: math.log((per[c][w] + 1) / (n[c] + 2))
            - math.log((total[w] - per[c][w] + 1) / (len(examples) - n[c] + 2))
            for w in per[c]
            if per[c][w] >= 3
        }
        keywords[c] = set(sorted(score, key=score.get, reverse=True)[:15])

    def predict(text):
        ws = words(text)
        found = {c for c, kws in keywords.items() if ws & kws}
        return found or {"other"}

    return predict


def accuracy(kind: str, backends: list[str], quick: bool) -> dict:
    from allaboard.textinsight import engine
    from allaboard.textinsight import labels as L

    train = engine.read_corpus(kind)
    test = engine.read_corpus(kind, [EVAL / f"{kind}_eval.jsonl"])
    codes = L.codes(kind)
    truth = [set(e.labels) for e in test]
    results, sentiment_rows = {}, []
    title = "Resistance sources" if kind == L.EMPLOYEE else "Customer themes"
    for backend in backends:
        started = time.monotonic()
        model = engine.CommentModel(kind, backend, "combined").fit(train)
        fit_s = time.monotonic() - started
        started = time.monotonic()
        predictions = model.predict([e.text for e in test])
        predict_s = time.monotonic() - started
        rows, macro = per_label(codes, truth, [{c for c, _ in p.labels} for p in predictions])
        results[backend] = (rows, macro, fit_s, predict_s, model)
    baseline = keyword_baseline(train, codes)
    base_rows, base_macro = per_label(codes, truth, [baseline(e.text) for e in test])
    header = ["label", "n"]
    for backend in backends:
        header += [f"{backend} P", f"{backend} R", f"{backend} F1"]
    header += ["keywords F1"]
    merged = []
    for i, row in enumerate(results[backends[0]][0]):
        line = row[:2]
        for backend in backends:
            line += results[backend][0][i][2:]
        line += [base_rows[i][4]]
        merged.append(line)
    merged.append(
        ["macro-F1", len(test)] + sum([["", "", results[b][1]] for b in backends], []) + [base_macro]
    )
    table(
        f"{title}: held-out {kind}_eval.jsonl ({len(test)} comments), trained on {len(train)}", header, merged
    )
    for backend in backends:
        _, macro, fit_s, predict_s, _ = results[backend]
        print(
            f"  {backend}: macro-F1 {macro:.3f}; training {fit_s:.1f} s; {len(test) / predict_s:,.0f} comments/s on this set"
        )

    # Sentiment: trained, VADER alone, combined.
    s_truth = [e.sentiment for e in test]
    variants = {"combined": results["default"][4]}
    if not quick:
        variants["trained"] = engine.CommentModel(kind, "default", "trained").fit(
            train, thresholds=results["default"][4].thresholds
        )
    variants["vader"] = engine.CommentModel(kind, "default", "vader").fit(
        train, thresholds=results["default"][4].thresholds
    )
    if "embeddings" in results:
        variants["embeddings"] = results["embeddings"][4]
    for name, model in variants.items():
        pred = [p.sentiment for p in model.predict([e.text for e in test])]
        rows, macro = per_label(L.SENTIMENT_CODES, [{t} for t in s_truth], [{p} for p in pred])
        acc = sum(1 for t, p in zip(s_truth, pred, strict=True) if t == p) / len(test)
        sentiment_rows.append([name] + [r[4] for r in rows] + [acc, macro])
    table(
        f"Sentiment on {kind}_eval.jsonl (F1 per class)",
        ["model", "negative", "neutral", "positive", "accuracy", "macro-F1"],
        sentiment_rows,
    )
    return {b: results[b][1] for b in backends}


def synthetic(n: int, seed: int = 1) -> list[str]:
    """n comment texts: training and held-out lines with small variations, so caching cannot help."""
    from allaboard.textinsight import engine

    rng = random.Random(seed)
    base = [e.text for kind in ("employee", "customer") for e in engine.read_corpus(kind)]
    tails = ["", " Thanks.", " Honestly.", " Again.", " Please sort it.", " Not happy.", " Cheers", "!!"]
    return [rng.choice(base) + rng.choice(tails) + (f" #{i}" if i % 7 == 0 else "") for i in range(n)]


def throughput(rows: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from allaboard.textinsight import services
    from allaboard.textinsight.models import Comment, Dimension, Tag

    services.current_model("employee")
    services.current_model("customer")
    texts = synthetic(20_000)
    started = time.monotonic()
    for start in range(0, len(texts), services.BATCH):
        services.classify(texts[start : start + services.BATCH], "employee")
    batch_rate = len(texts) / (time.monotonic() - started)
    started = time.monotonic()
    for text in texts[:1000]:
        services.classify([text], "employee")
    single_rate = 1000 / (time.monotonic() - started)
    table(
        "Classification throughput (one process; the machine has 2 cores)",
        ["method", "comments/s"],
        [
            ["batches of 2,000 (the worker)", f"{batch_rate:,.0f}"],
            ["one comment at a time (naive)", f"{single_rate:,.0f}"],
        ],
    )

    Comment.objects.all().delete()
    texts = synthetic(rows, seed=2)
    items = [
        {
            "kind": "employee" if i % 3 else "customer",
            "source": "bench.comment",
            "source_id": str(i),
            "text": t,
            "unit_id": None,
            "programme_id": None,
            "wave_key": f"w{i % 4}",
            "created_on": timezone.localdate(),
        }
        for i, t in enumerate(texts)
    ]
    services.classify_inline(False)
    from django.conf import settings

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)
    started = time.monotonic()
    for start in range(0, len(items), 10_000):
        services.submit_comments(items[start : start + 10_000])
    submit_s = time.monotonic() - started
    ids = list(Comment.objects.order_by("pk").values_list("pk", flat=True))
    started = time.monotonic()
    for start in range(0, len(ids), services.BATCH):
        chunk = ids[start : start + services.BATCH]
        services.classify_stored(chunk[0], chunk[-1])
    classify_s = time.monotonic() - started
    assert Comment.objects.filter(classified_at__isnull=True).count() == 0
    n_tags = Tag.objects.count()

    # Naive: one comment at a time, each tag saved with its own INSERT, on 2,000 comments.
    sample = list(Comment.objects.order_by("pk")[:2000])
    Tag.objects.filter(comment__in=sample).delete()
    started = time.monotonic()
    with transaction.atomic():
        for comment in sample:
            [p] = services.classify([comment.text], comment.kind)
            for code, conf in p.labels:
                Tag.objects.create(comment=comment, dimension=Dimension.TOPIC, label=code, confidence=conf)
            Tag.objects.create(
                comment=comment,
                dimension=Dimension.SENTIMENT,
                label=p.sentiment,
                confidence=p.sentiment_confidence,
            )
            comment.classified_at = timezone.now()
            comment.save(update_fields=["classified_at"])
    naive_rate = len(sample) / (time.monotonic() - started)
    table(
        f"{rows:,} comments end to end on {connection.vendor}",
        ["step", "seconds", "comments/s"],
        [
            [
                "submit: validate, redact, store (10,000 per call)",
                f"{submit_s:.1f}",
                f"{rows / submit_s:,.0f}",
            ],
            [
                f"classify + write tags ({n_tags:,} tags, batches of 2,000)",
                f"{classify_s:.1f}",
                f"{rows / classify_s:,.0f}",
            ],
            [
                "naive: one at a time, row-by-row writes (2,000 measured)",
                f"{rows / naive_rate:.1f} (extrapolated)",
                f"{naive_rate:,.0f}",
            ],
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the trained-only sentiment variant")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="allaboard-bench-"))
    setup_django(tmp)
    from allaboard.textinsight import engine

    backends = ["default"]
    if not args.no_embeddings and engine.Embedder.available():
        backends.append("embeddings")
    elif not args.no_embeddings:
        print("embeddings backend not installed (pip install allaboard[embeddings]): skipped")
    if not args.skip_accuracy:
        for kind in ("employee", "customer"):
            accuracy(kind, backends, args.quick)
    if not args.skip_throughput:
        throughput(args.rows)
    print(json.dumps({"data_dir": str(tmp)}))


if __name__ == "__main__":
    main()
