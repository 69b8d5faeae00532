"""No capability figure for a group below the anonymity minimum, and none that visible figures give away.

The attacker here is independent of allaboard.anonymity: it reads every figure the API shows (all five
cuts of % formally trained), knows who is in which group (the organisation chart and job roles are no
secret), and asks with least squares whether a small group's or one person's count is a linear
combination of the visible figures. If it is, the suppression failed.
"""

from datetime import date, timedelta

import numpy as np
import pytest
from django.test import override_settings

from allaboard.capability import services
from allaboard.capability.tests.factories import (
    CoachingConversationFactory,
    CompletionFactory,
    DecisionRightFactory,
    DecisionUseFactory,
    FormalCourseFactory,
)
from allaboard.org.models import Person, Role, Unit, UnitKind
from allaboard.org.tests.factories import JobRoleFactory, PersonFactory, UnitFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("k5")]
K = 5
CUTS = ["organisation", "site", "partner", "team", "role"]


@pytest.fixture
def k5():
    with override_settings(ALLABOARD_MIN_GROUP_SIZE=K):
        yield


def _team(org, code: str, size: int, site: str = "LDS") -> Unit:
    department = Unit.objects.get(code=f"{site}-D1")
    team = UnitFactory(code=code, name=code, parent=department)
    PersonFactory.create_batch(size, unit=team)
    return team


def _train_everyone_but(every_other: int = 2) -> None:
    """Completions for some people, so that the counts differ between groups."""
    course = FormalCourseFactory()
    for i, person in enumerate(Person.objects.order_by("pk")):
        if i % every_other == 0:
            CompletionFactory(person=person, course=course, completed_on=date.today() - timedelta(days=3))
    services.refresh_formal_training()


def _members(cut: str, key: str) -> set[int]:
    """Who is in a group, worked out from the organisation chart as an outsider would."""
    units = {u.pk: u for u in Unit.objects.all()}

    def site_of(person):
        chain = [units[int(p)] for p in person.unit.path.split(".") if p]
        return next((u for u in reversed(chain) if u.kind in (UnitKind.SITE, UnitKind.PARTNER)), None)

    people = list(Person.objects.select_related("unit"))
    if cut == "organisation":
        return {p.pk for p in people}
    if cut == "role":
        role = None if key == "role:none" else int(key[5:])
        return {p.pk for p in people if p.job_role_id == role}
    if cut == "team":
        if key == "other":
            return {p.pk for p in people if p.unit.kind != UnitKind.TEAM}
        return {p.pk for p in people if p.unit_id == int(key[5:])}
    if key == "own":
        return {p.pk for p in people if not (site_of(p) and site_of(p).kind == UnitKind.PARTNER)}
    if key == "unit:none":
        return {p.pk for p in people if site_of(p) is None}
    return {p.pk for p in people if site_of(p) and site_of(p).pk == int(key[5:])}


def _visible(client) -> list[tuple[set[int], int]]:
    """Every (members, trained) the API shows today, over all cuts."""
    shown = []
    for cut in CUTS:
        body = client.get("/api/v1/capability/metrics/percent-trained", {"by": cut, "months": 1}).json()
        for group in body["groups"]:
            if group["trained"][-1] is not None and group["active"][-1]:
                shown.append((_members(cut, group["key"]), group["trained"][-1]))
    return shown


def _derivable(target: set[int], shown: list[tuple[set[int], int]]) -> bool:
    """Whether the indicator of `target` is a linear combination of the visible groups' indicators."""
    people = sorted(Person.objects.values_list("pk", flat=True))
    index = {pk: i for i, pk in enumerate(people)}
    rows = np.zeros((len(shown), len(people)))
    for r, (members, _n) in enumerate(shown):
        rows[r, [index[m] for m in members]] = 1
    goal = np.zeros(len(people))
    goal[[index[m] for m in target]] = 1
    coefficients, *_ = np.linalg.lstsq(rows.T, goal, rcond=None)
    return bool(np.allclose(rows.T @ coefficients, goal, atol=1e-6))


def _assert_nothing_small_derivable(shown, small_groups: list[set[int]]) -> None:
    for person in Person.objects.values_list("pk", flat=True):
        assert not _derivable({person}, shown), f"person {person} can be worked out"
    for group in small_groups:
        assert not _derivable(group, shown), f"a group of {len(group)} can be worked out"


def test_a_team_below_the_minimum_shows_no_trained_figure(client_for, org):
    small = _team(org, "LDS-T3", 3)
    _train_everyone_but()
    body = (
        client_for(Role.CHANGE_LEAD).get("/api/v1/capability/metrics/percent-trained", {"by": "team"}).json()
    )
    group = next(g for g in body["groups"] if g["key"] == f"unit:{small.pk}")
    assert group["active"][-1] == 3
    assert group["trained"][-1] is None and group["percent"][-1] is None


def test_the_small_team_cannot_be_worked_out_as_its_site_minus_its_siblings(client_for, org):
    """Leeds = its three teams; Leeds and two teams visible would give the third away."""
    small = _team(org, "LDS-T3", 3)
    _train_everyone_but()
    shown = _visible(client_for(Role.CHANGE_LEAD))
    leeds = _members("site", f"unit:{org.sites['LDS'].pk}")
    siblings = [_members("team", f"unit:{org.teams[c].pk}") for c in ("LDS-T1", "LDS-T2")]
    visible = [members for members, _ in shown]
    assert not (leeds in visible and all(s in visible for s in siblings)), "complementary suppression missing"
    _assert_nothing_small_derivable(shown, [_members("team", f"unit:{small.pk}")])


def test_a_small_partner_cannot_be_worked_out_from_own_staff_and_the_total(client_for, org):
    partner = UnitFactory(code="TINY", name="Tiny partner", kind=UnitKind.PARTNER, parent=org.root)
    PersonFactory.create_batch(2, unit=UnitFactory(code="TINY-T1", name="Tiny team", parent=partner))
    _train_everyone_but()
    shown = _visible(client_for(Role.SPONSOR))
    _assert_nothing_small_derivable(shown, [_members("partner", f"unit:{partner.pk}")])


def test_small_job_roles_cannot_be_worked_out_from_the_other_roles(client_for, org):
    """The fixture has one director and one change lead: two roles of one person each."""
    _train_everyone_but(every_other=3)
    shown = _visible(client_for(Role.ADMIN))
    small_roles = [
        _members("role", f"role:{role.pk}")
        for role in [JobRoleFactory(name="Director"), JobRoleFactory(name="Change lead")]
    ]
    assert all(len(group) == 1 for group in small_roles)
    _assert_nothing_small_derivable(shown, small_roles + [_members("team", "other")])


def test_a_person_in_a_new_site_with_no_team_is_not_given_away(client_for, org):
    site = UnitFactory(code="NEW", name="New site", kind=UnitKind.SITE, parent=org.root)
    PersonFactory.create_batch(4, unit=site)
    PersonFactory.create_batch(6, unit=UnitFactory(code="NEW-T1", name="New team", parent=site))
    _train_everyone_but()
    shown = _visible(client_for(Role.CHANGE_LEAD))
    _assert_nothing_small_derivable(shown, [{p.pk for p in Person.objects.filter(unit=site)}])


def test_large_groups_stay_visible(client_for, org):
    # The fixture's head office (director and change lead) is two people: it would hide a site (total minus
    # the sites), so give it five more.
    PersonFactory.create_batch(5, unit=org.root)
    _train_everyone_but()
    body = (
        client_for(Role.CHANGE_LEAD).get("/api/v1/capability/metrics/percent-trained", {"by": "team"}).json()
    )
    teams = [g for g in body["groups"] if g["key"] != "other"]
    assert len(teams) == 6 and all(g["trained"][-1] is not None for g in teams)


def test_a_team_leader_of_a_small_team_sees_no_figure_on_the_home_panel(client, org):
    small = _team(org, "LDS-T3", 3)
    leader = PersonFactory(unit=small)
    small.leader = leader
    small.save()
    _train_everyone_but()
    from allaboard.org.tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.TEAM_LEADER, person=leader))
    page = client.get("/").content.decode()
    assert "Too few people in your scope to show" in page
    body = client.get("/api/v1/capability/metrics/percent-trained").json()
    assert body["groups"][0]["active"][-1] == 4 and body["groups"][0]["trained"][-1] is None


def test_the_dashboard_marks_hidden_groups(client_for, org):
    _team(org, "LDS-T3", 3)
    _train_everyone_but()
    page = client_for(Role.SPONSOR).get("/capability/", {"by": "team"}).content.decode()
    assert "LDS-T3" in page and "Too few people to show" in page


# --- coaching coverage and decision autonomy --------------------------------------------------------------


def test_coverage_hides_a_small_team_and_one_more_so_the_total_does_not_give_it_away(client_for, org):
    small = _team(org, "LDS-T3", 3)
    coach = org.teams["LDS-T1"].leader
    for person in Person.objects.filter(unit__kind=UnitKind.TEAM).exclude(led_units__isnull=False)[::2]:
        CoachingConversationFactory(person=person, coach=coach, held_on=date.today() - timedelta(days=1))
    rows = client_for(Role.SPONSOR).get("/api/v1/capability/coaching/coverage").json()
    hidden = [r for r in rows if r["hidden"]]
    assert any(r["unit_id"] == small.pk for r in hidden)
    assert all(r["coached"] is None and r["share"] is None and r["open_actions"] is None for r in hidden)
    # The page shows the total: the hidden teams together must hold at least k people.
    assert len(hidden) >= 2 and sum(r["people"] for r in hidden) >= K
    page = client_for(Role.SPONSOR).get("/capability/coaching/coverage/").content.decode()
    assert "Too few people to show" in page


def test_coverage_total_is_hidden_when_all_teams_together_are_too_few(org):
    report = services.coaching_coverage(Unit.objects.filter(code="LDS-T1"), days=30)
    assert report.people == 5 and report.coached == 0
    tiny = _team(org, "LDS-T3", 2)
    report = services.coaching_coverage(Unit.objects.filter(pk=tiny.pk), days=30)
    assert report.coached is None and report.share is None and report.rows[0].hidden


def test_decision_report_hides_a_team_below_the_minimum(client_for, org):
    small = _team(org, "LDS-T3", 3)
    agent = Person.objects.filter(unit=small).first()
    right = DecisionRightFactory(job_role=agent.job_role, name="Goodwill credit")
    DecisionUseFactory(right=right, person=agent)
    DecisionUseFactory(right=right, person=org.users[Role.EMPLOYEE].person)
    rows = {
        r["unit_id"]: r for r in client_for(Role.CHANGE_LEAD).get("/api/v1/capability/decision-report").json()
    }
    assert rows[small.pk]["hidden"] and rows[small.pk]["uses"] is None and rows[small.pk]["people"] == 3
    lds1 = rows[org.teams["LDS-T1"].pk]
    assert not lds1["hidden"] and lds1["uses"] == 1
    page = client_for(Role.CHANGE_LEAD).get("/capability/decisions/report/").content.decode()
    assert "Too few people to show" in page
