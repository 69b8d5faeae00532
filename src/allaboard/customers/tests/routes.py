from allaboard.core.tests.routes import ALL_ROLES, LEADERS, ORG_WIDE, Route
from allaboard.org.models import Role

from .factories import UploadFactory

IMPORTERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
# Figures about one agent: the agent (the employee login is an agent in LDS-T1), the leader of LDS-T1, and
# change leads. Admins and sponsors lead nobody in the test organisation.
AGENT_READERS = frozenset({Role.EMPLOYEE, Role.TEAM_LEADER, Role.CHANGE_LEAD})
TEAM_AGENT_READERS = frozenset({Role.TEAM_LEADER, Role.CHANGE_LEAD})


def _agent(org):
    return org.users[Role.EMPLOYEE].person


def _programme(org):
    from allaboard.programmes.tests.factories import ProgrammeFactory

    return ProgrammeFactory()


def _upload(org):
    return {"token": UploadFactory(by=org.users[Role.ADMIN]).token}


ROUTES = [
    Route("customers:overview", LEADERS),
    Route("customers:themes", LEADERS),
    Route("customers:impact", LEADERS),
    Route("customers:linkage", ORG_WIDE),
    Route("customers:mine", ALL_ROLES),
    Route("customers:agent", AGENT_READERS, kwargs=lambda org: {"pk": _agent(org).pk}),
    Route("customers:unit_agents", TEAM_AGENT_READERS, kwargs=lambda org: {"pk": org.teams["LDS-T1"].pk}),
    Route("customers:import", IMPORTERS),
    Route("customers:import", IMPORTERS, method="post", data=lambda org: {}),
    Route("customers:import_preview", IMPORTERS, kwargs=_upload),
    Route(
        "customers:import_preview",
        IMPORTERS,
        kwargs=_upload,
        method="post",
        data=lambda org: {"map_date": "date"},
    ),
    Route(
        "POST /customer-feedback",
        IMPORTERS,
        data=lambda org: {
            "records": [{"external_id": "route-1", "date": "2025-01-06", "team": "LDS-T1", "csat": 5}]
        },
    ),
    Route("GET /customer-feedback/summary", LEADERS),
    Route("GET /customer-feedback/breakdown", LEADERS),
    Route("GET /customer-feedback/trend", LEADERS),
    Route("GET /customer-feedback/themes", LEADERS),
    Route("GET /customer-feedback/compliments", ALL_ROLES),
    Route(
        "GET /customer-feedback/impact",
        LEADERS,
        kwargs=lambda org: {},
        data=lambda org: {"programme_id": _programme(org).pk},
    ),
    Route("GET /customer-feedback/linkage", ORG_WIDE, data=lambda org: {"programme_id": _programme(org).pk}),
    Route(
        "GET /customer-feedback/agents/{person_id}",
        AGENT_READERS,
        kwargs=lambda org: {"person_id": _agent(org).pk},
    ),
]
