"""The playbook's pages: what each role sees and can do."""

from datetime import date, timedelta

import pytest

from allaboard.org.models import AuditEntry, Role
from allaboard.playbook.models import (
    Action,
    ActionStatus,
    HelpedAnswer,
    Play,
    Recommendation,
    Rule,
    YouSaidWeDid,
)
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ActionFactory, HelpedAnswerFactory, RecommendationFactory, YouSaidWeDidFactory

TODAY = date.today()


def test_the_library_lists_every_play(client_for):
    page = client_for(Role.TEAM_LEADER).get("/playbook/")
    assert page.status_code == 200
    for play in Play.objects.all():
        assert play.title in page.content.decode()


def test_a_play_page_shows_actions_for_this_week_and_its_rules(client_for):
    play = Play.objects.get(slug="educate-train")
    html = client_for(Role.SPONSOR).get(f"/playbook/plays/{play.pk}/").content.decode()
    assert "What to do this week" in html
    assert "Book the team on a focused session this week" in html
    assert (
        "knowledge-barrier" in html
        and "Barrier point share for &#x27;knowledge&#x27; is at least 30%" in html
    )
    assert "Edit play" not in html


def test_an_admin_adds_our_own_play_and_is_told_it_needs_a_rule(client_for):
    client = client_for(Role.ADMIN)
    response = client.post(
        "/playbook/plays/new/",
        {
            "title": "Daily huddles",
            "slug": "daily-huddles",
            "strategy": "own",
            "purpose": "Ten minutes a day on what got in the way.",
            "when_it_helps": "Ability is low after go-live.",
            "actions": "Hold a huddle at 9:00.\nFix one blocker a day.",
            "how_to_tell": "Ability rises.",
            "measure_kind": "element_mean",
            "measure_metric": "ability",
            "active": "on",
        },
    )
    play = Play.objects.get(slug="daily-huddles")
    assert response.status_code == 302 and response["Location"] == f"/playbook/plays/{play.pk}/"
    assert not play.built_in
    assert AuditEntry.objects.filter(action="create", object_type="playbook.Play").exists()
    library = client.get("/playbook/").content.decode()
    assert "Plays no rule can recommend" in library and "Daily huddles" in library


def test_a_bad_rule_template_is_refused_beside_the_field(client_for):
    play = Play.objects.get(slug="educate-train")
    response = client_for(Role.CHANGE_LEAD).post(
        "/playbook/rules/new/",
        {
            "key": "k1",
            "play": play.pk,
            "kind": "barrier_share",
            "metric": "knowledge",
            "operator": ">=",
            "threshold": "0.3",
            "min_n": "0",
            "scope": "any",
            "evidence": "{unit.__class__}",
            "active": "on",
        },
    )
    assert response.status_code == 400
    assert "allowed placeholders" in response.content.decode()
    assert not Rule.objects.filter(key="k1").exists()


def test_a_change_lead_adds_a_rule_to_a_play(client_for):
    play = Play.objects.get(slug="educate-train")
    response = client_for(Role.CHANGE_LEAD).post(
        "/playbook/rules/new/",
        {
            "key": "knowledge-very-low",
            "play": play.pk,
            "kind": "element_mean",
            "metric": "knowledge",
            "operator": "<",
            "threshold": "2.5",
            "min_n": "10",
            "scope": "team",
            "evidence": "{unit}: {value_1dp}",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert Rule.objects.get(key="knowledge-very-low").play == play


def test_recommendations_show_their_evidence(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    html = (
        client_for(Role.TEAM_LEADER).get(f"/playbook/recommendations/?programme={rec.programme_id}").content
    )
    assert "Knowledge is the barrier for 41% of respondents in LDS Team 1, n=23." in html.decode()
    detail = client_for(Role.TEAM_LEADER).get(f"/playbook/recommendations/{rec.pk}/").content.decode()
    assert "Why this counts" in detail and "Plan an action" in detail and "Dismiss" not in detail


def test_a_team_leader_does_not_see_other_teams_recommendations(org, client_for):
    rec = RecommendationFactory(unit=org.teams["GLA-T1"])
    client = client_for(Role.TEAM_LEADER)
    assert (
        "GLA Team 1"
        not in client.get(f"/playbook/recommendations/?programme={rec.programme_id}").content.decode()
    )
    assert client.get(f"/playbook/recommendations/{rec.pk}/").status_code == 404


def test_refresh_reports_what_it_found(org, client_for):
    programme = ProgrammeFactory()
    ActionFactory(programme=programme, teams=[org.teams["LDS-T1"]], due=TODAY - timedelta(days=1))
    response = client_for(Role.CHANGE_LEAD).post(
        "/playbook/recommendations/refresh/", {"programme": programme.pk}, follow=True
    )
    assert "1 new recommendations" in response.content.decode()
    assert Recommendation.objects.filter(programme=programme, play__slug="continuous-improvement").exists()


def test_planning_from_a_recommendation(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    client = client_for(Role.TEAM_LEADER)
    form = client.get(f"/playbook/actions/new/?recommendation={rec.pk}").content.decode()
    assert "Knowledge is the barrier" in form
    owner = org.people_in("LDS-T1")[2]
    response = client.post(
        f"/playbook/actions/new/?recommendation={rec.pk}",
        {
            "title": "Buddy each advisor for two shifts",
            "owner": owner.pk,
            "teams": [org.teams["LDS-T1"].pk],
            "due": (TODAY + timedelta(days=7)).isoformat(),
            "status": "not_started",
        },
    )
    action = Action.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/playbook/actions/{action.pk}/"
    assert action.recommendation == rec and action.evidence_text.startswith("Knowledge is the barrier")
    assert action.play == rec.play


def test_the_action_page_shows_the_finding_and_overdue_state(org, client_for):
    action = ActionFactory(
        teams=[org.teams["LDS-T1"]],
        due=TODAY - timedelta(days=4),
        evidence_text="Knowledge is the barrier for 41%",
    )
    html = client_for(Role.SPONSOR).get(f"/playbook/actions/{action.pk}/").content.decode()
    assert "Overdue" in html and "Knowledge is the barrier for 41%" in html
    assert "Update status" not in html  # sponsors read


def test_the_owner_moves_the_status_from_the_page(org, client_for):
    action = ActionFactory(owner=org.users[Role.EMPLOYEE].person)
    response = client_for(Role.EMPLOYEE).post(
        f"/playbook/actions/{action.pk}/status/", {"status": "in_progress"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS and action.started_on == TODAY


def test_did_it_help_results_are_hidden_below_k(org, client_for):
    action = ActionFactory(
        teams=[org.teams["LDS-T1"]],
        status=ActionStatus.DONE,
        started_on=TODAY - timedelta(days=40),
        done_on=TODAY,
        helped_opened_on=TODAY - timedelta(days=5),
    )
    HelpedAnswerFactory.create_batch(2, action=action)
    html = client_for(Role.CHANGE_LEAD).get(f"/playbook/actions/{action.pk}/").content.decode()
    assert "2 answers so far" in html and "yes 100%" not in html


@pytest.fixture
def asked(org):
    return ActionFactory(
        teams=[org.teams["LDS-T1"]],
        status=ActionStatus.IN_PROGRESS,
        started_on=TODAY - timedelta(days=31),
        helped_opened_on=TODAY,
        title="Buddy system",
    )


def test_the_employees_home_page_asks_did_it_help_in_one_click(client_for, asked):
    client = client_for(Role.EMPLOYEE)
    home = client.get("/").content.decode()
    assert "Did it help?" in home and "Buddy system" in home
    response = client.post(f"/playbook/actions/{asked.pk}/helped/", {"answer": "yes"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "anonymous" in response.content.decode()
    assert HelpedAnswer.objects.get().answer == "yes"
    assert "Buddy system" not in client.get("/").content.decode()


def test_a_second_answer_is_refused(client_for, asked):
    client = client_for(Role.EMPLOYEE)
    client.post(f"/playbook/actions/{asked.pk}/helped/", {"answer": "yes"})
    response = client.post(f"/playbook/actions/{asked.pk}/helped/", {"answer": "no"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert HelpedAnswer.objects.count() == 1


def test_employees_see_you_said_we_did_for_their_team_on_the_home_page(org, client_for):
    YouSaidWeDidFactory(units=[org.teams["LDS-T1"]], published_on=TODAY, title="Refreshers in go-live week")
    YouSaidWeDidFactory(units=[org.teams["GLA-T1"]], published_on=TODAY, title="Glasgow rota change")
    YouSaidWeDidFactory(units=[org.teams["LDS-T1"]], title="A draft")
    home = client_for(Role.EMPLOYEE).get("/").content.decode()
    assert "Refreshers in go-live week" in home
    assert "Glasgow rota change" not in home and "A draft" not in home
    page = client_for(Role.EMPLOYEE).get("/playbook/updates/").content.decode()
    assert "Refreshers in go-live week" in page and "Glasgow rota change" not in page


def test_the_change_lead_and_sponsor_see_overdue_actions_on_their_home_page(org, client_for):
    ActionFactory(teams=[org.teams["GLA-T1"]], due=TODAY - timedelta(days=3), title="Late action")
    for role in (Role.CHANGE_LEAD, Role.SPONSOR):
        home = client_for(role).get("/").content.decode()
        assert "Overdue actions" in home and "Late action" in home
    assert "Late action" not in client_for(Role.TEAM_LEADER).get("/").content.decode()


def test_writing_and_publishing_an_update(org, client_for):
    programme = ProgrammeFactory()
    client = client_for(Role.TEAM_LEADER)
    response = client.post(
        "/playbook/updates/new/",
        {
            "programme": programme.pk,
            "title": "Quieter huddles",
            "you_said": "Huddles run over.",
            "we_did": "Ten minutes, with a timer.",
            "units": [org.teams["LDS-T1"].pk],
        },
    )
    update = YouSaidWeDid.objects.get()
    assert response.status_code == 302 and update.published_on is None
    response = client.post(f"/playbook/updates/{update.pk}/publish/", follow=True)
    assert "Published to 6 people" in response.content.decode()
    update.refresh_from_db()
    assert update.published_on == TODAY


def test_recommendations_can_be_filtered_by_play(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    from allaboard.playbook.models import Play as PlayModel

    RecommendationFactory(
        unit=org.teams["LDS-T2"], programme=rec.programme, play=PlayModel.objects.get(slug="diagnose")
    )
    client = client_for(Role.CHANGE_LEAD)
    page = client.get(f"/playbook/recommendations/?programme={rec.programme_id}").content.decode()
    assert "Educate and train (1)" in page and "Diagnose the source of resistance (1)" in page
    filtered = client.get(
        f"/playbook/recommendations/?programme={rec.programme_id}&play=diagnose"
    ).content.decode()
    assert "LDS Team 2" in filtered and "LDS Team 1</td>" not in filtered
