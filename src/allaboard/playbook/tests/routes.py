"""Every playbook page and API operation, with the roles allowed to use it (see core/tests/routes.py).

In the test organisation the team leader leads LDS-T1 and the employee works in it; GLA-T1 is outside the
team leader's scope."""

from datetime import date, timedelta

from allaboard.core.tests.routes import ALL_ROLES, LEADERS, ORG_WIDE, Route
from allaboard.org.models import Role
from allaboard.playbook.models import Play, Rule
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ActionFactory, RecommendationFactory, RuleFactory, YouSaidWeDidFactory

EDITORS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
PLANNERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD, Role.TEAM_LEADER})
IN_LDS_T1 = frozenset({Role.EMPLOYEE, Role.TEAM_LEADER})
DUE = (date.today() + timedelta(days=10)).isoformat()


def _colleague(org, team="LDS-T1"):
    """Someone in the team who is neither its leader nor the employee login."""
    unit = org.teams[team]
    return unit.members.exclude(pk=unit.leader_id).exclude(pk=org.users[Role.EMPLOYEE].person_id).first()


def _play(org):
    return Play.objects.get(slug="educate-train")


def _recommendation(org, team="LDS-T1"):
    return RecommendationFactory(unit=org.teams[team])


def _action(org, team="LDS-T1", **fields):
    return ActionFactory(owner=_colleague(org, team), teams=[org.teams[team]], **fields)


def _helped_action(org):
    return _action(
        org, status="in_progress", started_on=date.today() - timedelta(days=31), helped_opened_on=date.today()
    )


def _update(org, team="LDS-T1", published=True):
    return YouSaidWeDidFactory(units=[org.teams[team]], published_on=date.today() if published else None)


def _action_payload(org):
    return {
        "programme_id": ProgrammeFactory().pk,
        "title": "Buddy each new starter",
        "owner_id": _colleague(org).pk,
        "team_ids": [org.teams["LDS-T1"].pk],
        "due": DUE,
    }


ROUTES = [
    # the library
    Route("playbook:plays", LEADERS),
    Route("playbook:play", LEADERS, kwargs=lambda org: {"pk": _play(org).pk}),
    Route("playbook:play_new", EDITORS),
    Route("playbook:play_new", EDITORS, method="post", data=lambda org: {"title": ""}),
    Route("playbook:play_edit", EDITORS, kwargs=lambda org: {"pk": _play(org).pk}),
    Route("playbook:rule_new", EDITORS),
    Route("playbook:rule_edit", EDITORS, kwargs=lambda org: {"pk": Rule.objects.first().pk}),
    Route("GET /playbook/plays", LEADERS),
    Route("GET /playbook/plays/{play_id}", LEADERS, kwargs=lambda org: {"play_id": _play(org).pk}),
    Route(
        "POST /playbook/plays",
        EDITORS,
        data=lambda org: {
            "slug": "stand-up-huddles",
            "title": "Daily stand-up huddles",
            "purpose": "Ten minutes a day on what got in the way.",
            "when_it_helps": "Ability is low after go-live.",
            "actions": ["Hold a huddle at 9:00."],
            "how_to_tell": "Ability rises.",
        },
    ),
    Route(
        "PATCH /playbook/plays/{play_id}",
        EDITORS,
        kwargs=lambda org: {"play_id": _play(org).pk},
        data=lambda org: {"title": "Educate and train (our way)"},
    ),
    Route("GET /playbook/rules", LEADERS),
    Route(
        "POST /playbook/rules",
        EDITORS,
        data=lambda org: {
            "key": "knowledge-barrier-high",
            "play_id": _play(org).pk,
            "kind": "barrier_share",
            "metric": "knowledge",
            "threshold": 0.5,
        },
    ),
    Route(
        "PATCH /playbook/rules/{rule_id}",
        EDITORS,
        kwargs=lambda org: {"rule_id": RuleFactory().pk},
        data=lambda org: {"threshold": 0.3},
    ),
    # recommendations
    Route("playbook:recommendations", LEADERS),
    Route(
        "playbook:recommendations_refresh",
        EDITORS,
        method="post",
        data=lambda org: {"programme": ProgrammeFactory().pk},
    ),
    Route("playbook:recommendation", LEADERS, kwargs=lambda org: {"pk": _recommendation(org).pk}),
    Route(
        "playbook:recommendation",
        ORG_WIDE,
        kwargs=lambda org: {"pk": _recommendation(org, "GLA-T1").pk},
    ),
    Route(
        "playbook:recommendation_dismiss",
        EDITORS,
        method="post",
        kwargs=lambda org: {"pk": _recommendation(org).pk},
        data=lambda org: {"reason": "Training is already booked."},
    ),
    Route(
        "playbook:recommendation_reopen",
        EDITORS,
        method="post",
        kwargs=lambda org: {"pk": _recommendation(org).pk},
    ),
    Route("GET /playbook/recommendations", LEADERS),
    Route(
        "GET /playbook/recommendations/{recommendation_id}",
        LEADERS,
        kwargs=lambda org: {"recommendation_id": _recommendation(org).pk},
    ),
    Route(
        "POST /playbook/recommendations/refresh",
        EDITORS,
        data=lambda org: {"programme_id": ProgrammeFactory().pk},
    ),
    Route(
        "POST /playbook/recommendations/{recommendation_id}/dismiss",
        EDITORS,
        kwargs=lambda org: {"recommendation_id": _recommendation(org).pk},
        data=lambda org: {"reason": "Training is already booked."},
    ),
    # actions
    Route("playbook:actions", ALL_ROLES),
    Route("playbook:action_new", PLANNERS, data=lambda org: {"programme": ProgrammeFactory().pk}),
    Route(
        "playbook:action_new",
        PLANNERS,
        method="post",
        data=lambda org: {"programme": ProgrammeFactory().pk, "title": ""},
    ),
    Route("playbook:action", LEADERS, kwargs=lambda org: {"pk": _action(org).pk}),
    Route("playbook:action", ORG_WIDE, kwargs=lambda org: {"pk": _action(org, "GLA-T1").pk}),
    Route(
        "playbook:action",
        ALL_ROLES,
        kwargs=lambda org: {"pk": ActionFactory(owner=org.users[Role.EMPLOYEE].person).pk},
    ),
    Route("playbook:action_edit", PLANNERS, kwargs=lambda org: {"pk": _action(org).pk}),
    Route(
        "playbook:action_status",
        PLANNERS | {Role.EMPLOYEE},
        method="post",
        kwargs=lambda org: {
            "pk": ActionFactory(owner=org.users[Role.EMPLOYEE].person, teams=[org.teams["LDS-T1"]]).pk
        },
        data=lambda org: {"status": "in_progress"},
    ),
    Route(
        "playbook:helped",
        IN_LDS_T1,
        method="post",
        kwargs=lambda org: {"pk": _helped_action(org).pk},
        data=lambda org: {"answer": "yes"},
    ),
    Route("GET /playbook/actions", ALL_ROLES),
    Route("GET /playbook/actions/{action_id}", LEADERS, kwargs=lambda org: {"action_id": _action(org).pk}),
    Route("POST /playbook/actions", PLANNERS, data=_action_payload),
    Route(
        "PATCH /playbook/actions/{action_id}",
        PLANNERS,
        kwargs=lambda org: {"action_id": _action(org).pk},
        data=lambda org: {"status": "done"},
    ),
    Route(
        "GET /playbook/actions/{action_id}/effect",
        LEADERS,
        kwargs=lambda org: {"action_id": _action(org).pk},
    ),
    Route(
        "GET /playbook/actions/{action_id}/helped",
        LEADERS,
        kwargs=lambda org: {"action_id": _action(org).pk},
    ),
    Route("GET /playbook/helped", ALL_ROLES),
    Route(
        "POST /playbook/actions/{action_id}/helped",
        IN_LDS_T1,
        kwargs=lambda org: {"action_id": _helped_action(org).pk},
        data=lambda org: {"answer": "partly"},
    ),
    # you said, we did
    Route("playbook:updates", ALL_ROLES),
    Route("playbook:update_new", PLANNERS),
    Route("playbook:update", ALL_ROLES, kwargs=lambda org: {"pk": _update(org).pk}),
    Route("playbook:update", ORG_WIDE, kwargs=lambda org: {"pk": _update(org, "GLA-T1").pk}),
    Route("playbook:update_edit", PLANNERS, kwargs=lambda org: {"pk": _update(org, published=False).pk}),
    Route(
        "playbook:update_publish",
        PLANNERS,
        method="post",
        kwargs=lambda org: {"pk": _update(org, published=False).pk},
    ),
    Route("GET /playbook/updates", ALL_ROLES),
    Route(
        "GET /playbook/updates/{update_id}",
        ALL_ROLES,
        kwargs=lambda org: {"update_id": _update(org).pk},
    ),
    Route(
        "POST /playbook/updates",
        PLANNERS,
        data=lambda org: {
            "programme_id": ProgrammeFactory().pk,
            "title": "Refresher training",
            "you_said": "Training came too early.",
            "we_did": "Refreshers in go-live week.",
            "unit_ids": [org.teams["LDS-T1"].pk],
        },
    ),
    Route(
        "PATCH /playbook/updates/{update_id}",
        PLANNERS,
        kwargs=lambda org: {"update_id": _update(org, published=False).pk},
        data=lambda org: {"title": "Refreshers"},
    ),
    Route(
        "POST /playbook/updates/{update_id}/publish",
        PLANNERS,
        kwargs=lambda org: {"update_id": _update(org, published=False).pk},
    ),
]
