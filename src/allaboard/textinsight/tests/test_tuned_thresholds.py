"""The thresholds shipped with the corpus: current, and used so a new installation need not re-tune."""

import json

from allaboard.textinsight import engine


def test_shipped_thresholds_match_the_current_training_corpus():
    """Fails when a corpus file changes without `allaboard manage textinsight_tune`."""
    for kind in ("employee", "customer"):
        tuned = engine.shipped_thresholds(kind, "default")
        assert tuned is not None, f"re-run textinsight_tune: the {kind} corpus changed"
        thresholds, fallback = tuned
        assert set(thresholds) <= set(engine.L.codes(kind)) and 0 < fallback <= 1


def test_thresholds_are_ignored_once_the_corpus_changes(tmp_path, monkeypatch):
    shipped = json.loads(engine.TUNED_THRESHOLDS.read_text())
    for entry in shipped.values():
        entry["corpus"] = "000000000000"
    stale = tmp_path / "tuned.json"
    stale.write_text(json.dumps(shipped))
    monkeypatch.setattr(engine, "TUNED_THRESHOLDS", stale)
    assert engine.shipped_thresholds("employee", "default") is None
