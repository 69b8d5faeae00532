"""Declarations for the route x role permission test.

Each app lists its routes in `<app>/tests/routes.py` as ROUTES = [Route(...), ...]. The test in
test_route_permissions.py finds every page and API route in the project and fails for any route no app
declares, so a new route cannot ship without a permission test.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from allaboard.org.models import Role

ALL_ROLES = frozenset(Role.values)
LEADERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER})
ORG_WIDE = frozenset({Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR})


@dataclass
class Route:
    """`name` is a URL name ("org:unit") for pages, or "METHOD /path/{param}" (as in the OpenAPI document,
    without the /api/v1 prefix) for API operations."""

    name: str
    allowed: frozenset[str]
    kwargs: Callable = field(default=lambda org: {})
    method: str = "get"
    data: Callable | None = None
    public: bool = False  # pages anyone may open, such as a one-time survey link

    @property
    def is_api(self) -> bool:
        return " " in self.name
