"""The audit log: one call per change, from services, so pages, API and CLI all record the same way."""

from django.db import models

from .models import AuditEntry, User


def record(
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    changes: dict | None = None,
    *,
    object_type: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Record that `actor` did `action` to `obj` (or to a named thing when there is no single object)."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
    )


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as {field: [old, new]} with values made JSON-safe."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return str(value)
