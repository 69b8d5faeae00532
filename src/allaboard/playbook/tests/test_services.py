"""Recommendations, actions, reminders, "did it help?" and "you said, we did", through the services."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from allaboard.comms.models import Delivery
from allaboard.comms.services import feed_for
from allaboard.errors import InputError
from allaboard.org.models import AuditEntry, Role
from allaboard.playbook import findings as F
from allaboard.playbook import gather, services
from allaboard.playbook.models import (
    ActionStatus,
    HelpedAnswer,
    HelpedResponder,
    MeasureKind,
    Recommendation,
    RecommendationStatus,
)
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ActionFactory, RecommendationFactory, YouSaidWeDidFactory, finding

TODAY = date.today()


@pytest.fixture
def programme(db):
    return ProgrammeFactory()


@pytest.fixture
def findings_from(monkeypatch):
    """Make the programme's findings these hand-made ones (whatever the other apps would say)."""

    def use(*found):
        monkeypatch.setattr(gather, "SOURCES", [lambda programme, today: list(found)])

    return use


def user(org, role):
    return org.users[role]


# ---- recommendations ---------------------------------------------------------------------------------------


def test_refresh_stores_a_recommendation_with_its_evidence(org, programme, findings_from):
    team = org.teams["LDS-T1"]
    findings_from(finding(unit_id=team.pk, value=0.41, n=23))
    result = services.refresh_recommendations(programme, actor=user(org, Role.CHANGE_LEAD))
    assert (result.new, result.findings) == (1, 1)
    rec = Recommendation.objects.get(programme=programme)
    assert (rec.play.slug, rec.unit, rec.status) == ("educate-train", team, RecommendationStatus.OPEN)
    assert rec.evidence[0]["text"] == f"Knowledge is the barrier for 41% of respondents in {team.name}, n=23."
    assert rec.evidence[0]["finding"]["n"] == 23


def test_refresh_names_the_group_from_the_organisation_not_the_caller(org, programme, findings_from):
    findings_from(finding(unit_id=org.teams["GLA-T1"].pk, unit_name="wrong name"))
    services.refresh_recommendations(programme)
    assert "GLA Team 1" in Recommendation.objects.get().evidence[0]["text"]


def test_refresh_rejects_findings_below_k_whoever_produced_them(org, programme, findings_from):
    findings_from(
        finding(unit_id=org.teams["LDS-T1"].pk, n=4), finding(unit_id=None, n=2, scope=F.SCOPE_PROGRAMME)
    )
    result = services.refresh_recommendations(programme)
    assert result.findings == 0
    assert not Recommendation.objects.exists()


def test_refresh_is_audit_logged(org, programme, findings_from):
    findings_from()
    services.refresh_recommendations(programme, actor=user(org, Role.CHANGE_LEAD))
    entry = AuditEntry.objects.get(action="refresh_recommendations")
    assert entry.actor == user(org, Role.CHANGE_LEAD) and entry.changes["new"] == 0


def test_only_managers_refresh(org, programme, findings_from):
    findings_from()
    with pytest.raises(PermissionDenied):
        services.refresh_recommendations(programme, actor=user(org, Role.SPONSOR))


def test_refresh_retires_open_recommendations_whose_evidence_went_but_keeps_planned_ones(
    org, programme, findings_from
):
    t1, t2 = org.teams["LDS-T1"], org.teams["LDS-T2"]
    findings_from(finding(unit_id=t1.pk), finding(unit_id=t2.pk))
    services.refresh_recommendations(programme)
    Recommendation.objects.filter(unit=t2).update(status=RecommendationStatus.PLANNED)
    findings_from()
    result = services.refresh_recommendations(programme)
    assert result.retired == 1
    kept = Recommendation.objects.get()
    assert kept.unit == t2 and kept.current is False


def test_refresh_again_updates_the_evidence_and_last_seen(org, programme, findings_from):
    team = org.teams["LDS-T1"]
    findings_from(finding(unit_id=team.pk, value=0.41))
    services.refresh_recommendations(programme, on=TODAY - timedelta(days=30))
    findings_from(finding(unit_id=team.pk, value=0.30))
    result = services.refresh_recommendations(programme, on=TODAY)
    rec = Recommendation.objects.get()
    assert (result.new, result.still) == (0, 1)
    assert (rec.first_seen, rec.last_seen) == (TODAY - timedelta(days=30), TODAY)
    assert "30%" in rec.evidence[0]["text"]


def test_dismissing_needs_a_reason_and_is_logged(org):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    lead = user(org, Role.CHANGE_LEAD)
    with pytest.raises(InputError):
        services.dismiss_recommendation(lead, rec, "  ")
    services.dismiss_recommendation(lead, rec, "Training already booked for next week.")
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.DISMISSED
    assert AuditEntry.objects.filter(action="dismiss", object_id=str(rec.pk)).exists()


# ---- findings from the other apps ------------------------------------------------------------------------


# Comment findings (resistance sources by respondent) are tested on real pulses in test_comment_anonymity.py.


def test_overdue_actions_recommend_sustaining_improvement(org, programme):
    team = org.teams["LDS-T1"]
    ActionFactory(programme=programme, teams=[team], due=TODAY - timedelta(days=3))
    services.refresh_recommendations(programme)
    rec = Recommendation.objects.get(play__slug="continuous-improvement")
    assert rec.unit == team
    assert rec.evidence[0]["text"] == f"1 action promised to {team.name} is past the due date."


def test_unanswered_questions_recommend_ongoing_support(org, programme):
    from allaboard.comms.models import Question

    for i in range(3):
        Question.objects.create(
            programme=programme, text=f"When is training {i}?", asked_on=TODAY - timedelta(days=20)
        )
    services.refresh_recommendations(programme)
    rec = Recommendation.objects.get(play__slug="ongoing-support")
    assert rec.unit is None
    assert (
        rec.evidence[0]["text"]
        == f"3 questions about {programme.name} waited more than 5 days for an answer."
    )


# ---- actions ---------------------------------------------------------------------------------------------


def test_an_action_from_a_recommendation_keeps_its_evidence_and_plans_it(org):
    team = org.teams["LDS-T1"]
    rec = RecommendationFactory(unit=team)
    owner = org.people_in("LDS-T1")[1]
    action = services.create_action(
        user(org, Role.CHANGE_LEAD),
        rec.programme,
        {"title": "Desk refresher for Team 1", "owner": owner, "due": TODAY + timedelta(days=14)},
        recommendation=rec,
    )
    assert list(action.teams.all()) == [team]
    assert action.play.slug == "educate-train"
    assert action.evidence_text == rec.evidence[0]["text"]
    assert action.finding().metric == "knowledge"
    assert (action.measure_kind, action.measure_metric) == (MeasureKind.ELEMENT_MEAN, "knowledge")
    rec.refresh_from_db()
    assert rec.status == RecommendationStatus.PLANNED
    assert AuditEntry.objects.filter(action="create", object_type="playbook.Action").exists()


def test_a_blank_action_takes_the_plays_measure(org, programme):
    from allaboard.playbook.models import Play

    action = services.create_action(
        user(org, Role.CHANGE_LEAD),
        programme,
        {
            "title": "Sponsor floor walk",
            "owner": org.people_in("LDS-T1")[1],
            "teams": [org.teams["LDS-T1"]],
            "due": TODAY,
            "play": Play.objects.get(slug="lead-by-example"),
        },
    )
    assert (action.measure_kind, action.measure_metric, action.evidence) == ("source_share", "leadership", {})


def test_a_team_leader_plans_only_for_their_own_teams(org, programme):
    data = {"title": "x", "owner": org.people_in("GLA-T1")[1], "due": TODAY}
    with pytest.raises(InputError) as error:
        services.create_action(
            user(org, Role.TEAM_LEADER), programme, {**data, "teams": [org.teams["GLA-T1"]]}
        )
    assert error.value.field == "teams"
    services.create_action(user(org, Role.TEAM_LEADER), programme, {**data, "teams": [org.teams["LDS-T1"]]})


def test_sponsors_do_not_plan(org, programme):
    with pytest.raises(PermissionDenied):
        services.create_action(user(org, Role.SPONSOR), programme, {})


def test_an_action_needs_an_owner_teams_and_a_due_date(org, programme):
    lead = user(org, Role.CHANGE_LEAD)
    with pytest.raises(InputError) as error:
        services.create_action(lead, programme, {"title": "x", "teams": [org.teams["LDS-T1"]], "due": TODAY})
    assert error.value.field == "owner"


def test_status_changes_keep_start_and_finish_dates(org):
    action = ActionFactory()
    lead = user(org, Role.CHANGE_LEAD)
    services.update_action(lead, action, {"status": ActionStatus.IN_PROGRESS}, on=TODAY - timedelta(days=5))
    services.update_action(lead, action, {"status": ActionStatus.DONE}, on=TODAY)
    assert (action.started_on, action.done_on) == (TODAY - timedelta(days=5), TODAY)
    services.update_action(lead, action, {"status": ActionStatus.IN_PROGRESS}, on=TODAY)
    assert action.done_on is None and action.started_on == TODAY - timedelta(days=5)
    changes = [e.changes for e in AuditEntry.objects.filter(object_type="playbook.Action")]
    assert {"status": ["in_progress", "done"]} in changes


def test_the_owner_may_move_the_status_but_not_edit_the_action(org):
    employee = user(org, Role.EMPLOYEE)
    action = ActionFactory(owner=employee.person)
    services.update_action(employee, action, {"status": ActionStatus.IN_PROGRESS})
    with pytest.raises(PermissionDenied):
        services.update_action(employee, action, {"title": "Something else"})


def test_overdue_actions_are_seen_by_the_change_lead_and_sponsor_and_the_teams_leader(org):
    late_here = ActionFactory(teams=[org.teams["LDS-T1"]], due=TODAY - timedelta(days=2))
    late_there = ActionFactory(teams=[org.teams["GLA-T1"]], due=TODAY - timedelta(days=2))
    ActionFactory(teams=[org.teams["GLA-T1"]], due=TODAY - timedelta(days=2), status=ActionStatus.DONE)
    ActionFactory(teams=[org.teams["GLA-T1"]], due=TODAY + timedelta(days=2))
    for role in (Role.CHANGE_LEAD, Role.SPONSOR):
        assert set(services.overdue_actions(user(org, role))) == {late_here, late_there}
    assert list(services.overdue_actions(user(org, Role.TEAM_LEADER))) == [late_here]


# ---- reminders -------------------------------------------------------------------------------------------


def test_owners_are_reminded_by_email_before_the_due_date_and_weekly_when_overdue(org, smtp_server):
    owner = org.people_in("LDS-T1")[1]
    soon = ActionFactory(owner=owner, title="Book the refresher", due=TODAY + timedelta(days=2))
    ActionFactory(owner=owner, due=TODAY + timedelta(days=20))
    ActionFactory(owner=owner, due=TODAY - timedelta(days=1), status=ActionStatus.DONE)
    assert services.remind_owners(TODAY) == 1
    delivery = Delivery.objects.get(purpose="action_reminder")
    assert (delivery.channel, delivery.person, delivery.source) == ("email", owner, soon)
    assert [m["Subject"] for m in smtp_server.messages] == ["Due soon: Book the refresher"]
    assert smtp_server.recipients() == [owner.email]
    assert services.remind_owners(TODAY + timedelta(days=3)) == 0  # reminded three days ago
    assert services.remind_owners(TODAY + timedelta(days=7)) == 1  # overdue: weekly
    assert smtp_server.messages[-1]["Subject"] == "Overdue: Book the refresher"


# ---- did it help? ----------------------------------------------------------------------------------------


@pytest.fixture
def month_old_action(org):
    return ActionFactory(
        teams=[org.teams["LDS-T1"]],
        status=ActionStatus.IN_PROGRESS,
        started_on=TODAY - timedelta(days=30),
        title="Buddy system",
    )


def test_teams_are_asked_a_month_after_an_action_starts(org, month_old_action):
    ActionFactory(
        teams=[org.teams["LDS-T1"]], status=ActionStatus.IN_PROGRESS, started_on=TODAY - timedelta(days=29)
    )
    assert services.open_helped_checks(TODAY) == 1
    employee = user(org, Role.EMPLOYEE)
    assert list(services.helped_questions_for(employee)) == [month_old_action]
    assert any(item.subject == "Did it help? Buddy system" for item in feed_for(employee.person))
    other_team = org.people_in("GLA-T1")[0]
    assert not any("Buddy system" in item.subject for item in feed_for(other_team))
    assert services.open_helped_checks(TODAY) == 0


def test_a_helped_answer_stores_the_team_never_the_person(org, month_old_action):
    services.open_helped_checks(TODAY)
    employee = user(org, Role.EMPLOYEE)
    services.answer_helped(employee, month_old_action, "partly")
    answer = HelpedAnswer.objects.get()
    assert (answer.unit, answer.answer) == (org.teams["LDS-T1"], "partly")
    assert not any(f.name == "person" for f in HelpedAnswer._meta.get_fields())
    assert HelpedResponder.objects.filter(person=employee.person).exists()
    assert list(services.helped_questions_for(employee)) == []
    with pytest.raises(InputError):
        services.answer_helped(employee, month_old_action, "yes")


def test_people_outside_the_teams_cannot_answer(org, month_old_action):
    services.open_helped_checks(TODAY)
    for role in (Role.ADMIN, Role.SPONSOR, Role.CHANGE_LEAD):
        with pytest.raises(PermissionDenied):
            services.answer_helped(user(org, role), month_old_action, "yes")


def test_helped_results_show_only_from_k_answers(org, month_old_action):
    from .factories import HelpedAnswerFactory

    HelpedAnswerFactory.create_batch(3, action=month_old_action, answer="yes")
    HelpedAnswerFactory(action=month_old_action, answer="no")
    hidden = services.helped_results(month_old_action)
    assert (hidden.n, hidden.shown, hidden.counts) == (4, False, {})
    HelpedAnswerFactory(action=month_old_action, answer="partly")
    shown = services.helped_results(month_old_action)
    assert shown.shown and shown.counts == {"yes": 3, "partly": 1, "no": 1}
    assert shown.shares["yes"] == pytest.approx(0.6)


# ---- you said, we did ------------------------------------------------------------------------------------


def test_publishing_reaches_the_teams_feeds_and_home_pages_only(org, programme):
    lead = user(org, Role.CHANGE_LEAD)
    update = services.save_update(
        lead,
        services.YouSaidWeDid(),
        {
            "programme": programme,
            "title": "Refreshers in go-live week",
            "you_said": "Training came too early.",
            "we_did": "Refresher sessions in go-live week.",
            "units": [org.sites["LDS"]],
        },
    )
    employee = user(org, Role.EMPLOYEE)
    assert list(services.updates_for(employee)) == []  # a draft
    sent = services.publish_update(lead, update)
    assert sent == len(org.people_in("LDS-T1")) + len(org.people_in("LDS-T2"))
    assert list(services.updates_for(employee)) == [update]
    assert any(
        item.subject == "You said, we did: Refreshers in go-live week" for item in feed_for(employee.person)
    )
    glasgow = org.people_in("GLA-T1")[0]
    assert not feed_for(glasgow)
    with pytest.raises(InputError):
        services.publish_update(lead, update)


def test_an_update_is_visible_to_teams_below_the_units_it_names_but_not_above(org):
    update = YouSaidWeDidFactory(units=[org.teams["LDS-T2"]], published_on=TODAY)
    assert update not in services.updates_for(user(org, Role.EMPLOYEE))  # employee is in LDS-T1
    site_wide = YouSaidWeDidFactory(units=[org.sites["LDS"]], published_on=TODAY)
    assert site_wide in services.updates_for(user(org, Role.EMPLOYEE))


def test_a_team_leader_writes_updates_only_for_their_teams(org, programme):
    leader = user(org, Role.TEAM_LEADER)
    data = {"programme": programme, "title": "t", "you_said": "a", "we_did": "b"}
    with pytest.raises(InputError):
        services.save_update(leader, services.YouSaidWeDid(), {**data, "units": [org.teams["GLA-T1"]]})
    update = services.save_update(leader, services.YouSaidWeDid(), {**data, "units": [org.teams["LDS-T1"]]})
    assert services.publish_update(leader, update) == len(org.people_in("LDS-T1"))


def test_the_daily_command_reminds_and_asks(org, month_old_action, capsys):
    from django.core.management import call_command

    ActionFactory(due=TODAY + timedelta(days=1))
    call_command("playbook_daily")
    assert "1 reminders queued; 1 actions opened" in capsys.readouterr().out
