"""Emerging themes: comments that fit no known label well, grouped so a new concern shows before it has a name.

The candidates are machine-tagged comments whose best known label is below services.LOW_CONFIDENCE (or that the
model called `other`). They are turned into TF-IDF vectors (English stop words removed, words and word pairs),
reduced with LSA when there are many, and clustered with k-means; k is the one with the best silhouette between
2 and 8. Each cluster gets its key words (the highest-weighted terms of its centroid) and the 2-3 comments
closest to its centre. Clusters smaller than MIN_CLUSTER are not shown: a theme needs more than one voice.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .redaction import current_redactor

MIN_CLUSTER = 3
MAX_COMMENTS = 3000
MAX_K = 8


@dataclass
class Theme:
    size: int
    keywords: list[str]
    examples: list[str]
    comment_ids: list[int] = field(default_factory=list)
    cohesion: float = 0.0  # mean cosine similarity of the comments to the cluster centre

    @property
    def title(self) -> str:
        return ", ".join(self.keywords[:3])


def cluster_texts(
    texts: list[str], *, seed: int = 0, max_k: int = MAX_K
) -> list[tuple[list[int], list[str]]]:
    """Group texts; returns [(indices, key words)] largest first. Pure: works on any list of strings."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    if len(texts) < 2 * MIN_CLUSTER:
        return []
    vectorizer = TfidfVectorizer(
        stop_words=list(_STOP_WORDS),
        ngram_range=(1, 2),
        min_df=2,
        max_df=0.5,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[^\W\d_][\w'-]+\b",
    )
    try:
        X = vectorizer.fit_transform(texts)
    except ValueError:  # no words in common
        return []
    keep = np.asarray(X.sum(axis=1)).ravel() > 0
    if keep.sum() < 2 * MIN_CLUSTER:
        return []
    rows = np.flatnonzero(keep)
    X = X[rows]
    terms = np.array(vectorizer.get_feature_names_out())
    if X.shape[1] > 60 and X.shape[0] > 60:
        dims = min(100, X.shape[0] - 1, X.shape[1] - 1)
        Z = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(X))
    else:
        Z = normalize(X.toarray())
    best = None
    for k in range(2, min(max_k, X.shape[0] // MIN_CLUSTER) + 1):
        labels = KMeans(k, n_init=4, random_state=seed).fit_predict(Z)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(
            Z, labels, metric="cosine", sample_size=min(2000, len(labels)), random_state=seed
        )
        if best is None or score > best[0]:
            best = (score, labels)
    if best is None:
        return []
    labels = best[1]
    out = []
    for cluster in set(labels):
        members = np.flatnonzero(labels == cluster)
        if len(members) < MIN_CLUSTER:
            continue
        centroid = np.asarray(X[members].mean(axis=0)).ravel()
        top = [terms[j] for j in np.argsort(centroid)[::-1][:8] if centroid[j] > 0]
        keywords = []
        for term in top:  # drop a single word already inside a chosen pair, and vice versa
            if any(term in kept or kept in term for kept in keywords):
                continue
            keywords.append(term)
        out.append((rows[members].tolist(), keywords[:5]))
    out.sort(key=lambda pair: -len(pair[0]))
    return out


def emerging_themes(comments) -> list[Theme]:
    """Themes among `comments` (a queryset of candidate comments, e.g. services.low_confidence_comments)."""
    rows = list(comments.order_by("-created_on", "-id").values_list("id", "text")[:MAX_COMMENTS])
    if not rows:
        return []
    texts = [text for _, text in rows]
    redactor = current_redactor()
    themes = []
    from sklearn.feature_extraction.text import TfidfVectorizer

    for indices, keywords in cluster_texts(texts):
        member_texts = [texts[i] for i in indices]
        vectors = TfidfVectorizer(stop_words=list(_STOP_WORDS), sublinear_tf=True).fit_transform(member_texts)
        centre = np.asarray(vectors.mean(axis=0)).ravel()
        centre /= np.linalg.norm(centre) or 1.0
        closeness = np.asarray(vectors @ centre).ravel()
        order = np.argsort(closeness)[::-1]
        examples, seen = [], set()
        for j in order:
            text = member_texts[j]
            if text.casefold() in seen:
                continue
            seen.add(text.casefold())
            examples.append(redactor.redact(text))
            if len(examples) == 3:
                break
        themes.append(
            Theme(
                size=len(indices),
                keywords=keywords,
                examples=examples,
                comment_ids=[rows[i][0] for i in indices],
                cohesion=round(float(closeness.mean()), 3),
            )
        )
    return themes


# English stop words plus words every contact-centre comment uses, which never tell themes apart.
_STOP_WORDS = frozenset(
    ENGLISH_STOP_WORDS
    | {
        "just",
        "really",
        "like",
        "don",
        "doesn",
        "didn",
        "isn",
        "ve",
        "ll",
        "im",
        "dont",
        "get",
        "got",
        "name",
        "it's",
        "we're",
        "i'm",
        "i've",
        "don't",
        "can't",
        "know",
        "new",
        "does",
        "thanks",
        "thank",
        "think",
        "want",
        "need",
        "going",
    }
)
