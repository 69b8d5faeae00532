"""Every page and API route, tried as every role and anonymously (NetBox-style exhaustive permission test)."""

import importlib
import importlib.util
import json

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from allaboard.api import api
from allaboard.core.tests.routes import Route
from allaboard.org.models import Role

ROLES = list(Role.values)
NOT_DECLARED = {"login", "logout", "healthz", "api"}  # public by design, or the API itself


def declared_routes() -> list[Route]:
    routes: list[Route] = []
    for app in ["allaboard.core", *settings.CAPABILITY_APPS]:
        if importlib.util.find_spec(f"{app}.tests.routes") is not None:
            routes.extend(getattr(importlib.import_module(f"{app}.tests.routes"), "ROUTES", []))
    return routes


def page_names(resolver=None, namespace="") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace != "api":
                names |= page_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def api_operations() -> set[str]:
    schema = api.get_openapi_schema(path_prefix="")
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


ROUTES = declared_routes()


def test_every_page_route_is_declared():
    declared = {r.name for r in ROUTES if not r.is_api}
    missing = sorted(page_names() - declared - NOT_DECLARED)
    assert not missing, f"pages without a permission declaration: {missing}"


def test_every_api_operation_is_declared():
    declared = {r.name for r in ROUTES if r.is_api}
    missing = sorted(api_operations() - declared)
    assert not missing, f"API operations without a permission declaration: {missing}"


def _request(client, route: Route, org):
    kwargs = route.kwargs(org)
    data = route.data(org) if route.data else None
    if route.is_api:
        method, template = route.name.split(" ", 1)
        path = "/api/v1" + template.format(**kwargs)
        call = getattr(client, method.lower())
        if method == "GET":
            return call(path, data or {})
        return call(path, json.dumps(data or {}), content_type="application/json")
    url = reverse(route.name, kwargs=kwargs)
    return getattr(client, route.method)(url, data or {})


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_anonymous_visitors_are_turned_away(route, client, org):
    if route.public:
        pytest.skip("public by design")
    response = _request(client, route, org)
    if route.is_api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_role_gets_exactly_what_it_is_allowed(route, role, client_for, org):
    response = _request(client_for(role), route, org)
    if role in route.allowed or route.public:
        assert response.status_code not in (401, 403, 404), f"{role} refused: {response.status_code}"
        assert response.status_code < 500
    else:
        assert response.status_code in (403, 404), f"{role} let in: {response.status_code}"
