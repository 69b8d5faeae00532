"""Bad input through the playbook API and forms: wrong types, missing fields, unknown groups and objects,
too-long text, malformed JSON. Each answers 400 naming the field (as the payload or form names it) and the
reason, and nothing is written."""

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse

from allaboard.org.models import AuditEntry, Role
from allaboard.playbook import services
from allaboard.playbook.models import Action, Play, Recommendation, RecommendationStatus, Rule
from allaboard.playbook.models import YouSaidWeDid as Update
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ActionFactory, RecommendationFactory

TODAY = date.today()
LONG = "x" * (services.TEXT_MAX + 1)


def _written():
    return (
        list(Play.objects.order_by("pk").values()),
        list(Rule.objects.order_by("pk").values()),
        list(Action.objects.order_by("pk").values()),
        list(Recommendation.objects.order_by("pk").values()),
        list(Update.objects.order_by("pk").values()),
        AuditEntry.objects.count(),
    )


def send(client, method, path, data=None, raw=None):
    body = raw if raw is not None else json.dumps(data)
    return getattr(client, method)(f"/api/v1{path}", body, content_type="application/json")


def assert_refused(response, field, before):
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert all(e["field"] and e["reason"] for e in errors), errors
    assert any(e["field"] == field or e["field"].startswith(f"{field}.") for e in errors), errors
    assert _written() == before


PLAY = {
    "slug": "daily-huddles",
    "title": "Daily huddles",
    "purpose": "Ten minutes a day.",
    "when_it_helps": "Ability is low.",
    "actions": ["Hold a huddle."],
    "how_to_tell": "Ability rises.",
}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({k: v for k, v in PLAY.items() if k != "title"}, "title"),
        (PLAY | {"slug": "no spaces please"}, "slug"),
        (PLAY | {"actions": "Hold a huddle."}, "actions"),
        (PLAY | {"actions": []}, "actions"),
        (PLAY | {"strategy": "astrology"}, "strategy"),
        (PLAY | {"measure_kind": "vibes"}, "measure_kind"),
        (PLAY | {"purpose": LONG}, "purpose"),
        (PLAY | {"how_to_tell": LONG}, "how_to_tell"),
        (PLAY | {"title": "t" * 201}, "title"),
        (PLAY | {"active": "sometimes"}, "active"),
    ],
)
def test_plays(client_for, payload, field):
    before = _written()
    assert_refused(send(client_for(Role.ADMIN), "post", "/playbook/plays", payload), field, before)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"threshold": 0.3}, "kind"),
        ({"kind": "barrier_share", "threshold": "high"}, "threshold"),
        ({"kind": "barrier_share", "threshold": 0.3, "play_id": 987654}, "play_id"),
        ({"kind": "barrier_share", "threshold": 0.3, "min_n": -1}, "min_n"),
        ({"kind": "barrier_share", "threshold": 0.3, "scope": "galaxy"}, "scope"),
        ({"kind": "barrier_share", "threshold": 0.3, "evidence": "{unit.__class__}"}, "evidence"),
        ({"kind": "barrier_share", "threshold": 0.3, "evidence": "e" * 301}, "evidence"),
    ],
)
def test_rules(client_for, payload, field):
    body = {"key": "k1", "play_id": Play.objects.get(slug="educate-train").pk} | payload
    before = _written()
    assert_refused(send(client_for(Role.ADMIN), "post", "/playbook/rules", body), field, before)


def test_refreshing_an_unknown_programme(client_for):
    before = _written()
    response = send(
        client_for(Role.CHANGE_LEAD), "post", "/playbook/recommendations/refresh", {"programme_id": 987654}
    )
    assert_refused(response, "programme_id", before)


@pytest.mark.parametrize("reason", ["", "r" * 301, None])
def test_dismissing(org, client_for, reason):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    before = _written()
    path = f"/playbook/recommendations/{rec.pk}/dismiss"
    assert_refused(send(client_for(Role.CHANGE_LEAD), "post", path, {"reason": reason}), "reason", before)


def _action(org, **changes):
    return {
        "programme_id": ProgrammeFactory().pk,
        "title": "Buddy shifts",
        "owner_id": org.people_in("LDS-T1")[1].pk,
        "team_ids": [org.teams["LDS-T1"].pk],
        "due": (TODAY + timedelta(days=7)).isoformat(),
    } | changes


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programme_id": 987654}, "programme_id"),
        ({"recommendation_id": 987654}, "recommendation_id"),
        ({"owner_id": "Ada"}, "owner_id"),
        ({"team_ids": ["LDS-T1"]}, "team_ids"),
        ({"team_ids": [987654]}, "team_ids"),
        ({"play_id": 987654}, "play_id"),
        ({"due": "31/02/2027"}, "due"),
        ({"title": "t" * 201}, "title"),
        ({"description": LONG}, "description"),
        ({"measure_kind": "vibes"}, "measure_kind"),
    ],
)
def test_actions(org, client_for, changes, field):
    before = _written()
    body = _action(org, **changes)
    assert_refused(send(client_for(Role.CHANGE_LEAD), "post", "/playbook/actions", body), field, before)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"status": "abandoned"}, "status"), ({"owner_id": 987654}, "owner_id"), ({"team_ids": []}, "team_ids")],
)
def test_changing_actions(org, client_for, changes, field):
    action = ActionFactory(teams=[org.teams["LDS-T1"]])
    before = _written()
    response = send(client_for(Role.CHANGE_LEAD), "patch", f"/playbook/actions/{action.pk}", changes)
    assert_refused(response, field, before)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"programme_id": 987654}, "programme_id"),
        ({"unit_ids": [987654]}, "unit_ids"),
        ({"unit_ids": []}, "unit_ids"),
        ({"you_said": LONG}, "you_said"),
        ({"we_did": ""}, "we_did"),
        ({"action_id": 987654}, "action_id"),
    ],
)
def test_updates(org, client_for, changes, field):
    body = {
        "programme_id": ProgrammeFactory().pk,
        "title": "Refreshers",
        "you_said": "Training came too early.",
        "we_did": "Refreshers in go-live week.",
        "unit_ids": [org.teams["LDS-T1"].pk],
    } | changes
    before = _written()
    assert_refused(send(client_for(Role.CHANGE_LEAD), "post", "/playbook/updates", body), field, before)


@pytest.mark.parametrize(
    "path",
    [
        "/playbook/plays",
        "/playbook/rules",
        "/playbook/actions",
        "/playbook/updates",
        "/playbook/recommendations/refresh",
    ],
)
@pytest.mark.parametrize("raw", ["{", "[]", "plain words"])
def test_malformed_json(client_for, path, raw):
    before = _written()
    response = send(client_for(Role.ADMIN), "post", path, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert _written() == before


# --- forms --------------------------------------------------------------------------------------------


def test_the_play_form_refuses_too_long_text(client_for):
    before = _written()
    data = {k: v for k, v in PLAY.items() if k != "actions"} | {"actions": "Hold a huddle.", "purpose": LONG}
    data |= {"strategy": "own", "measure_kind": ""}
    response = client_for(Role.ADMIN).post(reverse("playbook:play_new"), data)
    assert response.status_code == 400 and response.context["form"].errors["purpose"]
    assert _written() == before


def test_the_dismiss_form_needs_a_reason(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    before = _written()
    response = client_for(Role.CHANGE_LEAD).post(
        reverse("playbook:recommendation_dismiss", args=[rec.pk]), {"reason": ""}
    )
    assert response.status_code == 400 and response.context["dismiss_form"].errors["reason"]
    assert 'role="alert"' in response.content.decode()
    assert _written() == before
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.OPEN


def test_the_status_form_refuses_an_unknown_status(org, client_for):
    action = ActionFactory(teams=[org.teams["LDS-T1"]])
    before = _written()
    response = client_for(Role.CHANGE_LEAD).post(
        reverse("playbook:action_status", args=[action.pk]), {"status": "abandoned"}
    )
    assert response.status_code == 400 and response.context["status_form"].errors["status"]
    assert _written() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"due": "soon"}, "due"),
        ({"description": LONG}, "description"),
        ({"teams": ["987654"]}, "teams"),
    ],
)
def test_the_action_form_refuses_bad_input(org, client_for, data, field):
    base = {
        "programme": ProgrammeFactory().pk,
        "title": "Buddy shifts",
        "owner": org.people_in("LDS-T1")[1].pk,
        "teams": [org.teams["LDS-T1"].pk],
        "due": (TODAY + timedelta(days=7)).isoformat(),
        "status": "not_started",
    }
    before = _written()
    response = client_for(Role.CHANGE_LEAD).post(reverse("playbook:action_new"), base | data)
    assert response.status_code == 400 and response.context["form"].errors.get(field), response.context[
        "form"
    ].errors
    assert _written() == before
