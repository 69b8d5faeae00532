"""Similar ideas while typing: TF-IDF cosine similarity over existing ideas' titles and texts.

Fitting the TF-IDF model is the slow part (about a second for 5,000 ideas); a query against a fitted index
takes milliseconds. `SimilarityIndex` is fitted once per set of ideas and kept in memory (a few recent ones),
so each keystroke only pays for the query. Ideas are never edited after they are shared, so the set of ids
identifies the index. Pure: no Django (benchmarks/voice.py times it against refitting per keystroke).
"""

import threading
from collections import OrderedDict

MIN_SCORE = 0.15
CACHE_SIZE = 8


class SimilarityIndex:
    def __init__(self, ids: list[int], texts: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = list(ids)
        self.vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 2))
        try:
            self.matrix = self.vectorizer.fit_transform(texts) if texts else None
        except ValueError:  # nothing but stop words
            self.matrix = None

    def query(self, text: str, limit: int = 5, exclude: int | None = None) -> list[tuple[int, float]]:
        """(idea id, cosine similarity) of the closest ideas, best first, above MIN_SCORE."""
        if self.matrix is None or not text.strip():
            return []
        from sklearn.metrics.pairwise import linear_kernel

        scores = linear_kernel(self.vectorizer.transform([text]), self.matrix).ravel()
        order = scores.argsort()[::-1]
        out = []
        for i in order:
            if scores[i] < MIN_SCORE or len(out) >= limit:
                break
            if self.ids[i] != exclude:
                out.append((self.ids[i], float(scores[i])))
        return out


_cache: "OrderedDict[tuple, SimilarityIndex]" = OrderedDict()
_lock = threading.Lock()


def index_for(key: tuple, load) -> SimilarityIndex:
    """The fitted index for `key` (e.g. the programme and the ids of its ideas); `load()` -> (ids, texts)
    is called only when it is not cached."""
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    ids, texts = load()
    index = SimilarityIndex(ids, texts)
    with _lock:
        _cache[key] = index
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def document(title: str, text: str) -> str:
    """The title counts twice: it is the idea in a line."""
    return f"{title} {title} {text}"
