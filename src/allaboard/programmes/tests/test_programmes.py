"""Programmes: create and edit through pages and API, risk levels, and "what changes for me"."""

import json

from allaboard.org.models import AuditEntry, JobRole, Role
from allaboard.programmes.models import Impact, Programme, RiskLevel, Status
from allaboard.programmes.services import impacts_for_person

from .factories import ImpactFactory, ProgrammeFactory


def form_data(org, **overrides):
    data = {
        "name": "New desk",
        "status": "running",
        "summary": "One desk",
        "why": "Customers repeat themselves",
        "problem_today": "Five systems",
        "good_looks_like": "One screen",
        "alignment": "Own it",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "benefits-TOTAL_FORMS": "1",
        "benefits-INITIAL_FORMS": "0",
        "benefits-0-group": "Customers",
        "benefits-0-benefit": "Tell us once",
        "impacts-TOTAL_FORMS": "1",
        "impacts-INITIAL_FORMS": "0",
        "impacts-0-unit": str(org.teams["LDS-T1"].pk),
        "impacts-0-what_changes": "You answer chats too",
        **{f"impacts-0-{f}": "0" for f in Impact.ASPECT_FIELDS},
        "impacts-0-systems": "5",
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-name": "Go-live",
        "milestones-0-kind": "go_live",
        "milestones-0-due": "2026-06-01",
    }
    data.update(overrides)
    return data


def test_change_lead_creates_a_programme_with_impacts_benefits_and_milestones(client_for, org):
    response = client_for(Role.CHANGE_LEAD).post("/programmes/new/", form_data(org))
    assert response.status_code == 302
    programme = Programme.objects.get(name="New desk")
    assert programme.benefits.get().group == "Customers"
    assert programme.impacts.get().unit == org.teams["LDS-T1"]
    assert programme.milestones.get().kind == "go_live"
    entry = AuditEntry.objects.get(action="create", object_type="programmes.Programme")
    assert entry.actor == org.users[Role.CHANGE_LEAD] and "why" in entry.changes


def test_an_invalid_form_changes_nothing_and_says_why(client_for, org):
    response = client_for(Role.CHANGE_LEAD).post("/programmes/new/", form_data(org, end_date="2025-01-01"))
    assert response.status_code == 400
    assert b"The end date is before the start date." in response.content
    assert not Programme.objects.exists()


def test_editing_records_what_changed(client_for, org):
    client = client_for(Role.CHANGE_LEAD)
    client.post("/programmes/new/", form_data(org))
    programme = Programme.objects.get()
    data = form_data(
        org,
        why="Because customers deserve better",
        **{
            "benefits-INITIAL_FORMS": "1",
            "benefits-0-id": str(programme.benefits.get().pk),
            "impacts-INITIAL_FORMS": "1",
            "impacts-0-id": str(programme.impacts.get().pk),
            "milestones-INITIAL_FORMS": "1",
            "milestones-0-id": str(programme.milestones.get().pk),
        },
    )
    assert client.post(f"/programmes/{programme.pk}/edit/", data).status_code == 302
    programme.refresh_from_db()
    assert programme.why == "Because customers deserve better"
    update = AuditEntry.objects.get(action="update")
    assert update.changes["why"] == ["Customers repeat themselves", "Because customers deserve better"]


def test_risk_level_follows_the_aspect_scores():
    assert ImpactFactory.build(systems=5).risk_level == RiskLevel.HIGH
    assert ImpactFactory.build(systems=3).risk_level == RiskLevel.MEDIUM
    assert ImpactFactory.build(systems=2, process=2, skills=2).risk_level == RiskLevel.LOW
    assert (
        ImpactFactory.build(systems=2, process=2, skills=2, behaviours=2, hours=2).risk_level
        == RiskLevel.MEDIUM
    )
    four_each = {f: 4 for f in ["process", "systems", "job_role_change", "behaviours", "skills"]}
    assert ImpactFactory.build(**four_each).risk_level == RiskLevel.HIGH


def test_what_changes_for_me_includes_impacts_above_my_team_and_for_my_role(org):
    agent = org.users[Role.EMPLOYEE].person
    programme = ProgrammeFactory()
    on_site = ImpactFactory(programme=programme, unit=org.sites["LDS"], what_changes="Whole site")
    for_my_role = ImpactFactory(
        programme=programme, unit=org.teams["LDS-T1"], job_role=agent.job_role, what_changes="Advisors"
    )
    ImpactFactory(
        programme=programme,
        unit=org.teams["LDS-T1"],
        job_role=JobRole.objects.create(name="QA"),
        what_changes="Not my role",
    )
    ImpactFactory(programme=programme, unit=org.teams["GLA-T1"], what_changes="Not my team")
    ImpactFactory(
        programme=ProgrammeFactory(status=Status.COMPLETED),
        unit=org.teams["LDS-T1"],
        what_changes="Finished programme",
    )
    assert set(impacts_for_person(agent)) == {on_site, for_my_role}


def test_an_employee_sees_what_changes_on_the_page_and_can_read_only_touching_programmes(client_for, org):
    touching = ProgrammeFactory(name="Touching")
    ImpactFactory(programme=touching, unit=org.teams["LDS-T1"], what_changes="You will answer chats")
    elsewhere = ProgrammeFactory(name="Elsewhere")
    ImpactFactory(programme=elsewhere, unit=org.teams["GLA-T1"])
    client = client_for(Role.EMPLOYEE)
    assert b"You will answer chats" in client.get("/programmes/mine/").content
    assert client.get(f"/programmes/{touching.pk}/").status_code == 200
    assert client.get(f"/programmes/{elsewhere.pk}/").status_code == 404
    assert [c["programme"] for c in client.get("/api/v1/me/changes").json()] == ["Touching"]


def test_api_creates_and_patches_a_programme_with_nested_impacts(client_for, org):
    client = client_for(Role.CHANGE_LEAD)
    body = {
        "name": "API programme",
        "status": "planned",
        "why": "Because",
        "impacts": [
            {
                "unit_id": org.teams["GLA-T1"].pk,
                "job_role": "Customer service advisor",
                "what_changes": "New scripts",
                "behaviours": 5,
            }
        ],
        "milestones": [{"name": "Launch", "kind": "go_live", "due": "2026-09-01"}],
        "benefits": [{"group": "Agents", "benefit": "Less typing"}],
    }
    created = client.post("/api/v1/programmes", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (
        data["impacts"][0]["risk_level"] == "high"
        and data["impacts"][0]["job_role"] == "Customer service advisor"
    )
    patched = client.patch(
        f"/api/v1/programmes/{data['id']}", json.dumps({"status": "running"}), content_type="application/json"
    )
    assert patched.json()["status"] == "running" and len(patched.json()["impacts"]) == 1


def test_api_refuses_an_unknown_unit_and_writes_nothing(client_for, org):
    body = {"name": "Bad", "impacts": [{"unit_id": 99999, "what_changes": "x"}]}
    response = client_for(Role.CHANGE_LEAD).post(
        "/api/v1/programmes", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "impacts.0.unit_id"
    assert not Programme.objects.filter(name="Bad").exists()
