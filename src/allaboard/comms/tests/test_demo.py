"""The comms chapter of the demo story, built on the organisation and programme chapters."""

from datetime import date

import pytest

from allaboard.comms import delivery, services
from allaboard.comms.models import Acknowledgement, ChatChannel, Delivery, Message, Question, Stage
from allaboard.demo import Story


@pytest.fixture
def story(db):
    import random

    from allaboard.comms import demo as comms_demo
    from allaboard.org import demo as org_demo
    from allaboard.programmes import demo as programmes_demo

    story = Story(
        seed=7, size="small", today=date(2026, 3, 2), password="demo-password-1", rng=random.Random(7)
    )
    for chapter in (org_demo, programmes_demo, comms_demo):
        chapter.build(story)
    return story


def test_the_demo_tells_the_whole_comms_story(story, settings):
    desk = story.refs["programme"]
    sent_stages = set(desk.messages.filter(status="sent").values_list("stage", flat=True))
    assert {
        Stage.ANNOUNCE,
        Stage.WHY,
        Stage.WHAT_CHANGES,
        Stage.TRAINING,
        Stage.GO_LIVE,
        Stage.WINS,
    } <= sent_stages
    assert set(
        Delivery.objects.filter(purpose="message", state="sent").values_list("channel", flat=True)
    ) == {
        "email",
        "feed",
        "slack",
        "teams",
    }
    assert (
        Message.objects.filter(status="scheduled").exists()
        and Message.objects.filter(status="draft").exists()
    )
    # acknowledgements differ between teams, and the partner trails
    why = desk.messages.get(stage=Stage.WHY)
    report = services.reach_by_team([why], story.refs["logins"]["changelead"], desk)
    rates = [r.acknowledged_pct for r in report.rows if not r.suppressed and r.unit.kind == "team"]
    assert max(rates) - min(rates) >= 20
    # questions answered build the FAQ, some wait past the threshold and were flagged
    assert services.faq(desk).count() >= 10
    assert services.overdue_questions(story.today).count() >= 3
    assert Question.objects.filter(flagged_on=story.today).count() >= 3
    assert Acknowledgement.objects.count() > 1000
    assert "Comms:" in story.facts[-1]


def test_trying_a_failed_demo_chat_post_again_fails_with_its_error(story):
    dead = Delivery.objects.filter(state="dead", channel__in=["slack", "teams"]).first()
    assert dead is not None and "Connection refused" in dead.last_error
    assert ChatChannel.objects.filter(webhook_url=dead.address).exists()
    again = delivery.retry(dead)
    assert again.state == "failed" and "unreachable" in again.last_error
