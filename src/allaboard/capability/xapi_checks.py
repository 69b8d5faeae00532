"""The format rules of xAPI 1.0.3 (Part Two, Data) that a statement must meet before xapi.py reads it.

The specification says the LRS MUST reject statements with null values (except inside extensions),
strings where numbers or booleans are required, values that do not follow their format (UUID, mailto
IRI, IRI, language tag, timestamp), keys in the wrong case, enumerated values in the wrong case, and keys
the specification does not allow (2.2.s4). An Agent has exactly one inverse functional identifier
(2.4.2.1). Each rule here raises InputError naming the offending field, as `statements[3].actor.mbox`.

What is checked is the part of a statement this app reads, plus the general rules above for the rest
(context and activity definitions are checked for their types and formats, not interpreted).
"""

from __future__ import annotations

import re
from datetime import datetime

from allaboard.errors import InputError

# 2.4.1: "the UUID MUST be in standard string form" (the spec's own examples include ids of other variants).
UUID_FORM = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# 2.2.s4.b6 allows best-effort IRI validation: a scheme, then no white space.
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
# RFC 5646 language tags (2.2.s4.b2: at least the sequence of token lengths).
LANGUAGE_TAG = re.compile(
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z\d]{2,8})+)*"
    r"(?:-x(?:-[A-Za-z\d]{1,8})+)?$|^x(?:-[A-Za-z\d]{1,8})+$"
)
# 4.5: ISO 8601 date and time; a zone offset of -00:00 is not ISO 8601.
TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE
)
VERSION = re.compile(r"^1\.0(?:\.\d+)?$")
MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")

STATEMENT_KEYS = {
    "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version",
    "attachments",
}  # fmt: skip
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
GROUP_KEYS = AGENT_KEYS | {"member"}
VERB_KEYS = {"id", "display"}
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {
    "name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern",
    "choices", "scale", "source", "target", "steps",
}  # fmt: skip
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {
    "registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
    "statement", "extensions",
}  # fmt: skip
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}


class Where:
    """Builds field names: statements[2].result.score.raw (no prefix for a single statement)."""

    def __init__(self, index: int | None):
        self.prefix = f"statements[{index}]." if index is not None else ""

    def __call__(self, path: str) -> str:
        return (self.prefix + path).rstrip(".") or "body"


def check_statement(raw, index: int | None) -> None:
    """Raise InputError for the first rule of the xAPI 1.0.3 format the statement breaks."""
    at = Where(index)
    _object(raw, "", STATEMENT_KEYS, at)
    _no_nulls(raw, "", at)
    for name in ("actor", "verb", "object"):
        if name not in raw:
            raise InputError(at(name), "is required")
    if "id" in raw:
        _uuid(raw["id"], "id", at)
    _actor(raw["actor"], "actor", at)
    _verb(raw["verb"], at)
    _activity(raw["object"], at)
    if "result" in raw:
        _result(raw["result"], at)
    if "context" in raw:
        _context(raw["context"], at)
    for name in ("timestamp", "stored"):
        if name in raw:
            _timestamp(raw[name], name, at)
    if "version" in raw and not (isinstance(raw["version"], str) and VERSION.match(raw["version"])):
        raise InputError(at("version"), "must be an xAPI 1.0.x version such as 1.0.3")
    if "authority" in raw:
        _actor(raw["authority"], "authority", at, group_allowed=True)
    if "attachments" in raw and not isinstance(raw["attachments"], list):
        raise InputError(at("attachments"), "must be a list")


def _object(value, path: str, keys: set[str], at: Where) -> None:
    """A JSON object with only the keys xAPI allows there (2.2.s4.b1.b5, b7)."""
    if not isinstance(value, dict):
        raise InputError(at(path), "must be a JSON object")
    for key in value:
        if key not in keys:
            allowed = next((k for k in keys if k.lower() == str(key).lower()), None)
            hint = f"; the key is {allowed!r} (keys are case sensitive)" if allowed else " by xAPI 1.0.3"
            raise InputError(at(f"{path}.{key}" if path else str(key)), f"is not allowed{hint}")


def _no_nulls(value, path: str, at: Where) -> None:
    """2.2.s4.b1.b1: no null values anywhere, except inside extensions. A loop, not recursion: this runs on
    every statement of every batch."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        kind = type(item)
        if item is None:
            raise InputError(at(where), "must not be null")
        if kind is dict:
            stack.extend(
                (inner, f"{where}.{key}" if where else str(key))
                for key, inner in item.items()
                if key != "extensions" and (inner is None or type(inner) in (dict, list))
            )
        elif kind is list:
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))


def _uuid(value, path: str, at: Where) -> None:
    if not isinstance(value, str) or not UUID_FORM.match(value):
        raise InputError(at(path), f"{value!r} is not a UUID in standard form (8-4-4-4-12 hex digits)")


def _iri(value, path: str, at: Where) -> None:
    if not isinstance(value, str) or not IRI.match(value):
        raise InputError(at(path), "must be an IRI with a scheme, such as http://example.com/activities/1")


def _string(value, path: str, at: Where) -> None:
    if not isinstance(value, str):
        raise InputError(at(path), "must be a string")


def _language_map(value, path: str, at: Where) -> None:
    if not isinstance(value, dict):
        raise InputError(at(path), 'must be a language map such as {"en-US": "completed"}')
    for tag, text in value.items():
        if not LANGUAGE_TAG.match(tag):
            raise InputError(at(f"{path}.{tag}"), "is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}", at)


def _actor(value, path: str, at: Where, *, group_allowed: bool = False) -> None:
    if not isinstance(value, dict):
        raise InputError(at(path), "must be an Agent object")
    kind = value.get("objectType", "Agent")
    if kind not in ("Agent", "Group"):
        raise InputError(at(f"{path}.objectType"), f"{kind!r} is not 'Agent' or 'Group' (case sensitive)")
    if kind == "Group":
        if not group_allowed:
            raise InputError(at(f"{path}.objectType"), "only an Agent (one person) is accepted")
        _object(value, path, GROUP_KEYS, at)
        return
    _object(value, path, AGENT_KEYS, at)
    identifiers = [key for key in IFIS if key in value]
    if not identifiers:
        raise InputError(at(path), "needs one identifier: mbox or account (or mbox_sha1sum, openid)")
    if len(identifiers) > 1:
        raise InputError(at(path), f"has {' and '.join(identifiers)}: an Agent has exactly one identifier")
    if "name" in value:
        _string(value["name"], f"{path}.name", at)
    if "mbox" in value:
        mbox = value["mbox"]
        if not isinstance(mbox, str) or not MBOX.match(mbox):
            raise InputError(at(f"{path}.mbox"), "must be 'mailto:' followed by an email address")
    if "mbox_sha1sum" in value and not re.match(r"^[0-9a-fA-F]{40}$", str(value["mbox_sha1sum"])):
        raise InputError(at(f"{path}.mbox_sha1sum"), "must be 40 hex digits (SHA-1 of the mailto IRI)")
    if "openid" in value:
        _iri(value["openid"], f"{path}.openid", at)
    if "account" in value:
        account = value["account"]
        _object(account, f"{path}.account", {"homePage", "name"}, at)
        for key in ("homePage", "name"):
            if key not in account:
                raise InputError(at(f"{path}.account.{key}"), "is required")
        _iri(account["homePage"], f"{path}.account.homePage", at)
        _string(account["name"], f"{path}.account.name", at)


def _verb(value, at: Where) -> None:
    _object(value, "verb", VERB_KEYS, at)
    if "id" not in value:
        raise InputError(at("verb.id"), "is required")
    _iri(value["id"], "verb.id", at)
    if "display" in value:
        _language_map(value["display"], "verb.display", at)


def _activity(value, at: Where) -> None:
    if not isinstance(value, dict):
        raise InputError(at("object"), "must be an Activity object")
    kind = value.get("objectType", "Activity")
    if kind != "Activity":
        raise InputError(at("object.objectType"), f"{kind!r}: only an Activity (a course) is accepted")
    _object(value, "object", ACTIVITY_KEYS, at)
    if "id" not in value:
        raise InputError(at("object.id"), "is required: the course's xAPI activity id")
    _iri(value["id"], "object.id", at)
    if "definition" in value:
        _definition(value["definition"], "object.definition", at)


def _definition(value, path: str, at: Where) -> None:
    _object(value, path, DEFINITION_KEYS, at)
    for key in ("name", "description"):
        if key in value:
            _language_map(value[key], f"{path}.{key}", at)
    for key in ("type", "moreInfo"):
        if key in value:
            _iri(value[key], f"{path}.{key}", at)
    if "extensions" in value:
        _extensions(value["extensions"], f"{path}.extensions", at)


def _extensions(value, path: str, at: Where) -> None:
    if not isinstance(value, dict):
        raise InputError(at(path), "must be an object whose keys are IRIs")
    for key in value:
        _iri(key, f"{path}.{key}", at)


def _result(value, at: Where) -> None:
    _object(value, "result", RESULT_KEYS, at)
    for key in ("success", "completion"):
        if key in value and not isinstance(value[key], bool):
            raise InputError(at(f"result.{key}"), "must be true or false (not a string)")
    if "response" in value:
        _string(value["response"], "result.response", at)
    if "duration" in value:
        _string(value["duration"], "result.duration", at)
    if "extensions" in value:
        _extensions(value["extensions"], "result.extensions", at)
    if "score" in value:
        score = value["score"]
        _object(score, "result.score", SCORE_KEYS, at)
        for key, number in score.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise InputError(at(f"result.score.{key}"), "must be a number (not a string)")
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and high <= low:
            raise InputError(at("result.score.max"), "must be greater than min")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            raise InputError(at("result.score.raw"), "must be between min and max")


def _context(value, at: Where) -> None:
    _object(value, "context", CONTEXT_KEYS, at)
    if "registration" in value:
        _uuid(value["registration"], "context.registration", at)
    for key in ("instructor", "team"):
        if key in value:
            _actor(value[key], f"context.{key}", at, group_allowed=True)
    for key in ("revision", "platform", "language"):
        if key in value:
            _string(value[key], f"context.{key}", at)
    if "language" in value and not LANGUAGE_TAG.match(value["language"]):
        raise InputError(at("context.language"), "is not an RFC 5646 language tag")
    if "statement" in value:
        ref = value["statement"]
        _object(ref, "context.statement", {"objectType", "id"}, at)
        if ref.get("objectType") != "StatementRef":
            raise InputError(at("context.statement.objectType"), "must be 'StatementRef'")
        _uuid(ref.get("id"), "context.statement.id", at)
    if "extensions" in value:
        _extensions(value["extensions"], "context.extensions", at)
    activities = value.get("contextActivities")
    if activities is not None:
        _object(activities, "context.contextActivities", CONTEXT_ACTIVITY_KEYS, at)
        for key, items in activities.items():
            for i, item in enumerate(items if isinstance(items, list) else [items]):
                path = f"context.contextActivities.{key}[{i}]"
                if not isinstance(item, dict) or item.get("objectType", "Activity") != "Activity":
                    raise InputError(at(path), "must be an Activity")
                _object(item, path, ACTIVITY_KEYS, at)
                _iri(item.get("id"), f"{path}.id", at)
                if "definition" in item:
                    _definition(item["definition"], f"{path}.definition", at)


def _timestamp(value, path: str, at: Where) -> None:
    if not isinstance(value, str) or not TIMESTAMP.match(value) or re.search(r"-00(?::?00)?$", value):
        raise InputError(at(path), "is not an ISO 8601 date and time such as 2026-01-15T10:30:00Z")
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InputError(at(path), "is not a real date and time") from None
