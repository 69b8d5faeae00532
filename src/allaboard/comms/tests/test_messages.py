"""Messages to audiences through every channel, scheduling, the frequency cap across programmes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from allaboard.comms import services
from allaboard.comms.delivery import dispatch_due
from allaboard.comms.models import Delivery, Message, MessageStatus
from allaboard.comms.tests.factories import ChatChannelFactory, MessageFactory
from allaboard.errors import InputError
from allaboard.org.models import AuditEntry, JobRole, Person

pytestmark = pytest.mark.django_db


def _message(org, **fields):
    fields.setdefault("channels", ["email", "feed"])
    message = MessageFactory(**fields)
    return message


def test_a_message_to_a_site_reaches_everyone_there_by_email_and_feed(org, smtp_server):
    message = _message(org)
    message.audience_units.set([org.sites["LDS"]])
    services.send_message(message, org.users["change_lead"])
    leeds = set(
        Person.objects.filter(unit__path__startswith=org.sites["LDS"].path).values_list("email", flat=True)
    )
    assert set(smtp_server.recipients()) == leeds and len(leeds) == 12
    assert Delivery.objects.filter(channel="feed", state="sent").count() == 12
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.sent_at


def test_email_carries_the_message_and_a_tracked_link_but_stores_no_body(org, smtp_server):
    message = _message(org, channels=["email"], subject="Why we change", body="Customers repeat themselves.")
    message.audience_units.set([org.teams["GLA-T1"]])
    services.send_message(message, org.users["change_lead"])
    email = smtp_server.messages[0]
    assert email["Subject"] == "Why we change"
    text = email.get_body(("plain",)).get_content()
    assert "Customers repeat themselves." in text and "/comms/c/" in text
    assert "/comms/o/" in email.get_body(("html",)).get_content()  # open-tracking pixel
    assert set(Delivery.objects.values_list("text", flat=True)) == {""}


def test_chat_channels_of_the_audience_teams_get_one_post_each(org, webhook_server):
    ChatChannelFactory(unit=org.teams["LDS-T1"], kind="slack", webhook_url=webhook_server.url("/slack/lds1"))
    ChatChannelFactory(unit=org.teams["LDS-T2"], kind="teams", webhook_url=webhook_server.url("/teams/lds2"))
    ChatChannelFactory(unit=org.teams["GLA-T1"], kind="slack", webhook_url=webhook_server.url("/slack/gla1"))
    message = _message(org, channels=["slack", "teams"], subject="Go-live Monday")
    message.audience_units.set([org.sites["LDS"]])
    services.send_message(message, org.users["change_lead"])
    assert sorted(p.path for p in webhook_server.posts) == ["/slack/lds1", "/teams/lds2"]
    slack = webhook_server.posts_to("/slack/lds1")[0].json
    assert slack["blocks"][0]["text"]["text"] == "Go-live Monday"
    assert "/comms/m/" in slack["blocks"][-1]["text"]["text"]
    teams = webhook_server.posts_to("/teams/lds2")[0].json
    assert teams["attachments"][0]["content"]["body"][0]["text"] == "Go-live Monday"


def test_a_broken_team_channel_does_not_stop_the_email_or_the_other_channel(org, smtp_server, webhook_server):
    webhook_server.respond("/slack/broken", 500, "oops")
    ChatChannelFactory(
        unit=org.teams["LDS-T1"], kind="slack", webhook_url=webhook_server.url("/slack/broken")
    )
    ChatChannelFactory(unit=org.teams["LDS-T1"], kind="teams", webhook_url=webhook_server.url("/teams/ok"))
    message = _message(org, channels=["email", "slack", "teams"])
    message.audience_units.set([org.teams["LDS-T1"]])
    services.send_message(message, org.users["change_lead"])
    states = dict(services.deliveries_of(message).exclude(channel="email").values_list("channel", "state"))
    assert states == {"slack": "failed", "teams": "sent"}
    assert len(smtp_server.messages) == 6


def test_a_message_for_some_job_roles_reaches_only_them_and_skips_team_chat(org, smtp_server, webhook_server):
    ChatChannelFactory(unit=org.teams["LDS-T1"], webhook_url=webhook_server.url("/slack/lds1"))
    leaders = JobRole.objects.get(name="Team leader")
    message = _message(org, channels=["email", "slack"])
    message.audience_roles.set([leaders])
    services.send_message(message, org.users["change_lead"])
    assert len(smtp_server.messages) == 6  # the six team leaders
    assert webhook_server.posts == []


def test_leavers_are_not_in_the_audience(org, smtp_server):
    leaver = org.people_in("GLA-T2")[1]
    leaver.end_date = timezone.localdate() - timedelta(days=1)
    leaver.save()
    message = _message(org, channels=["email"])
    message.audience_units.set([org.teams["GLA-T2"]])
    services.send_message(message, org.users["change_lead"])
    assert leaver.email not in smtp_server.recipients() and len(smtp_server.messages) == 5


def test_a_scheduled_message_goes_out_at_its_time(org, smtp_server):
    message = _message(org, channels=["email", "feed"])
    message.audience_units.set([org.teams["APX-T1"]])
    when = timezone.now() + timedelta(days=3)
    services.send_message(message, org.users["change_lead"], send_at=when)
    assert message.status == MessageStatus.SCHEDULED and not smtp_server.messages
    assert services.feed_for(org.people_in("APX-T1")[0]) == []
    services.sweep(now=when)
    message.refresh_from_db()
    assert len(smtp_server.messages) == 6 and message.status == MessageStatus.SENT
    assert len(services.feed_for(org.people_in("APX-T1")[0])) == 1


def test_unscheduling_puts_the_message_back_to_draft_and_sends_nothing(org, smtp_server):
    message = _message(org)
    services.send_message(message, org.users["change_lead"], send_at=timezone.now() + timedelta(days=1))
    services.unschedule_message(message, org.users["change_lead"])
    dispatch_due(now=timezone.now() + timedelta(days=2))
    assert message.status == MessageStatus.DRAFT and not smtp_server.messages
    assert not services.deliveries_of(message).exists()


def test_only_a_draft_can_be_sent(org, smtp_server):
    message = _message(org, status=MessageStatus.SENT)
    with pytest.raises(InputError):
        services.send_message(message, org.users["change_lead"])


def test_the_cap_holds_a_programmes_fifth_message_in_a_week_across_programmes(org, smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 4
    person = org.people_in("LDS-T2")[2]
    for _ in range(5):  # two programmes' messages, all to the same team
        message = _message(org, channels=["email"])
        message.audience_units.set([org.teams["LDS-T2"]])
        services.send_message(message, org.users["change_lead"])
    states = list(Delivery.objects.filter(person=person).order_by("pk").values_list("state", flat=True))
    assert states == ["sent"] * 4 + ["held"]


def test_an_essential_message_is_not_held(org, smtp_server, settings):
    settings.ALLABOARD_COMMS_CAP_MESSAGES = 1
    for essential in (False, True):
        message = _message(org, channels=["email"], essential=essential)
        message.audience_units.set([org.teams["LDS-T2"]])
        services.send_message(message, org.users["change_lead"])
    assert len(smtp_server.messages) == 12


def test_team_leaders_address_only_their_own_teams(org):
    lead = org.users["team_leader"]
    data = {"subject": "Huddle", "body": "Stand-up at 9.", "channels": ["feed"]}
    with pytest.raises(InputError) as error:
        services.save_message(Message(), data | {"unit_ids": [org.teams["GLA-T1"].pk]}, lead)
    assert error.value.field == "unit_ids"
    with pytest.raises(InputError):
        services.save_message(Message(), data, lead)  # the whole organisation
    message = services.save_message(Message(), data | {"unit_ids": [org.teams["LDS-T1"].pk]}, lead)
    assert list(message.audience_units.all()) == [org.teams["LDS-T1"]]


def test_only_change_leads_and_admins_send_essential_messages(org):
    data = {"subject": "Outage", "body": "The desk is down.", "channels": ["feed"], "essential": True}
    with pytest.raises(InputError) as error:
        services.save_message(Message(), data, org.users["sponsor"])
    assert error.value.field == "essential"
    assert services.save_message(Message(), data, org.users["change_lead"]).essential


@pytest.mark.parametrize(
    "data, field",
    [
        ({"subject": "", "body": "x", "channels": ["feed"]}, "subject"),
        ({"subject": "x", "body": " ", "channels": ["feed"]}, "body"),
        ({"subject": "x", "body": "y", "channels": []}, "channels"),
        ({"subject": "x", "body": "y", "channels": ["pigeon"]}, "channels"),
        ({"subject": "x", "body": "y", "channels": ["feed"], "unit_ids": [999999]}, "unit_ids"),
        ({"subject": "x", "body": "y", "channels": ["feed"], "programme_id": 999999}, "programme_id"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_written(org, data, field):
    with pytest.raises(InputError) as error:
        services.save_message(Message(), data, org.users["change_lead"])
    assert error.value.field == field
    assert not Message.objects.exists()


def test_saving_and_sending_are_in_the_audit_log(org, smtp_server):
    message = services.save_message(
        Message(), {"subject": "Hello", "body": "World", "channels": ["email"]}, org.users["change_lead"]
    )
    services.save_message(message, {"subject": "Hello again"}, org.users["change_lead"])
    services.send_message(message, org.users["change_lead"])
    actions = list(
        AuditEntry.objects.filter(object_type="comms.Message").order_by("pk").values_list("action", "changes")
    )
    assert [a for a, _ in actions] == ["create", "update", "send"]
    assert actions[1][1] == {"subject": ["Hello", "Hello again"]}


def test_deliveries_are_made_by_the_worker_and_only_once(org, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    from django_tasks import default_task_backend

    message = _message(org, channels=["feed"])
    message.audience_units.set([org.teams["LDS-T1"]])
    services.send_message(message, org.users["change_lead"])
    assert not services.deliveries_of(message).exists()  # nothing heavy in the request
    assert [r.task.name for r in default_task_backend.results] == ["create_message_deliveries"]
    assert services.create_deliveries(message) == 6
    assert services.create_deliveries(message) == 0
    assert services.deliveries_of(message).count() == 6


def test_a_message_that_reaches_nobody_is_refused(org):
    message = _message(org, channels=["slack"])  # no chat channels exist
    with pytest.raises(InputError) as error:
        services.send_message(message, org.users["change_lead"])
    assert error.value.field == "unit_ids" and message.status == MessageStatus.DRAFT
