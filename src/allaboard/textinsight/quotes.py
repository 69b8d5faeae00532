"""Representative quotes: comments typical of a label, not the most extreme ones.

For each label, among the comments carrying it: the ones closest to the label's centroid (TF-IDF, cosine),
after setting aside the extremes (very strong sentiment, shouting, very short or very long), and not two
near-identical quotes. Quotes are redacted again when shown, so people added since are masked too.
"""

import re

import numpy as np

from .engine import vader_scores
from .models import Dimension, Tag
from .redaction import current_redactor

CANDIDATES = 300  # most recent comments per label considered
SHORTEST, LONGEST = 25, 320


def _extremeness(text: str, compound: float) -> float:
    """0 for a calm, ordinary comment; higher for shouting, very strong feeling, or odd lengths."""
    letters = [c for c in text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / max(len(letters), 1)
    score = max(0.0, abs(compound) - 0.75) * 2
    score += 0.5 if caps > 0.5 and len(letters) > 12 else 0.0
    score += 0.3 if re.search(r"[!?]{3,}", text) else 0.0
    if len(text) < SHORTEST:
        score += 0.6
    elif len(text) > LONGEST:
        score += 0.3
    return score


def representative_quotes(comments, labels: list[str], per_label: int = 3) -> dict[str, list[str]]:
    """{label: [quote, ...]} for the given comments (a queryset) and labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    result: dict[str, list[str]] = {}
    redactor = current_redactor()
    pools: dict[str, list[tuple[int, str]]] = {}
    for label in labels:
        rows = list(
            Tag.objects.filter(comment__in=comments, dimension=Dimension.TOPIC, label=label, comment__note="")
            .order_by("-comment__created_on", "-comment_id")
            .values_list("comment_id", "comment__text")[:CANDIDATES]
        )
        pools[label] = rows
    texts = {cid: text for rows in pools.values() for cid, text in rows}
    if not texts:
        return {label: [] for label in labels}
    ids = list(texts)
    index = {cid: i for i, cid in enumerate(ids)}
    try:
        X = TfidfVectorizer(sublinear_tf=True, min_df=1, stop_words="english").fit_transform(
            [texts[cid] for cid in ids]
        )
    except ValueError:  # nothing but stop words
        X = None
    compounds = vader_scores([texts[cid] for cid in ids])[:, 3]
    for label, rows in pools.items():
        if not rows:
            result[label] = []
            continue
        rows_idx = [index[cid] for cid, _ in rows]
        if X is not None:
            sub = X[rows_idx]
            centroid = np.asarray(sub.mean(axis=0)).ravel()
            norm = np.linalg.norm(centroid) or 1.0
            typical = np.asarray(sub @ (centroid / norm)).ravel()
        else:
            typical = np.zeros(len(rows_idx))
        scores = [
            typical[k] - 0.25 * _extremeness(texts[cid], float(compounds[index[cid]]))
            for k, (cid, _) in enumerate(rows)
        ]
        order = np.argsort(scores)[::-1]
        chosen: list[int] = []
        for k in order:
            if len(chosen) >= per_label:
                break
            if X is not None and any(
                (X[rows_idx[k]] @ X[rows_idx[j]].T).toarray()[0, 0] > 0.7 for j in chosen
            ):
                continue
            chosen.append(int(k))
        result[label] = [redactor.redact(rows[k][1]) for k in chosen]
    return result
