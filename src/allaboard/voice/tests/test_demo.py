"""The voice chapter of the demo story, built on the organisation, programme and comms chapters."""

import random
from datetime import date

import pytest

from allaboard.demo import Story
from allaboard.voice import services
from allaboard.voice.models import Consultation, Experiment, Idea, IdeaStatus, IdeaStatusChange, Kudos, Win


@pytest.fixture
def story(db):
    from allaboard.comms import demo as comms_demo
    from allaboard.org import demo as org_demo
    from allaboard.programmes import demo as programmes_demo
    from allaboard.voice import demo as voice_demo

    story = Story(
        seed=7, size="small", today=date(2026, 3, 2), password="demo-password-1", rng=random.Random(7)
    )
    for chapter in (org_demo, programmes_demo, comms_demo, voice_demo):
        chapter.build(story)
    return story


def test_the_demo_tells_the_whole_voice_story(story):
    desk = story.refs["programme"]
    today = story.today
    statuses = set(Idea.objects.filter(programme=desk).values_list("status", flat=True))
    assert set(IdeaStatus.values) <= statuses
    assert services.overdue_ideas(today).count() >= 3
    assert Idea.objects.filter(action__isnull=False).count() == 2
    assert Idea.objects.filter(experiment__isnull=False).count() == 1
    assert Idea.objects.filter(anonymous=True, author__isnull=True, unit__isnull=True).exists()
    assert not Idea.objects.filter(anonymous=True, author__isnull=False).exists()
    # every step has a reason
    assert IdeaStatusChange.objects.count() > 30
    assert not IdeaStatusChange.objects.filter(reason="").exists()
    assert Consultation.objects.filter(published_on__isnull=False).exclude(response="").exists()
    rota = story.refs["voice"]["consultation"]
    assert services.rating_summary(rota).shown
    callback = story.refs["voice"]["experiment"]
    effect = services.experiment_effect(callback)
    assert effect.change.low is not None and callback.decision == "adopt"
    assert Experiment.objects.exclude(learning="").count() >= 2
    assert Kudos.objects.count() >= 20
    wins = story.refs["voice"]["wins"]
    assert len(wins) == 2 and all(w.before is not None and w.after is not None and w.source for w in wins)
    assert wins[0].after > wins[0].before  # the promise is kept more often since go-live
    assert not any(w.source.startswith("Entered with evidence") for w in wins)  # measured, with the source
    assert Win.objects.filter(measure="milestone").count() >= 4
    assert 0 < len(services.champion_gaps(desk)) < len(services.programme_teams(desk))
    assert any("Voice:" in fact for fact in story.facts)


def test_every_voice_page_renders_the_demo_for_every_login(story):
    from django.test import Client

    from allaboard.voice.models import AnonymousKey

    desk = story.refs["programme"]
    ideas = list(Idea.objects.filter(programme=desk))
    anonymous = [i for i in ideas if i.anonymous]
    urls = ["/", "/voice/", "/voice/?overdue=1", "/voice/consultations/", "/voice/experiments/?q=callback",
            "/voice/kudos/", "/voice/kudos/?scope=all", "/voice/kudos/coverage/", "/voice/wins/",
            "/voice/champions/", "/voice/moderation/", "/voice/ideas/new/", "/voice/ideas/settings/"]  # fmt: skip
    urls += [f"/voice/ideas/{i.pk}/" for i in ideas]
    urls += [f"/voice/consultations/{c.pk}/" for c in Consultation.objects.all()]
    urls += [f"/voice/experiments/{e.pk}/" for e in Experiment.objects.all()]
    urls += [f"/voice/wins/{w.pk}/" for w in Win.objects.filter(published_on__isnull=False)]
    for username, user in story.refs["logins"].items():
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (username, url, response.status_code)
        assert client.get("/voice/").status_code == 200
    # nobody's name is on an anonymous idea's page
    client = Client()
    client.force_login(story.refs["logins"]["admin"])
    for idea in anonymous:
        assert AnonymousKey.objects.filter(idea=idea).exists()
        html = client.get(f"/voice/ideas/{idea.pk}/").content.decode()
        assert "chose to stay anonymous" in html
