"""Every management command of comment insight is documented for operators (docs/operations.md)."""

from pathlib import Path

import allaboard.textinsight

COMMANDS = Path(allaboard.textinsight.__file__).parent / "management" / "commands"
OPERATIONS = Path(allaboard.textinsight.__file__).parents[3] / "docs" / "operations.md"


def test_every_textinsight_command_is_in_the_operations_guide():
    commands = [p.stem for p in COMMANDS.glob("*.py") if not p.stem.startswith("_")]
    assert commands, "no commands found: the test would prove nothing"
    text = OPERATIONS.read_text()
    missing = [c for c in commands if f"`allaboard manage {c}" not in text]
    assert missing == []
