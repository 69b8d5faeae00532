"""The REST API at /api/v1: one NinjaAPI, with a router from each capability app's api.py."""

import importlib
import importlib.util
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from allaboard.errors import InputError
from allaboard.org.models import ApiToken


def _user_for_key(key: str):
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    if token.last_used is None or (timezone.now() - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
    return token.user


class BearerToken(HttpBearer):
    """`Authorization: Bearer aa_...`"""

    def authenticate(self, request, token):
        user = _user_for_key(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    """`X-API-Key: aa_...` for tools that cannot set Authorization."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        user = _user_for_key(key) if key else None
        if user is not None:
            request.user = user
        return user


class BodyError(ValueError):
    """The request body is not a JSON object."""


class JsonObjectParser(Parser):
    """Every request body is a JSON object: invalid JSON, or a bare string or list, is refused (400) naming
    the body, instead of ninja's bare "Cannot parse request body" or a string read as no fields at all."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except json.JSONDecodeError as exc:
            reason = f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            raise BodyError(reason) from exc
        except ValueError as exc:  # not UTF-8
            raise BodyError("is not valid JSON") from exc
        if not isinstance(data, dict):
            raise BodyError("must be a JSON object")
        return data


api = NinjaAPI(
    parser=JsonObjectParser(),
    title="All Aboard API",
    version="1",
    description="People, programmes, listening and action for customer-service change. "
    "Authenticate with `Authorization: Bearer <token>` (create a token on your profile page) or a browser session.",
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request, status: int, detail: str, errors: list | None = None):
    body = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", [])]
        # Drop the leading "body"/"query"/"path" and the schema parameter name ninja adds.
        field = ".".join(loc[2:] if len(loc) > 2 and loc[0] == "body" else loc[1:]) or (loc[0] if loc else "")
        errors.append({"field": field or "body", "reason": err.get("msg", "invalid")})
    return _error(request, 400, "Invalid input.", errors)


@api.exception_handler(InputError)
def _input_error(request, exc: InputError):
    return _error(request, 400, "Invalid input.", [exc.as_dict()])


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "Authentication required: send a valid API token.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, str(exc) or "You do not have permission for this.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, BodyError):  # ninja wraps the parser's error
        return _error(request, 400, "Invalid input.", [{"field": "body", "reason": str(exc.__cause__)}])
    return _error(request, exc.status_code, str(exc))


for _app in ["allaboard.core", *settings.CAPABILITY_APPS]:
    if importlib.util.find_spec(f"{_app}.api") is not None:
        _module = importlib.import_module(f"{_app}.api")
        api.add_router("", _module.router)
