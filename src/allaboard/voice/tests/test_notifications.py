"""Voice's emails go through comms' delivery to a real SMTP server (aiosmtpd): ideas answered, answers due
and overdue, consultations opened and closed, responses published, kudos received. Anonymous authors are
never written to."""

from datetime import date, timedelta

import pytest

from allaboard.comms.models import Delivery
from allaboard.org.models import Role, User
from allaboard.org.tests.factories import PersonFactory, UserFactory
from allaboard.programmes.tests.factories import ProgrammeFactory
from allaboard.voice import services
from allaboard.voice.models import Consultation, Idea

from .factories import ConsultationFactory, IdeaFactory, IdeaVoteFactory, ServiceValueFactory

MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def no_cap(settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 0  # each test reads every email; the cap is comms' own test
    settings.BASE_URL = "https://aboard.example"


def _to(smtp_server, person):
    return [m for m in smtp_server.messages if m["To"] == person.email]


def test_author_and_voters_are_emailed_the_answer_with_its_reason(org, smtp_server):
    author, voter = PersonFactory(unit=org.teams["LDS-T1"]), PersonFactory(unit=org.teams["GLA-T1"])
    idea = IdeaFactory(author=author, title="Callback slots")
    IdeaVoteFactory(idea=idea, person=voter)
    services.change_status(org.users[Role.CHANGE_LEAD], idea, "accepted", "We will buy the callback tool.")
    for person in (author, voter):
        [message] = _to(smtp_server, person)
        assert message["Subject"] == "Idea accepted: Callback slots"
        body = message.get_content()
        assert "We will buy the callback tool." in body
        assert f"https://aboard.example/voice/ideas/{idea.pk}/" in body
    assert Delivery.objects.filter(channel="email", purpose="voice_idea", state="sent").count() == 2


def test_the_author_of_an_anonymous_idea_is_never_written_to(org, smtp_server):
    author = org.users[Role.EMPLOYEE]
    made = services.submit_idea(author, {"programme": ProgrammeFactory().pk, "title": "Quiet room",
                                         "text": "A quiet room for breaks.", "anonymous": True})  # fmt: skip
    voter = PersonFactory(unit=org.teams["LDS-T2"])
    IdeaVoteFactory(idea=made.idea, person=voter)
    services.change_status(org.users[Role.CHANGE_LEAD], made.idea, "declined", "No room free on the floor.")
    assert [m["To"] for m in smtp_server.messages] == [voter.email]
    assert author.person.full_name not in smtp_server.messages[0].get_content()


def test_change_leads_are_emailed_when_an_answer_is_due_and_when_it_is_overdue(org, smtp_server):
    lead = org.users[Role.CHANGE_LEAD].person
    due = IdeaFactory(
        title="Due tomorrow", created_on=MONDAY - timedelta(days=14), answer_due=MONDAY + timedelta(days=1)
    )
    IdeaFactory(title="Due next week", created_on=MONDAY, answer_due=MONDAY + timedelta(days=7))
    late = IdeaFactory(
        title="Long forgotten", created_on=MONDAY - timedelta(days=30), answer_due=MONDAY - timedelta(days=2)
    )
    assert services.remind_due_soon(MONDAY) == 1
    assert services.remind_due_soon(MONDAY) == 0  # once per idea
    assert services.flag_overdue(MONDAY) == 1
    soon, overdue = _to(smtp_server, lead)
    assert "Due tomorrow" in soon.get_content() and "Due next week" not in soon.get_content()
    assert "Long forgotten" in overdue.get_content() and "past the answer promise" in overdue["Subject"]
    assert Idea.objects.get(pk=due.pk).due_reminded_on == MONDAY
    assert Idea.objects.get(pk=late.pk).overdue_flagged_on == MONDAY


def test_an_idea_answered_in_time_is_not_reminded(org, smtp_server):
    idea = IdeaFactory(created_on=MONDAY - timedelta(days=9), answer_due=MONDAY)
    services.change_status(org.users[Role.CHANGE_LEAD], idea, "under_review", "Costing it.", on=MONDAY)
    smtp_server.messages.clear()
    assert services.remind_due_soon(MONDAY) == 0 and smtp_server.messages == []


def test_the_teams_are_emailed_when_a_consultation_opens_and_when_the_response_is_published(org, smtp_server):
    team = org.teams["LDS-T1"]
    consultation = services.create_consultation(
        org.users[Role.CHANGE_LEAD],
        {"programme": ProgrammeFactory().pk, "title": "Weekend rota", "proposal": "Two weekends in six.",
         "opens": date.today().isoformat(), "closes": (date.today() + timedelta(days=7)).isoformat(),
         "teams": [team.pk]},
    )  # fmt: skip
    members = list(team.members.all())
    assert {m["To"] for m in smtp_server.messages} == {p.email for p in members}
    assert all(m["Subject"] == "Have your say: Weekend rota" for m in smtp_server.messages)
    smtp_server.messages.clear()
    services.publish_response(org.users[Role.CHANGE_LEAD], consultation, "We kept Sundays free.")
    assert {m["To"] for m in smtp_server.messages} == {p.email for p in members}
    assert all("We kept Sundays free." in m.get_content() for m in smtp_server.messages)


def test_the_lead_is_emailed_once_when_the_consultation_closes(org, smtp_server):
    lead_user = org.users[Role.CHANGE_LEAD]
    team = org.teams["LDS-T1"]
    consultation = ConsultationFactory(teams=[team], created_by=lead_user, opens=MONDAY - timedelta(days=7),
                                       closes=MONDAY - timedelta(days=1))  # fmt: skip
    for person in list(team.members.all())[:3]:
        services.give_feedback(_login(person), consultation, {"comment": "Fine by me", "anonymous": True},
                               on=MONDAY - timedelta(days=2))  # fmt: skip
    smtp_server.messages.clear()
    assert services.tell_consultations_closed(MONDAY) == 1
    assert services.tell_consultations_closed(MONDAY) == 0
    [message] = smtp_server.messages
    assert message["To"] == lead_user.person.email
    assert "3 people gave feedback" in message.get_content()
    assert "Tell them what changed" in message.get_content()
    assert Consultation.objects.get(pk=consultation.pk).closed_told_on == MONDAY


def test_a_person_is_emailed_their_kudos_and_a_team_sees_its_own_in_the_feed(org, smtp_server):
    value = ServiceValueFactory(name="Own it")
    colleague = org.teams["LDS-T1"].members.exclude(pk=org.users[Role.EMPLOYEE].person_id).first()
    services.give_kudos(org.users[Role.EMPLOYEE], {"person": colleague.pk, "value": value.pk,
                                                   "message": "Sorted the backlog."})  # fmt: skip
    [message] = smtp_server.messages
    assert message["To"] == colleague.email and "Own it" in message["Subject"]
    assert "Sorted the backlog." in message.get_content()
    smtp_server.messages.clear()
    services.give_kudos(org.users[Role.EMPLOYEE], {"unit": org.teams["GLA-T1"].pk, "value": value.pk,
                                                   "message": "Great week."})  # fmt: skip
    assert smtp_server.messages == []
    assert (
        Delivery.objects.filter(purpose="voice_kudos", channel="feed").count()
        == 1 + org.teams["GLA-T1"].members.count()
    )


def _login(person):
    """The person's login (the org fixture gives some people one already)."""
    found = User.objects.filter(person=person).first()
    return found or UserFactory(person=person, role=Role.EMPLOYEE, username=f"u{person.pk}")
