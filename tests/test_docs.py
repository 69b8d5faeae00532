"""The docs stay true: every guide is reachable, every link and image resolves, every command is documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "allaboard"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _prose(md: Path) -> str:
    """The file without fenced code blocks and inline code, where link-like text is an example, not a link."""
    text = re.sub(r"```.*?```", "", md.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


def test_every_relative_link_and_image_in_the_docs_resolves():
    broken = []
    for md in _markdown_files():
        for target in LINK.findall(_prose(md)):
            if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                continue
            if not (md.parent / target).exists():
                broken.append(f"{md.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_every_guide_is_linked_from_the_docs_index():
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(LINK.findall(index))
    orphans = [p.name for p in DOCS.glob("*.md") if p.name != "index.md" and p.name not in linked]
    assert orphans == [], "link these guides from docs/index.md"


def test_every_management_command_is_in_the_operations_guide():
    operations = (DOCS / "operations.md").read_text(encoding="utf-8")
    commands = sorted(p.stem for p in SRC.glob("*/management/commands/*.py") if not p.stem.startswith("_"))
    assert commands, "no management commands found"
    missing = [c for c in commands if f"`allaboard manage {c}" not in operations]
    assert missing == [], "list these in docs/operations.md (scheduled jobs or other commands)"


def test_every_setting_read_from_the_environment_is_in_the_configuration_guide():
    settings_source = (SRC / "settings.py").read_text(encoding="utf-8")
    configuration = (DOCS / "configuration.md").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"env_\w+\(\s*\"([A-Z][A-Z0-9_]+)\"", settings_source)))
    assert names, "no environment settings found"
    missing = [n for n in names if f"`{n}`" not in configuration]
    assert missing == [], "document these in docs/configuration.md"
