from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Person, Role

from .factories import (
    AgreedActionFactory,
    CoachingConversationFactory,
    CommitmentFactory,
    CourseFactory,
    DecisionRightFactory,
    EnrolmentFactory,
    ExceptionRequestFactory,
    LmsUploadFactory,
    SessionFactory,
)

MANAGERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
TEAM_LEADER = frozenset({Role.TEAM_LEADER})
EMPLOYEE = frozenset({Role.EMPLOYEE})
ADMIN = frozenset({Role.ADMIN})
COMMITTERS = frozenset({Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER})  # leaders linked to a person


def _agent(org) -> Person:
    """The employee login's person, in LDS-T1, which the team leader login leads."""
    return org.users[Role.EMPLOYEE].person


def _conversation(org):
    return CoachingConversationFactory(person=_agent(org), coach=org.teams["LDS-T1"].leader)


def _agent_action(org):
    return AgreedActionFactory(conversation=_conversation(org))


def _agent_right(org):
    return DecisionRightFactory(job_role=_agent(org).job_role)


def _session(org):
    return SessionFactory(course=CourseFactory())


ROUTES = [
    Route("capability:dashboard", LEADERS),
    Route("capability:dashboard", LEADERS, data=lambda org: {"by": "site"}),
    Route("capability:courses", ALL_ROLES),
    Route("capability:course_new", MANAGERS),
    Route("capability:course_new", MANAGERS, method="post", data=lambda org: {"name": ""}),
    Route("capability:course", ALL_ROLES, kwargs=lambda org: {"pk": CourseFactory().pk}),
    Route("capability:course_edit", MANAGERS, kwargs=lambda org: {"pk": CourseFactory().pk}),
    Route("capability:session_new", MANAGERS, kwargs=lambda org: {"course_pk": CourseFactory().pk}),
    Route("capability:session", MANAGERS, kwargs=lambda org: {"pk": _session(org).pk}),
    Route(
        "capability:session_enrol",
        MANAGERS,
        method="post",
        kwargs=lambda org: {"pk": _session(org).pk},
        data=lambda org: {"person": _agent(org).employee_id},
    ),
    Route(
        "capability:enrolment_outcome",
        MANAGERS,
        method="post",
        kwargs=lambda org: {"pk": EnrolmentFactory(person=_agent(org)).pk},
        data=lambda org: {"status": "completed"},
    ),
    Route("capability:mine", ALL_ROLES),
    Route("capability:import", MANAGERS),
    Route("capability:import_map", MANAGERS, kwargs=lambda org: {"pk": LmsUploadFactory().pk}),
    Route("capability:coaching", TEAM_LEADER),
    Route("capability:conversation_new", TEAM_LEADER),
    Route("capability:coverage", LEADERS),
    Route("capability:conversation", TEAM_LEADER, kwargs=lambda org: {"pk": _conversation(org).pk}),
    Route(
        "capability:follow_up", TEAM_LEADER, method="post", kwargs=lambda org: {"pk": _conversation(org).pk}
    ),
    Route(
        "capability:action_done",
        TEAM_LEADER | EMPLOYEE,
        method="post",
        kwargs=lambda org: {"pk": _agent_action(org).pk},
    ),
    Route("capability:decisions", ALL_ROLES),
    Route("capability:decision_report", LEADERS),
    Route(
        "capability:exception_decide",
        TEAM_LEADER,
        method="post",
        kwargs=lambda org: {"pk": ExceptionRequestFactory(person=_agent(org), right=_agent_right(org)).pk},
        data=lambda org: {"decision": "approve", "reason": "Fair."},
    ),
    Route("capability:commitments", LEADERS),
    Route(
        "capability:commitment_action",
        frozenset({Role.SPONSOR}),
        method="post",
        kwargs=lambda org: {"pk": CommitmentFactory(leader=org.users[Role.SPONSOR].person).pk},
    ),
    # API
    Route("GET /capability/courses", ALL_ROLES),
    Route(
        "POST /capability/courses", MANAGERS, data=lambda org: {"name": "Leading change", "duration_hours": 7}
    ),
    Route(
        "GET /capability/courses/{course_id}", ALL_ROLES, kwargs=lambda org: {"course_id": CourseFactory().pk}
    ),
    Route(
        "PATCH /capability/courses/{course_id}",
        MANAGERS,
        kwargs=lambda org: {"course_id": CourseFactory().pk},
        data=lambda org: {"formal_change_management": True},
    ),
    Route(
        "POST /capability/sessions",
        MANAGERS,
        data=lambda org: {
            "course_id": CourseFactory().pk,
            "starts_on": "2030-01-10",
            "trainer": "Jo",
            "capacity": 10,
        },
    ),
    Route(
        "GET /capability/sessions/{session_id}", MANAGERS, kwargs=lambda org: {"session_id": _session(org).pk}
    ),
    Route(
        "POST /capability/sessions/{session_id}/enrolments",
        MANAGERS,
        kwargs=lambda org: {"session_id": _session(org).pk},
        data=lambda org: {"person_id": _agent(org).pk},
    ),
    Route(
        "PATCH /capability/enrolments/{enrolment_id}",
        MANAGERS,
        kwargs=lambda org: {"enrolment_id": EnrolmentFactory(person=_agent(org)).pk},
        data=lambda org: {"status": "completed", "completed_on": "2025-01-10"},
    ),
    Route("GET /capability/enrolments", ALL_ROLES),
    Route("GET /capability/metrics/percent-trained", LEADERS),
    Route("GET /capability/metrics/training-days", LEADERS),
    Route("GET /capability/metrics/agility", LEADERS),
    Route("GET /capability/metrics/knowledge-ability-by-training", LEADERS),
    Route("POST /capability/imports/lms", MANAGERS),
    Route("POST /xapi/statements", ADMIN),
    Route("GET /capability/coaching/conversations", TEAM_LEADER),
    Route(
        "POST /capability/coaching/conversations",
        TEAM_LEADER,
        data=lambda org: {"person_id": _agent(org).pk, "focus": "Empathy statements"},
    ),
    Route(
        "GET /capability/coaching/conversations/{conversation_id}",
        TEAM_LEADER,
        kwargs=lambda org: {"conversation_id": _conversation(org).pk},
    ),
    Route("GET /capability/coaching/due", TEAM_LEADER),
    Route("GET /capability/coaching/coverage", LEADERS),
    Route("GET /capability/my/actions", ALL_ROLES),
    Route(
        "POST /capability/my/actions/{action_id}/done",
        EMPLOYEE,
        kwargs=lambda org: {"action_id": _agent_action(org).pk},
    ),
    Route("GET /capability/decision-rights", ALL_ROLES),
    Route(
        "POST /capability/decision-rights",
        MANAGERS,
        data=lambda org: {
            "job_role_id": _agent(org).job_role_id,
            "name": "Waive a fee",
            "guideline": "Up to 20.",
        },
    ),
    Route(
        "POST /capability/decision-uses",
        EMPLOYEE,
        data=lambda org: {"right_id": _agent_right(org).pk, "amount": 20},
    ),
    Route("GET /capability/exceptions", ALL_ROLES),
    Route(
        "POST /capability/exceptions",
        EMPLOYEE,
        data=lambda org: {"right_id": _agent_right(org).pk, "amount": 80, "reason": "Three missed visits."},
    ),
    Route(
        "POST /capability/exceptions/{exception_id}/decision",
        TEAM_LEADER,
        kwargs=lambda org: {
            "exception_id": ExceptionRequestFactory(person=_agent(org), right=_agent_right(org)).pk
        },
        data=lambda org: {"approve": False, "reason": "Within policy already."},
    ),
    Route("GET /capability/decision-report", LEADERS),
    Route("GET /capability/commitments", LEADERS),
    Route(
        "POST /capability/commitments",
        COMMITTERS,
        data=lambda org: {"behaviour": "Floor walk", "cadence": "weekly"},
    ),
    Route(
        "POST /capability/commitments/{commitment_id}/actions",
        frozenset({Role.SPONSOR}),
        kwargs=lambda org: {"commitment_id": CommitmentFactory(leader=org.users[Role.SPONSOR].person).pk},
    ),
]
