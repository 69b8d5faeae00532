"""Sending a wave through the comms worker, end to end: a real SMTP server (aiosmtpd) receives every
email, a real HTTP server stands in for the chat webhooks, and the links in what arrives are followed."""

import datetime
import re

import pytest
from django.utils import timezone

from allaboard.comms.delivery import dispatch_due
from allaboard.comms.models import ChatChannel, Delivery, DeliveryState
from allaboard.listening import services
from allaboard.listening.models import Invitation, TeamLink, Wave, WaveStatus
from allaboard.org.models import Person, UnitKind

LINK = re.compile(r"http://\S+/listening/a/([\w-]+)/")


def link_in(message) -> str:
    """The one-time token in an email received by the SMTP server."""
    [token] = set(LINK.findall(message.get_body(("plain",)).get_content()))
    return token


def by_recipient(smtp_server) -> dict[str, object]:
    return {message["To"]: message for message in smtp_server.messages}


def start_pulse(org, **data):
    today = timezone.localdate()
    survey = services.create_survey(
        org.users["change_lead"], {"name": "Desk pulse", "instruments": ["adkar", "open"], **data}
    )
    wave = services.schedule_wave(org.users["change_lead"], survey, today, today + datetime.timedelta(days=9))
    services.open_wave(wave, today)
    wave.refresh_from_db()
    return survey, wave


def test_opening_a_wave_emails_everyone_in_the_audience_their_own_link(org, smtp_server):
    survey, wave = start_pulse(org)
    people = set(Person.objects.exclude(email="").values_list("email", flat=True))
    received = by_recipient(smtp_server)
    assert set(received) == people
    tokens = {link_in(m) for m in received.values()}
    assert len(tokens) == len(people)  # one link per person
    assert Delivery.objects.filter(purpose="survey_invitation", state=DeliveryState.SENT).count() == len(
        people
    )


def test_the_emailed_link_opens_the_answer_page_with_what_managers_can_see(org, smtp_server, client):
    start_pulse(org)
    message = by_recipient(smtp_server)[org.people_in("LDS-T1")[0].email]
    body = message.get_body(("plain",)).get_content()
    assert "What your manager can see" in body and "at least 5 people" in body
    page = client.get(f"/listening/a/{link_in(message)}/")
    assert page.status_code == 200
    assert "What your manager can and cannot see" in page.content.decode()


def test_the_audience_is_the_chosen_units_and_roles_and_partner_staff_can_be_left_out(org, smtp_server):
    leeds = org.sites["LDS"]
    start_pulse(org, audience_unit_ids=[leeds.pk])
    expected = {p.email for p in Person.objects.filter(unit__path__startswith=leeds.path)}
    assert set(by_recipient(smtp_server)) == expected

    smtp_server.messages.clear()
    role = org.people_in("GLA-T1")[0].job_role
    start_pulse(org, audience_role_ids=[role.pk])
    assert set(by_recipient(smtp_server)) == set(
        Person.objects.filter(job_role=role).values_list("email", flat=True)
    )


def test_partner_staff_are_left_out_when_asked(org, smtp_server):
    start_pulse(org, include_partner=False)
    partner = org.sites["APX"]
    assert partner.kind == UnitKind.PARTNER
    received = set(by_recipient(smtp_server))
    assert received and not received & {
        p.email for p in Person.objects.filter(unit__path__startswith=partner.path)
    }


def test_a_temporary_smtp_failure_is_retried_and_the_retried_email_carries_the_working_link(org, smtp_server):
    smtp_server.fail_next(1)
    survey, wave = start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    failed = Delivery.objects.get(state=DeliveryState.FAILED)
    assert "451" in failed.last_error  # shown on the deliveries page, with its error
    assert failed.purpose == "survey_invitation" and failed.due_at > timezone.now()
    person = failed.person
    assert person.email not in by_recipient(smtp_server)

    dispatch_due(now=failed.due_at)
    failed.refresh_from_db()
    assert failed.state == DeliveryState.SENT and failed.attempts == 2
    token = link_in(by_recipient(smtp_server)[person.email])
    state = services.personal_link(token, timezone.localdate())
    assert state.kind == services.ANSWER and state.invitation.person == person


def test_an_address_the_server_refuses_is_given_up_and_shown_as_dead(org, smtp_server, client_for):
    person = org.people_in("LDS-T1")[0]
    smtp_server.refuse(person.email)
    start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    dead = Delivery.objects.get(person=person, purpose="survey_invitation")
    assert dead.state == DeliveryState.DEAD and "refused" in dead.last_error
    page = client_for("change_lead").get("/comms/deliveries/?purpose=survey_invitation&state=dead")
    assert page.status_code == 200 and person.full_name in page.content.decode()


def test_failed_invitations_are_counted_on_the_wave_page_for_those_who_run_it(org, smtp_server, client_for):
    person = org.people_in("LDS-T1")[0]
    smtp_server.refuse(person.email)
    survey, wave = start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    page = client_for("change_lead").get(f"/listening/waves/{wave.pk}/participation/").content.decode()
    assert "1 could not be delivered" in page
    assert "5 delivered" in page


def test_a_new_link_replaces_the_old_one(org, smtp_server):
    survey, wave = start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    invitation = Invitation.objects.filter(wave=wave).select_related("person").first()
    first = link_in(by_recipient(smtp_server)[invitation.person.email])
    smtp_server.messages.clear()
    services.resend_invitation(org.users["change_lead"], invitation)
    second = link_in(by_recipient(smtp_server)[invitation.person.email])
    today = timezone.localdate()
    assert services.personal_link(first, today).kind == services.INVALID
    assert services.personal_link(second, today).kind == services.ANSWER


def test_reminders_go_only_to_people_who_have_not_answered(org, smtp_server):
    survey, wave = start_pulse(org, audience_unit_ids=[org.sites["LDS"].pk])
    received = by_recipient(smtp_server)
    answered = Invitation.objects.filter(wave=wave).select_related("person").order_by("pk")[:4]
    today = timezone.localdate()
    for invitation in answered:
        state = services.personal_link(link_in(received[invitation.person.email]), today)
        services.submit(state, {f"q{survey.questions.first().pk}": "4"}, today)
    smtp_server.messages.clear()

    day = services.reminder_days(wave)[0]
    assert services.send_reminders(wave, day) == 8
    reminded = set(by_recipient(smtp_server))
    assert not reminded & {i.person.email for i in answered}
    assert reminded == set(
        Invitation.objects.filter(wave=wave, responded=False).values_list("person__email", flat=True)
    )
    assert all(m["Subject"].startswith("Reminder:") for m in smtp_server.messages)


def test_nobody_can_list_who_was_reminded(org, smtp_server, client_for):
    survey, wave = start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    [first, *others] = Invitation.objects.filter(wave=wave).select_related("person").order_by("pk")
    today = timezone.localdate()
    token = link_in(by_recipient(smtp_server)[first.person.email])
    services.submit(services.personal_link(token, today), {f"q{survey.questions.first().pk}": "4"}, today)
    smtp_server.refuse(others[0].person.email)
    services.send_reminders(wave, services.reminder_days(wave)[0])
    assert Delivery.objects.filter(purpose="survey_reminder").count() == 5
    client = client_for("change_lead")
    page = client.get("/comms/deliveries/?purpose=survey_reminder").content.decode()
    assert not any(i.person.full_name in page for i in others)
    api = client.get("/api/v1/comms/deliveries?purpose=survey_reminder").json()
    assert api == []
    wave_page = client.get(f"/listening/waves/{wave.pk}/participation/").content.decode()
    assert "Reminders: 4 delivered, 1 could not be delivered" in wave_page


def test_a_reminder_day_sends_once_however_often_the_worker_runs(org, smtp_server):
    survey, wave = start_pulse(org, audience_unit_ids=[org.teams["LDS-T1"].pk])
    smtp_server.messages.clear()
    day = services.reminder_days(wave)[0]
    services.advance(day)
    services.advance(day)
    assert len(smtp_server.messages) == 6
    assert services.send_reminders(wave, wave.opens) == 0  # not a reminder day


def test_the_worker_opens_a_scheduled_wave_on_its_day_and_closes_it_after(org, smtp_server):
    today = timezone.localdate()
    lead = org.users["change_lead"]
    later = services.create_survey(lead, {"name": "Later", "instruments": ["adkar"]})
    future = services.schedule_wave(lead, later, today + datetime.timedelta(days=3))
    survey = services.create_survey(lead, {"name": "Today", "instruments": ["adkar"]})
    wave = services.schedule_wave(lead, survey, today)
    assert wave.status == WaveStatus.SCHEDULED and not smtp_server.messages
    assert services.advance(today)["opened"] == 1
    wave.refresh_from_db()
    future.refresh_from_db()
    assert wave.status == WaveStatus.OPEN and future.status == WaveStatus.SCHEDULED
    assert len(smtp_server.messages) == Invitation.objects.filter(wave=wave).count() == 38
    services.advance(wave.closes + datetime.timedelta(days=1))
    wave.refresh_from_db()
    assert wave.status == WaveStatus.CLOSED and wave.published


def test_a_recurring_pulse_schedules_its_next_wave_every_four_weeks(org, smtp_server):
    survey, wave = start_pulse(org, recurrence_weeks=4, window_days=7)
    services.advance(wave.closes + datetime.timedelta(days=1))
    second = Wave.objects.get(survey=survey, number=2)
    assert second.opens == wave.opens + datetime.timedelta(weeks=4)
    assert second.closes == second.opens + datetime.timedelta(days=6)
    services.advance(second.opens)
    second.refresh_from_db()
    assert second.status == WaveStatus.OPEN
    assert Invitation.objects.filter(wave=second).count() == Invitation.objects.filter(wave=wave).count()
    services.advance(second.closes + datetime.timedelta(days=1))
    assert Wave.objects.filter(survey=survey).count() == 3


def test_a_one_off_survey_schedules_no_next_wave(org, smtp_server):
    survey, wave = start_pulse(org)
    services.advance(wave.closes + datetime.timedelta(days=1))
    assert list(Wave.objects.filter(survey=survey).values_list("number", flat=True)) == [1]


# --- people without email: team links and their QR page ---------------------------------------------


def test_people_without_email_get_a_team_link_sized_to_them(org, smtp_server):
    team = org.teams["GLA-T2"]
    Person.objects.filter(pk__in=[p.pk for p in org.people_in("GLA-T2")[:3]]).update(email=None)
    survey, wave = start_pulse(org)
    link = TeamLink.objects.get(wave=wave)
    assert link.unit == team and link.capacity == 3
    assert Invitation.objects.filter(wave=wave, unit=team).count() == 3


def test_the_qr_page_draws_the_team_link_for_the_team_leader_and_no_one_outside(org, smtp_server, client_for):
    Person.objects.filter(pk__in=[p.pk for p in org.people_in("LDS-T1")[:2]]).update(email=None)
    Person.objects.filter(pk__in=[p.pk for p in org.people_in("GLA-T1")[:2]]).update(email=None)
    survey, wave = start_pulse(org)
    mine = TeamLink.objects.get(wave=wave, unit=org.teams["LDS-T1"])
    theirs = TeamLink.objects.get(wave=wave, unit=org.teams["GLA-T1"])
    leader = client_for("team_leader")
    page = leader.get(f"/listening/team-links/{mine.pk}/print/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "/listening/t/" in html
    team_url = re.search(r"(http://\S+/listening/t/[\w-]+/)", html).group(1)
    assert leader.get(team_url.split("8000", 1)[-1]).status_code == 200
    assert leader.get(f"/listening/team-links/{theirs.pk}/print/").status_code == 403
    listing = leader.get(f"/listening/waves/{wave.pk}/team-links/").content.decode()
    assert org.teams["LDS-T1"].name in listing and org.teams["GLA-T1"].name not in listing


# --- the chat channel: announcements with the team link, never a personal link -----------------------


def test_waves_are_announced_in_each_teams_chat_channel_with_its_team_link(org, smtp_server, webhook_server):
    team = org.teams["LDS-T1"]
    ChatChannel.objects.create(
        unit=team, kind="slack", name="#lds-1", webhook_url=webhook_server.url("/lds1")
    )
    ChatChannel.objects.create(
        unit=org.teams["GLA-T1"], kind="teams", name="GLA 1", webhook_url=webhook_server.url("/gla1")
    )
    Person.objects.filter(pk=org.people_in("LDS-T1")[0].pk).update(email=None)
    survey, wave = start_pulse(org, announce_in_chat=True)
    [slack] = webhook_server.posts_to("/lds1")
    [teams] = webhook_server.posts_to("/gla1")
    text = slack.json["text"] + str(slack.json["blocks"])
    assert "Desk pulse" in text and "/listening/t/" in text and "/listening/a/" not in text
    assert "/listening/a/" not in str(teams.json) and "Desk pulse" in str(teams.json)

    smtp_server.messages.clear()
    services.send_reminders(wave, services.reminder_days(wave)[0])
    assert len(webhook_server.posts_to("/lds1")) == 2
    assert "Reminder" in str(webhook_server.posts_to("/lds1")[1].json["blocks"])


def test_a_failing_chat_channel_is_retried_and_does_not_hold_back_the_emails(
    org, smtp_server, webhook_server
):
    team = org.teams["LDS-T1"]
    ChatChannel.objects.create(
        unit=team, kind="slack", name="#lds-1", webhook_url=webhook_server.url("/lds1")
    )
    webhook_server.respond("/lds1", 503, "busy")
    start_pulse(org, announce_in_chat=True, audience_unit_ids=[team.pk])
    assert len(smtp_server.messages) == 6
    failed = Delivery.objects.get(purpose="survey_announcement")
    assert failed.state == DeliveryState.FAILED and "503" in failed.last_error
    webhook_server.respond("/lds1", 200, "ok")
    dispatch_due(now=failed.due_at)
    failed.refresh_from_db()
    assert failed.state == DeliveryState.SENT and len(webhook_server.posts_to("/lds1")) == 2


@pytest.mark.parametrize("announce", [False])
def test_without_chat_announcements_nothing_is_posted(org, smtp_server, webhook_server, announce):
    ChatChannel.objects.create(
        unit=org.teams["LDS-T1"], kind="slack", name="#lds-1", webhook_url=webhook_server.url("/lds1")
    )
    start_pulse(org, announce_in_chat=announce)
    assert webhook_server.posts == []
