from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Role

from .factories import ProgrammeFactory

EDITORS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})


def _programme(org):
    return {"pk": ProgrammeFactory().pk}


ROUTES = [
    Route("programmes:list", ALL_ROLES),
    Route("programmes:new", EDITORS),
    Route("programmes:new", EDITORS, method="post", data=lambda org: {"name": ""}),
    Route("programmes:mine", ALL_ROLES),
    Route("programmes:detail", LEADERS, kwargs=_programme),
    Route("programmes:edit", EDITORS, kwargs=_programme),
    Route("GET /programmes", ALL_ROLES),
    Route("POST /programmes", EDITORS, data=lambda org: {"name": "A new programme"}),
    Route(
        "GET /programmes/{programme_id}", LEADERS, kwargs=lambda org: {"programme_id": ProgrammeFactory().pk}
    ),
    Route(
        "PATCH /programmes/{programme_id}",
        EDITORS,
        kwargs=lambda org: {"programme_id": ProgrammeFactory().pk},
        data=lambda org: {"summary": "changed"},
    ),
    Route("GET /me/changes", ALL_ROLES),
]
