"""Pages: what each role sees and can do."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allaboard.comms import services
from allaboard.comms.models import Acknowledgement, ChatChannel, Delivery, Message, Question
from allaboard.comms.tests.factories import (
    ChatChannelFactory,
    MessageFactory,
    QuestionFactory,
    deliver_message,
)
from allaboard.org.models import AuditEntry

pytestmark = pytest.mark.django_db


def _received(org, *codes):
    message = MessageFactory(status="sent", subject="Why we are changing the desk")
    for code in codes:
        deliver_message(message, org.people_in(code))
    return message


def test_a_change_lead_writes_and_sends_a_message_from_the_pages(org, client_for, smtp_server):
    client = client_for("change_lead")
    response = client.post(
        reverse("comms:message_new"),
        {
            "stage": "why",
            "subject": "Why the new desk",
            "body": "Customers repeat themselves.",
            "why": "Tell us once.",
            "channels": ["email", "feed"],
            "units": [org.teams["GLA-T1"].pk],
        },
    )
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("comms:message", args=[message.pk])
    response = client.post(reverse("comms:message_send", args=[message.pk]), {"send_at": ""})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 6
    page = client.get(reverse("comms:message", args=[message.pk])).content.decode()
    assert "Reach per team" in page and "GLA Team 1" in page


def test_an_invalid_message_form_says_what_is_wrong(org, client_for):
    response = client_for("change_lead").post(reverse("comms:message_new"), {"subject": "", "channels": []})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_a_team_leader_is_offered_only_their_own_teams(org, client_for):
    page = client_for("team_leader").get(reverse("comms:message_new")).content.decode()
    assert "LDS Team 1" in page and "GLA Team 1" not in page
    assert 'name="essential"' not in page
    assert 'name="essential"' in client_for("change_lead").get(reverse("comms:message_new")).content.decode()


def test_a_recipient_reads_and_acknowledges_with_one_click(org, client_for):
    message = _received(org, "LDS-T1")
    client = client_for("employee")
    page = client.get(reverse("comms:read", args=[message.pk])).content.decode()
    assert "I understand why" in page
    response = client.post(reverse("comms:acknowledge", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert "You understand why" in response.content.decode()
    client.post(reverse("comms:acknowledge", args=[message.pk]))
    assert Acknowledgement.objects.filter(message=message).count() == 1
    assert Delivery.objects.get(person=org.users["employee"].person).opened_at is not None


def test_an_employee_cannot_read_a_message_not_sent_to_them(org, client_for):
    message = _received(org, "GLA-T1")
    assert client_for("employee").get(reverse("comms:read", args=[message.pk])).status_code == 404
    assert client_for("employee").post(reverse("comms:acknowledge", args=[message.pk])).status_code == 404


def test_the_feed_page_shows_my_news_and_marks_it_read(org, client_for):
    message = _received(org, "LDS-T1")
    person = org.users["employee"].person
    page = client_for("employee").get(reverse("comms:feed")).content.decode()
    assert message.subject in page and "new" in page
    assert services.unread_count(person) == 0


def test_the_home_page_shows_the_news_panel(org, client_for):
    message = _received(org, "LDS-T1")
    page = client_for("employee").get(reverse("home")).content.decode()
    assert "News" in page and message.subject in page and "1 new" in page


def test_the_change_lead_home_page_flags_overdue_questions(org, client_for):
    QuestionFactory(asked_on=timezone.localdate() - timedelta(days=30))
    page = client_for("change_lead").get(reverse("home")).content.decode()
    assert "1 question waiting more than 5 days" in page


def test_email_open_pixel_and_click_record_the_open(org, client):
    message = _received(org, "LDS-T1")
    first, second = Delivery.objects.filter(source_id=str(message.pk))[:2]
    response = client.get(reverse("comms:open", args=[first.token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    response = client.get(reverse("comms:click", args=[second.token]))
    assert response["Location"] == reverse("comms:read", args=[message.pk])
    assert Delivery.objects.exclude(opened_at=None).count() == 2


def test_unknown_tracking_tokens_give_nothing_away(client):
    assert client.get(reverse("comms:open", args=["nope"])).status_code == 200
    assert client.get(reverse("comms:click", args=["nope"]))["Location"] == reverse("comms:feed")


def test_reach_table_hides_teams_below_k(org, client_for, settings):
    settings.ALLABOARD_MIN_GROUP_SIZE = 7  # every test team has 6 people
    message = _received(org, "LDS-T1")
    page = client_for("change_lead").get(reverse("comms:message", args=[message.pk])).content.decode()
    assert "fewer than 7 people: not shown" in page


def test_delivery_status_export_neutralises_formulas(org, client_for):
    message = _received(org, "LDS-T1")
    Delivery.objects.filter(source_id=str(message.pk)).update(last_error="=HYPERLINK(1)")
    response = client_for("change_lead").get(reverse("comms:message_csv", args=[message.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["channel", "person", "email"] and len(rows) == 7
    assert all(not row[-1].startswith("=") for row in rows[1:])
    assert AuditEntry.objects.filter(action="export").exists()


def test_failed_deliveries_show_their_error_and_can_be_retried(org, client_for, webhook_server):
    webhook_server.respond("/slack/x", 404, "no_service")
    from allaboard.comms.delivery import queue

    dead = queue(channel="slack", purpose="message", address=webhook_server.url("/slack/x"), text="Hi")
    client = client_for("admin")
    page = client.get(reverse("comms:deliveries") + "?state=dead").content.decode()
    assert "no_service" in page and "Try again now" in page
    webhook_server.respond("/slack/x", 200, "ok")
    client.post(reverse("comms:delivery_retry", args=[dead.pk]))
    dead.refresh_from_db()
    assert dead.state == "sent"


def test_webhook_addresses_are_never_shown_in_full(org, client_for):
    ChatChannelFactory(
        unit=org.teams["LDS-T1"], webhook_url="https://hooks.slack.com/services/T0/B0/supersecrettoken"
    )
    page = client_for("change_lead").get(reverse("comms:channels")).content.decode()
    assert "supersecret" not in page and "hooks.slack.com/…oken" in page


def test_adding_a_chat_channel_is_audited(org, client_for):
    response = client_for("change_lead").post(
        reverse("comms:channels"),
        {
            "unit": org.teams["LDS-T2"].pk,
            "kind": "teams",
            "name": "LDS 2",
            "webhook_url": "https://example.org/wf/1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    channel = ChatChannel.objects.get()
    assert AuditEntry.objects.filter(action="create", object_id=str(channel.pk)).exists()


def test_testing_a_broken_channel_reports_the_error_instead_of_crashing(org, client_for, closed_port_url):
    channel = ChatChannelFactory(unit=org.teams["LDS-T1"], webhook_url=closed_port_url)
    response = client_for("admin").post(reverse("comms:channel_test", args=[channel.pk]), follow=True)
    assert "The test post failed: webhook unreachable" in response.content.decode()


def test_asking_anonymously_shows_a_private_link_once(org, client_for):
    response = client_for("employee").post(
        reverse("comms:ask"), {"text": "Is my job safe after go-live?", "anonymous": "on"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "/comms/questions/receipt/" in page
    question = Question.objects.get()
    assert question.asked_by_id is None and question.anonymous


def test_a_leader_answers_in_public_and_it_appears_in_the_faq(org, client_for):
    question = QuestionFactory(text="Will headsets change?", programme=None)
    client_for("sponsor").post(
        reverse("comms:question", args=[question.pk]), {"answer": "No, you keep yours."}
    )
    page = client_for("employee").get(reverse("comms:faq") + "?q=headsets").content.decode()
    assert "Will headsets change?" in page and "No, you keep yours." in page


def test_an_employee_cannot_open_someone_elses_unanswered_question(org, client_for):
    question = QuestionFactory()
    assert client_for("employee").get(reverse("comms:question", args=[question.pk])).status_code == 404


def test_the_sequence_page_drafts_missing_steps(org, client_for):
    from allaboard.programmes.tests.factories import ProgrammeFactory

    programme = ProgrammeFactory()
    client = client_for("change_lead")
    assert "Missing" in client.get(reverse("comms:sequence", args=[programme.pk])).content.decode()
    client.post(reverse("comms:sequence", args=[programme.pk]))
    assert programme.messages.count() == 6


def test_employees_see_the_faq_only_for_programmes_that_touch_them(org, client_for):
    from allaboard.programmes.tests.factories import ImpactFactory, ProgrammeFactory

    mine, other = ProgrammeFactory(), ProgrammeFactory()
    ImpactFactory(programme=mine, unit=org.sites["LDS"])
    for programme, text in [(mine, "Our desk question?"), (other, "Their canteen question?")]:
        services.answer(
            QuestionFactory(text=text, programme=programme), "Answered.", org.users["change_lead"]
        )
    page = client_for("employee").get(reverse("comms:faq")).content.decode()
    assert "Our desk question?" in page and "Their canteen question?" not in page
