"""Batch endpoints of the API (customer feedback, usage events): one body shape, one reader, one OpenAPI entry.

A batch is `{"<field>": [item, ...]}`. The body is read here, not by the framework, so an oversized or malformed
batch gets a clear 400 naming the field instead of a generic error."""

import json

from allaboard.errors import InputError


def batch_request_body(field: str, item_schema: dict, max_items: int = 10_000) -> dict:
    """`openapi_extra` for a batch endpoint: the documented request body."""
    array = {"type": "array", "maxItems": max_items, "items": item_schema}
    schema = {"type": "object", "required": [field], "properties": {field: array}}
    return {"requestBody": {"content": {"application/json": {"schema": schema}}, "required": True}}


def read_batch(request, field: str, max_bytes: int) -> list:
    """The list under `field` in the request's JSON body; InputError for a body over `max_bytes`, bad JSON, or
    a missing or non-list field."""
    too_large = f"is larger than {max_bytes // (1024 * 1024)} MB; send fewer {field}"
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        raise InputError("body", too_large)
    raw = request.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise InputError("body", too_large)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InputError("body", "is not valid JSON") from None
    if not isinstance(data, dict) or field not in data:
        raise InputError(field, f'is required: send {{"{field}": [...]}}')
    if not isinstance(data[field], list):
        raise InputError(field, "must be a list")
    return data[field]
