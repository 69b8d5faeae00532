"""Every voice page and API operation, with the roles allowed to use it (see core/tests/routes.py).

In the test organisation the team leader leads LDS-T1 and the employee works in it. The admin login has no
person: it may open every page, and its attempts to post as a person get a clear 400, not a refusal."""

from datetime import date, timedelta

from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Role
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import (
    ConsultationFactory,
    ExperimentFactory,
    IdeaFactory,
    KudosFactory,
    ServiceValueFactory,
    WinFactory,
)

MANAGERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
RUNNERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD, Role.TEAM_LEADER})
IN_LDS_T1 = frozenset({Role.EMPLOYEE, Role.TEAM_LEADER})
ADMINS = frozenset({Role.ADMIN})
TODAY = date.today()


def _colleague(org, team="LDS-T1"):
    unit = org.teams[team]
    return unit.members.exclude(pk=unit.leader_id).exclude(pk=org.users[Role.EMPLOYEE].person_id).first()


def _idea(org, **fields):
    return IdeaFactory(author=_colleague(org), **fields)


def _consultation(org):
    return ConsultationFactory(teams=[org.teams["LDS-T1"]])


def _experiment(org):
    return ExperimentFactory(teams=[org.teams["LDS-T1"]])


def _idea_id(org, **fields):
    return {"idea_id": _idea(org, **fields).pk}


def _kudos_payload(org):
    return {
        "person_id": _colleague(org).pk,
        "value_id": ServiceValueFactory(name="Own it").pk,
        "message": "Thanks!",
    }


ROUTES = [
    # ideas: pages
    Route("voice:ideas", ALL_ROLES),
    Route("voice:idea_new", ALL_ROLES),
    Route(
        "voice:idea_new",
        ALL_ROLES,
        method="post",
        data=lambda org: {"programme": ProgrammeFactory().pk, "title": "", "text": ""},
    ),
    Route("voice:similar", ALL_ROLES, data=lambda org: {"title": "wrap-up codes one click"}),
    Route("voice:mine", ALL_ROLES),
    Route("voice:mine", ALL_ROLES, method="post", data=lambda org: {"key": "idea-not-a-key"}),
    Route("voice:ideas_export", MANAGERS),
    Route("voice:settings", MANAGERS, data=lambda org: {"programme": ProgrammeFactory().pk}),
    Route("voice:idea", ALL_ROLES, kwargs=lambda org: {"pk": _idea(org).pk}),
    Route("voice:idea_vote", ALL_ROLES, kwargs=lambda org: {"pk": _idea(org).pk}, method="post"),
    Route(
        "voice:idea_comment",
        ALL_ROLES,
        kwargs=lambda org: {"pk": _idea(org).pk},
        method="post",
        data=lambda org: {"text": "Good one"},
    ),
    Route(
        "voice:idea_status",
        MANAGERS,
        kwargs=lambda org: {"pk": _idea(org).pk},
        method="post",
        data=lambda org: {"status": "under_review", "reason": "Costing it."},
    ),
    Route(
        "voice:idea_merge",
        MANAGERS,
        kwargs=lambda org: {"pk": _idea(org).pk},
        method="post",
        data=lambda org: {"target": "", "reason": ""},
    ),
    Route(
        "voice:idea_outcome",
        MANAGERS,
        kwargs=lambda org: {"pk": _idea(org).pk},
        method="post",
        data=lambda org: {"kind": "action", "due": ""},
    ),
    # ideas: API
    Route("GET /voice/ideas", ALL_ROLES),
    Route(
        "POST /voice/ideas",
        ALL_ROLES,
        data=lambda org: {
            "programme_id": ProgrammeFactory().pk,
            "title": "Quieter room",
            "text": "For hard calls.",
        },
    ),
    Route("GET /voice/ideas/similar", ALL_ROLES, data=lambda org: {"text": "wrap-up codes"}),
    Route("GET /voice/ideas/promise", ALL_ROLES),
    Route("POST /voice/ideas/mine", ALL_ROLES, data=lambda org: {"key": "idea-unknown"}),
    Route("GET /voice/ideas/{idea_id}", ALL_ROLES, kwargs=_idea_id),
    Route("POST /voice/ideas/{idea_id}/vote", ALL_ROLES, kwargs=_idea_id),
    Route(
        "POST /voice/ideas/{idea_id}/comments",
        ALL_ROLES,
        kwargs=_idea_id,
        data=lambda org: {"text": "Agreed"},
    ),
    Route(
        "POST /voice/ideas/{idea_id}/status",
        MANAGERS,
        kwargs=_idea_id,
        data=lambda org: {"status": "declined", "reason": "The desk already does it."},
    ),
    Route(
        "POST /voice/ideas/{idea_id}/merge",
        MANAGERS,
        kwargs=lambda org: {"idea_id": _idea(org).pk},
        data=lambda org: {"into_id": 0},
    ),
    # consultation
    Route("voice:consultations", ALL_ROLES),
    Route("voice:consultation_new", MANAGERS),
    Route("voice:consultation_new", MANAGERS, method="post", data=lambda org: {"title": ""}),
    Route("voice:consultation", ALL_ROLES, kwargs=lambda org: {"pk": _consultation(org).pk}),
    Route(
        "voice:consultation_feedback",
        IN_LDS_T1,
        kwargs=lambda org: {"pk": _consultation(org).pk},
        method="post",
        data=lambda org: {"rating": "4", "comment": "Fair"},
    ),
    Route(
        "voice:consultation_publish",
        MANAGERS,
        kwargs=lambda org: {"pk": _consultation(org).pk},
        method="post",
        data=lambda org: {"response": "We kept the late shift."},
    ),
    Route("GET /voice/consultations", ALL_ROLES),
    Route(
        "POST /voice/consultations",
        MANAGERS,
        data=lambda org: {
            "programme_id": ProgrammeFactory().pk,
            "title": "New script",
            "kind": "script",
            "proposal": "Greeting in ten words.",
            "opens": TODAY.isoformat(),
            "closes": (TODAY + timedelta(days=10)).isoformat(),
            "team_ids": [org.teams["LDS-T1"].pk],
        },
    ),
    Route(
        "POST /voice/consultations/{consultation_id}/feedback",
        IN_LDS_T1,
        kwargs=lambda org: {"consultation_id": _consultation(org).pk},
        data=lambda org: {"rating": 3, "comment": "Too long"},
    ),
    Route(
        "POST /voice/consultations/{consultation_id}/response",
        MANAGERS,
        kwargs=lambda org: {"consultation_id": _consultation(org).pk},
        data=lambda org: {"response": "Shorter greeting."},
    ),
    # experiments
    Route("voice:experiments", ALL_ROLES, data=lambda org: {"q": "callback"}),
    Route("voice:experiment_new", RUNNERS),
    Route("voice:experiment_new", RUNNERS, method="post", data=lambda org: {"title": ""}),
    Route("voice:experiment", ALL_ROLES, kwargs=lambda org: {"pk": _experiment(org).pk}),
    Route("voice:experiment_edit", RUNNERS, kwargs=lambda org: {"pk": _experiment(org).pk}),
    Route("GET /voice/experiments", ALL_ROLES),
    Route(
        "POST /voice/experiments",
        RUNNERS,
        data=lambda org: {
            "programme_id": ProgrammeFactory().pk,
            "title": "Callback slots",
            "hypothesis": "Fewer repeats.",
            "measure": "FCR",
            "team_ids": [org.teams["LDS-T1"].pk],
            "starts": TODAY.isoformat(),
            "ends": (TODAY + timedelta(days=28)).isoformat(),
        },
    ),
    Route(
        "POST /voice/experiments/{experiment_id}/result",
        RUNNERS,
        kwargs=lambda org: {"experiment_id": _experiment(org).pk},
        data=lambda org: {"result_n": 100, "result_value": 70},
    ),
    # recognition
    Route("voice:kudos", ALL_ROLES),
    Route(
        "voice:kudos",
        ALL_ROLES,
        method="post",
        data=lambda org: {
            "person": _colleague(org).pk,
            "value": ServiceValueFactory().pk,
            "message": "Thanks",
        },
    ),
    Route("voice:coverage", LEADERS),
    Route("GET /voice/values", ALL_ROLES),
    Route("GET /voice/kudos", ALL_ROLES, data=lambda org: {"team_id": KudosFactory().unit_id}),
    Route("POST /voice/kudos", ALL_ROLES, data=_kudos_payload),
    Route("GET /voice/coverage", LEADERS),
    # wins
    Route("voice:wins", ALL_ROLES),
    Route("voice:win", ALL_ROLES, kwargs=lambda org: {"pk": WinFactory(published_on=TODAY).pk}),
    Route("voice:win_new", MANAGERS),
    Route("voice:win_new", MANAGERS, method="post", data=lambda org: {"title": ""}),
    Route("voice:win_publish", MANAGERS, kwargs=lambda org: {"pk": WinFactory().pk}, method="post"),
    Route("GET /voice/wins", ALL_ROLES),
    # champions
    Route("voice:champions", LEADERS),
    Route(
        "voice:champions",
        MANAGERS,
        method="post",
        data=lambda org: {"programme": ProgrammeFactory().pk, "person": _colleague(org).pk},
    ),
    Route("GET /voice/champions", LEADERS, data=lambda org: {"programme_id": ProgrammeFactory().pk}),
    Route(
        "POST /voice/champions",
        MANAGERS,
        data=lambda org: {"programme_id": ProgrammeFactory().pk, "person_id": _colleague(org).pk},
    ),
    # moderation
    Route(
        "voice:report",
        ALL_ROLES,
        method="post",
        data=lambda org: {"target": "idea", "target_id": _idea(org).pk, "reason": "Names someone"},
    ),
    Route("voice:moderation", ADMINS),
    Route(
        "voice:moderation",
        ADMINS,
        method="post",
        data=lambda org: {"target": "idea", "target_id": _idea(org).pk, "reason": "Names a colleague"},
    ),
    Route(
        "POST /voice/reports",
        ALL_ROLES,
        data=lambda org: {"target": "kudos", "target_id": KudosFactory().pk, "reason": "Rude"},
    ),
    Route(
        "POST /voice/hide",
        ADMINS,
        data=lambda org: {"target": "kudos", "target_id": KudosFactory().pk, "reason": "Rude"},
    ),
]
