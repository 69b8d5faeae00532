from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Role

ADMIN = frozenset({Role.ADMIN})


def _other_team(org):
    """A team outside the team leader's scope."""
    return org.teams["GLA-T1"]


ROUTES = [
    Route("home", ALL_ROLES),
    Route("profile", ALL_ROLES),
    Route("org:units", LEADERS),
    Route("org:unit", LEADERS - {Role.TEAM_LEADER}, kwargs=lambda org: {"pk": _other_team(org).pk}),
    Route("org:people", ALL_ROLES),
    Route(
        "org:person",
        LEADERS - {Role.TEAM_LEADER},
        kwargs=lambda org: {"pk": _other_team(org).members.first().pk},
    ),
    Route("org:import", ADMIN),
    Route("org:audit", ADMIN),
    Route("GET /me", ALL_ROLES),
    Route("GET /units", ALL_ROLES),
    Route(
        "GET /units/{unit_id}",
        LEADERS - {Role.TEAM_LEADER},
        kwargs=lambda org: {"unit_id": _other_team(org).pk},
    ),
    Route("GET /people", ALL_ROLES),
    Route(
        "GET /people/{person_id}",
        LEADERS - {Role.TEAM_LEADER},
        kwargs=lambda org: {"person_id": _other_team(org).members.first().pk},
    ),
    Route("POST /imports/{kind}", ADMIN, kwargs=lambda org: {"kind": "people"}),
    Route("GET /audit", ADMIN),
]
