"""The pages: what each role sees, the import with its mapping step, decisions and defects."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allaboard.adoption.models import Decision, Defect, UsageEvent
from allaboard.org.models import Role

from .usage import use_every_weekday


def test_team_leader_sees_only_own_teams_on_the_tool_page(client_for, org, desk):
    page = client_for(Role.TEAM_LEADER).get(reverse("adoption:tool", args=[desk.pk])).content.decode()
    assert "LDS Team 1" in page and "GLA Team 1" not in page


def test_team_page_shows_curve_forecast_and_people_to_the_leader(client_for, org, desk):
    people = org.people_in("LDS-T1")
    use_every_weekday(people[:4], date(2026, 1, 5), date(2026, 1, 30))
    response = client_for(Role.TEAM_LEADER).get(
        reverse("adoption:team", args=[desk.pk, org.teams["LDS-T1"].pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="curve-data"' in page and "Adopter categories" in page
    assert people[0].full_name in page  # the leader sees their people


def test_sponsor_sees_the_team_but_not_its_people(client_for, org, desk):
    people = org.people_in("LDS-T1")
    page = client_for(Role.SPONSOR).get(reverse("adoption:team", args=[desk.pk, org.teams["LDS-T1"].pk]))
    assert people[1].full_name not in page.content.decode()


def test_csv_import_with_a_mapping_step(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    csv = f"Employee,Action,When\n{agent.employee_id},kb_answer,2026-01-06 10:00\n{agent.email},Sets a disposition code,2026-01-07\n"
    client = client_for(Role.CHANGE_LEAD)
    response = client.post(
        reverse("adoption:import"), {"tool": desk.pk, "file": SimpleUploadedFile("usage.csv", csv.encode())}
    )
    assert response.status_code == 302
    mapped = client.post(
        response["Location"], {"map_person": "employee", "map_behaviour": "action", "map_at": "when"}
    )
    assert mapped.status_code == 302
    assert UsageEvent.objects.count() == 2
    again = client.post(
        reverse("adoption:import"), {"tool": desk.pk, "file": SimpleUploadedFile("usage.csv", csv.encode())}
    )
    client.post(again["Location"], {"map_person": "employee", "map_behaviour": "action", "map_at": "when"})
    assert UsageEvent.objects.count() == 2  # the same rows again: skipped


def test_csv_with_a_bad_row_imports_nothing_and_names_the_line(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    csv = f"person,behaviour,at\n{agent.employee_id},kb_answer,2026-01-06\nE99999,kb_answer,2026-01-06\n"
    client = client_for(Role.ADMIN)
    upload = client.post(
        reverse("adoption:import"), {"tool": desk.pk, "file": SimpleUploadedFile("u.csv", csv.encode())}
    )
    response = client.post(
        upload["Location"], {"map_person": "person", "map_behaviour": "behaviour", "map_at": "at"}
    )
    assert response.status_code == 400
    assert response.context["report"].problems[0].line == 3
    assert not UsageEvent.objects.exists()


def test_change_lead_records_a_decision(client_for, org, desk):
    team = org.teams["LDS-T1"]
    client_for(Role.CHANGE_LEAD).post(
        reverse("adoption:decide", args=[desk.pk, team.pk]),
        {"kind": "fix_defects", "reason": "Transfers freeze"},
    )
    assert Decision.objects.get().reason == "Transfers freeze"


def test_agent_reports_a_defect_anonymously_and_follows_it_by_receipt(client_for, org, desk):
    client = client_for(Role.EMPLOYEE)
    page = client.post(
        reverse("adoption:defects"),
        {"tool": desk.pk, "title": "Search is slow", "description": "Ten seconds", "anonymous": "1"},
    )
    receipt = page.context["receipt"]
    assert Defect.objects.get().reporter is None
    found = client.post(reverse("adoption:receipt"), {"receipt": receipt})
    assert found.context["found"].title == "Search is slow"


def test_employee_sees_own_use(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    use_every_weekday([agent], date.today() - timedelta(days=10), date.today())
    page = client_for(Role.EMPLOYEE).get(reverse("adoption:mine")).content.decode()
    assert "Answers from the knowledge base" in page
