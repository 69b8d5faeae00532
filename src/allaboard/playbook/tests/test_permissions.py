"""Who sees and changes what, beyond the route x role sweep in routes.py."""

from datetime import date, timedelta

from allaboard.org.models import Role
from allaboard.playbook import access
from allaboard.playbook.models import ActionStatus

from .factories import ActionFactory, RecommendationFactory, YouSaidWeDidFactory

TODAY = date.today()


def test_a_team_leader_sees_actions_touching_their_teams_and_edits_only_wholly_theirs(org):
    leader = org.users[Role.TEAM_LEADER]
    mine = ActionFactory(teams=[org.teams["LDS-T1"]])
    shared = ActionFactory(teams=[org.teams["LDS-T1"], org.teams["GLA-T1"]])
    theirs = ActionFactory(teams=[org.teams["GLA-T1"]])
    assert set(access.visible_actions(leader)) == {mine, shared}
    assert access.can_edit_action(leader, mine)
    assert not access.can_edit_action(leader, shared)
    assert not access.can_edit_action(leader, theirs)


def test_an_employee_sees_only_the_actions_they_own(org):
    employee = org.users[Role.EMPLOYEE]
    own = ActionFactory(owner=employee.person)
    ActionFactory(teams=[org.teams["LDS-T1"]])
    assert list(access.visible_actions(employee)) == [own]
    assert access.can_move_action(employee, own) and not access.can_edit_action(employee, own)


def test_sponsors_read_everything_and_change_nothing(org):
    sponsor = org.users[Role.SPONSOR]
    action = ActionFactory(teams=[org.teams["GLA-T1"]])
    rec = RecommendationFactory(unit=org.teams["GLA-T1"])
    assert action in access.visible_actions(sponsor) and rec in access.visible_recommendations(sponsor)
    assert not access.can_edit_action(sponsor, action) and not access.can_move_action(sponsor, action)
    assert not access.can_manage_all(sponsor) and not access.can_plan(sponsor)


def test_employees_see_no_recommendations(org):
    RecommendationFactory(unit=org.teams["LDS-T1"])
    assert not access.visible_recommendations(org.users[Role.EMPLOYEE]).exists()


def test_employees_see_published_updates_for_their_team_and_above_only(org):
    employee = org.users[Role.EMPLOYEE]
    team = YouSaidWeDidFactory(units=[org.teams["LDS-T1"]], published_on=TODAY)
    site = YouSaidWeDidFactory(units=[org.sites["LDS"]], published_on=TODAY)
    everyone = YouSaidWeDidFactory(units=[org.root], published_on=TODAY)
    YouSaidWeDidFactory(units=[org.teams["LDS-T1"]])  # draft
    YouSaidWeDidFactory(units=[org.teams["LDS-T2"]], published_on=TODAY)  # a sister team
    assert set(access.visible_updates(employee)) == {team, site, everyone}


def test_team_leaders_see_drafts_for_their_teams_but_not_others(org):
    leader = org.users[Role.TEAM_LEADER]
    draft_here = YouSaidWeDidFactory(units=[org.teams["LDS-T1"]])
    YouSaidWeDidFactory(units=[org.teams["GLA-T1"]])
    assert list(access.visible_updates(leader)) == [draft_here]
    assert access.can_edit_update(leader, draft_here)


def test_a_team_leader_cannot_edit_an_org_wide_update_they_can_read(org):
    leader = org.users[Role.TEAM_LEADER]
    everyone = YouSaidWeDidFactory(units=[org.root], published_on=TODAY)
    assert everyone in access.visible_updates(leader)
    assert not access.can_edit_update(leader, everyone)


def test_the_overdue_panel_is_not_shown_to_employees(org, client_for):
    ActionFactory(teams=[org.teams["LDS-T1"]], due=TODAY - timedelta(days=2), status=ActionStatus.IN_PROGRESS)
    assert "Overdue actions" not in client_for(Role.EMPLOYEE).get("/").content.decode()
