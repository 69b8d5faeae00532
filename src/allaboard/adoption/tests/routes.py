from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Role

from .factories import rollout

MANAGERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
# Figures about one person: the person (the employee login is an agent in LDS-T1), the leader of LDS-T1,
# and change leads. Admins and sponsors lead nobody in the test organisation.
PERSON_READERS = frozenset({Role.EMPLOYEE, Role.TEAM_LEADER, Role.CHANGE_LEAD})
# The team page of LDS-T1: organisation-wide roles and its leader.
TEAM_READERS = LEADERS


def _tool(org):
    return {"pk": rollout(org).pk}


def _team(org):
    return {"pk": rollout(org).pk, "unit_pk": org.teams["LDS-T1"].pk}


def _person(org):
    return {"pk": rollout(org).pk, "person_pk": org.users[Role.EMPLOYEE].person.pk}


def _defect(org):
    from allaboard.adoption.models import Defect

    return {"pk": Defect.objects.create(tool=rollout(org), title="Freezes", description="On transfer").pk}


def _upload(org):
    from allaboard.adoption.models import Upload

    upload = Upload.objects.create(
        token="route-token",
        by=org.users[Role.ADMIN],
        tool=rollout(org),
        filename="u.csv",
        data=b"person,at\n",
    )
    return {"token": upload.token}


ROUTES = [
    Route("adoption:overview", LEADERS),
    Route("adoption:tool", LEADERS, kwargs=_tool),
    Route("adoption:team", TEAM_READERS, kwargs=_team),
    Route(
        "adoption:decide",
        MANAGERS,
        kwargs=_team,
        method="post",
        data=lambda org: {"kind": "training", "reason": "r"},
    ),
    Route("adoption:person", PERSON_READERS, kwargs=_person),
    Route("adoption:mine", ALL_ROLES),
    Route("adoption:defects", ALL_ROLES),
    Route(
        "adoption:defects",
        ALL_ROLES,
        method="post",
        data=lambda org: {"tool": rollout(org).pk, "title": "t", "description": "d"},
    ),
    Route("adoption:defect", MANAGERS, kwargs=_defect),
    Route("adoption:defect", MANAGERS, kwargs=_defect, method="post", data=lambda org: {"status": "triaged"}),
    Route("adoption:receipt", ALL_ROLES),
    Route("adoption:import", MANAGERS),
    Route("adoption:import", MANAGERS, method="post", data=lambda org: {}),
    Route("adoption:import_map", MANAGERS, kwargs=_upload),
    Route(
        "POST /usage-events",
        MANAGERS,
        data=lambda org: {
            "events": [
                {
                    "external_id": "route-1",
                    "person": org.users[Role.EMPLOYEE].person.employee_id,
                    "tool": rollout(org).code,
                    "behaviour": "kb_answer",
                    "at": "2026-01-06T10:00:00Z",
                }
            ]
        },
    ),
    Route("GET /adoption/tools", LEADERS),
    Route("GET /adoption/tools/{tool_id}/teams", LEADERS, kwargs=lambda org: {"tool_id": rollout(org).pk}),
    Route(
        "GET /adoption/tools/{tool_id}/teams/{unit_id}/curve",
        TEAM_READERS,
        kwargs=lambda org: {"tool_id": rollout(org).pk, "unit_id": org.teams["LDS-T1"].pk},
    ),
    Route(
        "GET /adoption/tools/{tool_id}/people/{person_id}",
        PERSON_READERS,
        kwargs=lambda org: {"tool_id": rollout(org).pk, "person_id": org.users[Role.EMPLOYEE].person.pk},
    ),
    Route(
        "POST /adoption/defects",
        ALL_ROLES,
        data=lambda org: {"tool": rollout(org).code, "title": "Freezes", "description": "On transfer"},
    ),
]
