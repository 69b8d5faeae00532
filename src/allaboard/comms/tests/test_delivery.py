"""The delivery mechanism, end to end through a real SMTP server and a real HTTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from allaboard.comms import delivery
from allaboard.comms.delivery import Rendered, dispatch_due, queue, retry
from allaboard.comms.models import Delivery, DeliveryState
from allaboard.errors import InputError
from allaboard.org.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

SECRET_LINK = "https://aboard.example/s/one-time-4f9a2c"


def render_with_secret(delivery, *, greeting):
    """A renderer like the survey invitation's: the link exists only in what is sent."""
    return Rendered(subject=f"{greeting}, your pulse", text=f"Answer here: {SECRET_LINK}", link=SECRET_LINK)


def broken_renderer(delivery):
    raise RuntimeError("template missing")


def test_email_goes_out_over_real_smtp(smtp_server):
    person = PersonFactory(email="ada@example.com")
    sent = queue(channel="email", purpose="message", person=person, subject="Hello", text="The new desk.")
    sent.refresh_from_db()
    assert sent.state == DeliveryState.SENT and sent.attempts == 1 and sent.sent_at
    [message] = smtp_server.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Hello"
    assert "The new desk." in message.get_content()


def test_renderer_body_is_sent_but_never_stored(smtp_server):
    person = PersonFactory()
    sent = queue(
        channel="email",
        purpose="survey_invitation",
        person=person,
        renderer="allaboard.comms.tests.test_delivery.render_with_secret",
        renderer_args={"greeting": "Hi"},
        essential=True,
    )
    assert SECRET_LINK in smtp_server.messages[0].get_content()
    row = Delivery.objects.filter(pk=sent.pk).values().get()
    assert row["state"] == DeliveryState.SENT
    assert row["subject"] == "Hi, your pulse"
    assert not any(SECRET_LINK in str(value) for value in row.values())


def test_slack_post_has_the_documented_shape(webhook_server):
    url = webhook_server.url("/slack/leeds")
    queue(
        channel="slack",
        purpose="message",
        address=url,
        subject="Go-live <Monday>",
        text="See *you* & the desk",
    )
    [post] = webhook_server.posts_to("/slack/leeds")
    assert post.headers["Content-Type"].startswith("application/json")
    body = post.json
    # The top-level text is mrkdwn like a section: escaped (https://api.slack.com/reference/surfaces/formatting#escaping).
    assert body["text"] == "Go-live &lt;Monday&gt;"
    assert body["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Go-live <Monday>"}}
    section = body["blocks"][1]
    assert section["type"] == "section"
    assert section["text"] == {"type": "mrkdwn", "text": "See *you* &amp; the desk"}


def test_slack_section_text_is_clipped_to_the_block_limit(webhook_server):
    queue(channel="slack", purpose="message", address=webhook_server.url("/s"), text="x" * 5000)
    section = webhook_server.posts[0].json["blocks"][0]
    assert len(section["text"]["text"]) == 3000


def test_slack_top_level_text_cannot_ping_the_channel(webhook_server):
    queue(channel="slack", purpose="message", address=webhook_server.url("/s"), text="<!channel> R&D <@U123>")
    body = webhook_server.posts[0].json
    assert body["text"] == "&lt;!channel&gt; R&amp;D &lt;@U123&gt;"
    assert body["blocks"][0]["text"]["text"] == "&lt;!channel&gt; R&amp;D &lt;@U123&gt;"


def test_slack_clipping_never_cuts_an_escape_in_half(webhook_server):
    queue(channel="slack", purpose="message", address=webhook_server.url("/s"), text="&" * 2000)
    body = webhook_server.posts[0].json
    for text in (body["text"], body["blocks"][0]["text"]["text"]):
        assert len(text) <= 3000 and text.endswith("…")
        assert text[:-1] == "&amp;" * ((len(text) - 1) // 5)


def test_teams_text_shows_as_written_not_as_markdown(webhook_server):
    # Adaptive Card TextBlocks read Markdown and {{DATE()}} functions
    # (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format):
    # the message's own characters are escaped so a name like my_file_v2 or a "[link](url)" shows as typed.
    queue(
        channel="teams",
        purpose="message",
        address=webhook_server.url("/t"),
        subject="**Urgent** [click](http://evil.example)",
        text="- one\n2. two\n{{DATE(2026-01-01T00:00:00Z)}} my_file_v2 a\\b",
    )
    card = webhook_server.posts[0].json["attachments"][0]["content"]
    assert [block["text"] for block in card["body"]] == [
        "\\*\\*Urgent\\*\\* \\[click\\](http://evil.example)",
        "\\- one\n2\\. two\n{\\{DATE(2026-01-01T00:00:00Z)}} my\\_file\\_v2 a\\\\b",
    ]


def test_teams_post_is_an_adaptive_card_message(webhook_server):
    queue(
        channel="teams",
        purpose="message",
        address=webhook_server.url("/teams/glasgow"),
        subject="Training opens",
        text="Book your slot.",
        link="http://127.0.0.1:8000/comms/m/1/",
    )
    body = webhook_server.posts[0].json
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert [block["text"] for block in card["body"]] == ["Training opens", "Book your slot."]
    assert all(block["type"] == "TextBlock" and block["wrap"] for block in card["body"])
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Read it in All Aboard",
            "url": "http://127.0.0.1:8000/comms/m/1/",
        }
    ]


def test_a_failing_channel_does_not_lose_the_message_for_the_others(smtp_server, webhook_server):
    webhook_server.respond("/slack/broken", 500, "internal error")
    person = PersonFactory()
    common = {"purpose": "message", "subject": "Why we change", "text": "Customers repeat themselves."}
    email = queue(channel="email", person=person, **common)
    slack = queue(channel="slack", address=webhook_server.url("/slack/broken"), **common)
    teams = queue(channel="teams", address=webhook_server.url("/teams/ok"), **common)
    states = {d.channel: d.state for d in Delivery.objects.filter(pk__in=[email.pk, slack.pk, teams.pk])}
    assert states == {"email": "sent", "slack": "failed", "teams": "sent"}
    slack.refresh_from_db()
    assert "HTTP 500" in slack.last_error and slack.due_at > timezone.now()
    assert len(smtp_server.messages) == 1 and len(webhook_server.posts_to("/teams/ok")) == 1


def test_failed_delivery_is_retried_when_due_and_then_sent(webhook_server):
    webhook_server.respond("/slack/flaky", 503, "try later")
    failed = queue(channel="slack", purpose="message", address=webhook_server.url("/slack/flaky"), text="Hi")
    failed.refresh_from_db()
    assert failed.state == "failed"
    assert dispatch_due() == 0  # not due yet: back-off
    webhook_server.respond("/slack/flaky", 200, "ok")
    assert dispatch_due(now=failed.due_at) == 1
    failed.refresh_from_db()
    assert failed.state == "sent" and failed.attempts == 2 and failed.last_error == ""


def test_retries_back_off_exponentially_through_the_worker(settings, closed_port_url):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    settings.ALLABOARD_COMMS_RETRY_SECONDS = 60
    settings.ALLABOARD_COMMS_MAX_ATTEMPTS = 3
    from django_tasks import default_task_backend

    pending = queue(channel="teams", purpose="message", address=closed_port_url, text="Hi")
    assert [list(r.args) for r in default_task_backend.results] == [[[pending.pk]]]
    delays = []
    for _ in range(3):
        now = Delivery.objects.get(pk=pending.pk).due_at
        delivery.send_now(pending.pk, now=now)
        row = Delivery.objects.get(pk=pending.pk)
        if row.state == "failed":
            deferred = default_task_backend.results[-1]
            assert deferred.task.run_after == row.due_at
            delays.append((row.due_at - now).total_seconds())
    row = Delivery.objects.get(pk=pending.pk)
    assert delays == [60, 240]
    assert row.state == "dead" and row.attempts == 3 and "unreachable" in row.last_error


def test_a_revoked_webhook_is_not_retried(webhook_server):
    webhook_server.respond("/slack/gone", 404, "no_service")
    dead = queue(channel="slack", purpose="message", address=webhook_server.url("/slack/gone"), text="Hi")
    dead.refresh_from_db()
    assert dead.state == "dead" and "no_service" in dead.last_error


def test_temporary_smtp_failure_is_retried(smtp_server):
    smtp_server.fail_next(1)
    waiting = queue(channel="email", purpose="message", person=PersonFactory(), text="Hi")
    waiting.refresh_from_db()
    assert waiting.state == "failed" and "451" in waiting.last_error
    dispatch_due(now=waiting.due_at)
    waiting.refresh_from_db()
    assert waiting.state == "sent" and len(smtp_server.messages) == 1


def test_refused_address_gives_up_at_once(smtp_server):
    person = PersonFactory(email="nobody@example.com")
    smtp_server.refuse("nobody@example.com")
    dead = queue(channel="email", purpose="message", person=person, text="Hi")
    dead.refresh_from_db()
    assert dead.state == "dead" and "refused" in dead.last_error


def test_a_broken_renderer_fails_the_delivery_instead_of_crashing(smtp_server):
    failed = queue(
        channel="email",
        purpose="message",
        person=PersonFactory(),
        renderer="allaboard.comms.tests.test_delivery.broken_renderer",
    )
    failed.refresh_from_db()
    assert failed.state == "failed" and "template missing" in failed.last_error


def test_a_dead_delivery_can_be_retried_by_hand(webhook_server):
    webhook_server.respond("/slack/x", 404, "no_service")
    dead = queue(channel="slack", purpose="message", address=webhook_server.url("/slack/x"), text="Hi")
    webhook_server.respond("/slack/x", 200, "ok")
    dead.refresh_from_db()
    assert retry(dead).state == "sent"


def test_only_failed_deliveries_can_be_retried(smtp_server):
    sent = queue(channel="email", purpose="message", person=PersonFactory(), text="Hi")
    with pytest.raises(InputError):
        retry(sent)


def test_scheduled_delivery_waits_until_its_time(smtp_server):
    later = timezone.now() + timedelta(days=2)
    waiting = queue(channel="email", purpose="reminder", person=PersonFactory(), text="Hi", send_after=later)
    assert waiting.state == "queued" and not smtp_server.messages
    dispatch_due(now=later)
    waiting.refresh_from_db()
    assert waiting.state == "sent" and len(smtp_server.messages) == 1


def test_feed_delivery_is_visible_at_once():
    shown = queue(channel="feed", purpose="notification", person=PersonFactory(), subject="Your question")
    assert Delivery.objects.get(pk=shown.pk).state == "sent"


def test_email_to_someone_who_has_left_is_not_sent(smtp_server):
    leaver = PersonFactory(end_date=timezone.localdate() - timedelta(days=3))
    dead = queue(channel="email", purpose="message", person=leaver, text="Hi")
    dead.refresh_from_db()
    assert dead.state == "dead" and "left" in dead.last_error and not smtp_server.messages


def test_chat_delivery_is_linked_to_the_channel_team(webhook_server):
    from allaboard.comms.tests.factories import ChatChannelFactory

    channel = ChatChannelFactory(webhook_url=webhook_server.url("/slack/t"))
    posted = queue(channel="slack", purpose="message", address=channel.webhook_url, text="Hi")
    assert posted.unit_id == channel.unit_id


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"channel": "fax", "person": True, "text": "x"}, "channel"),
        ({"channel": "email", "text": "x"}, "person"),
        ({"channel": "feed", "address": "a@example.com", "text": "x"}, "person"),
        ({"channel": "slack", "address": "ftp://x", "text": "x"}, "address"),
        ({"channel": "email", "person": True}, "text"),
        ({"channel": "email", "person": True, "renderer": "no.such.module.render"}, "renderer"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(kwargs, field):
    if kwargs.pop("person", False):
        kwargs["person"] = PersonFactory()
    with pytest.raises(InputError) as error:
        queue(purpose="message", **kwargs)
    assert error.value.field == field
    assert not Delivery.objects.exists()


def test_a_batch_of_emails_shares_one_smtp_connection(smtp_server):
    from allaboard.comms.delivery import queue_many

    people = PersonFactory.create_batch(3)
    queue_many([dict(channel="email", purpose="message", person=p, text="Hi") for p in people])
    assert len(smtp_server.messages) == 3 and smtp_server.connections == 1


def test_after_an_smtp_error_the_batch_reconnects_and_carries_on(smtp_server):
    from allaboard.comms.delivery import queue_many

    smtp_server.fail_next(1)
    people = PersonFactory.create_batch(3)
    batch = queue_many([dict(channel="email", purpose="message", person=p, text="Hi") for p in people])
    states = [Delivery.objects.get(pk=d.pk).state for d in batch]
    assert states == ["failed", "sent", "sent"] and smtp_server.connections == 2
