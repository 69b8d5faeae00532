"""The built-in playbook in data/plays.toml, and loading it into the database.

The loader only adds what is missing (by play slug and rule key): an admin's edits to a built-in play or rule
are never overwritten, and a play an admin switched off stays off.
"""

import tomllib
from functools import cache
from pathlib import Path

from . import findings as F
from .rules import OPERATORS, SCOPES, check_template

DATA_FILE = Path(__file__).resolve().parent / "data" / "plays.toml"
PLAY_FIELDS = ("slug", "title", "strategy", "purpose", "when_it_helps", "actions", "how_to_tell")
RULE_DEFAULTS = {
    "metric": "*",
    "operator": ">=",
    "min_n": 0,
    "scope": "any",
    "top_only": False,
    "evidence": "",
}


@cache
def built_in_library() -> list[dict]:
    """The plays of the data file, each with its rules, checked."""
    with DATA_FILE.open("rb") as fh:
        plays = tomllib.load(fh)["plays"]
    for play in plays:
        missing = [name for name in PLAY_FIELDS if not str(play.get(name, "")).strip()]
        if missing:
            raise ValueError(f"{DATA_FILE.name}: play {play.get('slug')!r} lacks {', '.join(missing)}")
        for rule in play.get("rules", []):
            _check_rule(play["slug"], rule)
    return plays


def _check_rule(slug: str, rule: dict) -> None:
    where = f"{DATA_FILE.name}: rule {rule.get('key')!r} of play {slug!r}"
    if rule.get("kind") not in F.KINDS:
        raise ValueError(f"{where}: unknown finding kind {rule.get('kind')!r}")
    if rule.get("operator", ">=") not in OPERATORS:
        raise ValueError(f"{where}: unknown operator {rule.get('operator')!r}")
    if rule.get("scope", "any") not in SCOPES:
        raise ValueError(f"{where}: unknown scope {rule.get('scope')!r}")
    if "threshold" not in rule:
        raise ValueError(f"{where}: no threshold")
    problem = check_template(rule.get("evidence", ""))
    if problem:
        raise ValueError(f"{where}: evidence {problem}")


def ensure_library(play_model, rule_model) -> tuple[int, int]:
    """Add the built-in plays and rules that are not in the database yet. Returns (plays, rules) added.

    Takes the model classes so a data migration can pass its historical models."""
    plays_added = rules_added = 0
    existing_plays = {p.slug: p for p in play_model.objects.all()}
    existing_rules = set(rule_model.objects.values_list("key", flat=True))
    for data in built_in_library():
        play = existing_plays.get(data["slug"])
        if play is None:
            play = play_model.objects.create(
                **{name: data[name].strip() for name in PLAY_FIELDS},
                measure_kind=data.get("measure_kind", ""),
                measure_metric=data.get("measure_metric", ""),
                built_in=True,
            )
            plays_added += 1
        for rule in data.get("rules", []):
            if rule["key"] in existing_rules:
                continue
            rule_model.objects.create(
                play=play,
                built_in=True,
                **{**RULE_DEFAULTS, **{k: v for k, v in rule.items() if k != "threshold"}},
                threshold=float(rule["threshold"]),
            )
            existing_rules.add(rule["key"])
            rules_added += 1
    return plays_added, rules_added


def on_post_migrate(sender, using: str = "default", **kwargs) -> None:
    """Plays added to the data file after the first migration arrive with the next `migrate`."""
    from django.db import connections

    from .models import Play, Rule

    if Play._meta.db_table in connections[using].introspection.table_names():
        ensure_library(Play, Rule)
