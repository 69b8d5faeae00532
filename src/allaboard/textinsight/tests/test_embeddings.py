"""The optional embeddings backend (pip install allaboard[embeddings]): same interface as the default."""

import pytest

from allaboard.textinsight import engine, services

pytestmark = pytest.mark.skipif(
    not engine.Embedder.available(), reason="allaboard[embeddings] is not installed"
)


@pytest.fixture(scope="module")
def small_model():
    examples = engine.read_corpus("employee")
    by_label: dict[str, list] = {}
    for e in examples:
        by_label.setdefault(e.labels[0], []).append(e)
    subset = [e for group in by_label.values() for e in group[:40]]
    return engine.CommentModel("employee", "embeddings", "combined").fit(subset, tune_thresholds=False)


def test_embeddings_load_offline_from_the_package(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    vectors = engine.Embedder().encode(["The desk keeps crashing", "The system freezes all the time"])
    assert vectors.shape == (2, 384)
    assert float(vectors[0] @ vectors[1]) > 0.4  # similar meaning, different words


def test_same_interface_as_the_default(small_model):
    predictions = small_model.predict(["The desk freezes when I open the history", "", "🙂"])
    assert [p.note for p in predictions[1:]] == ["empty comment", "no words (only emoji, numbers or symbols)"]
    first = predictions[0]
    assert first.labels and all(0 <= c <= 1 for _, c in first.labels)
    assert first.sentiment in ("negative", "neutral", "positive")


def test_backend_is_chosen_by_a_setting(db, settings, monkeypatch):
    settings.ALLABOARD_TEXT_BACKEND = "embeddings"
    assert engine.backend_name() == "embeddings"
    monkeypatch.setattr(
        engine, "load_or_train", lambda kind, corrections=None, backend=None: ("k", FakeModel())
    )
    assert services.current_model("employee")[0] == "k"


class FakeModel:
    pass
