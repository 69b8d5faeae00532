"""The benchmark scripts stay runnable: each imports, and their shared table prints valid markdown."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCHMARKS.glob("[!_]*.py")))
def test_each_benchmark_script_imports_and_has_a_main(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"bench_{script[:-3]}", BENCHMARKS / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # runs nothing heavy: each script works under `if __name__ == "__main__"`
    assert callable(getattr(module, "main", None)), f"{script} has no main()"


def test_the_shared_table_prints_one_markdown_row_per_result(capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from _common import table

    table("Import", ["path", "rows/s"], [["COPY", 51234.5], ["ORM loop", 812]])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "Import"
    assert lines[2:] == [
        "| path     | rows/s   |",
        "|----------|----------|",
        "| COPY     | 51,234.5 |",
        "| ORM loop |      812 |",
    ]
    sys.modules.pop("_common", None)
