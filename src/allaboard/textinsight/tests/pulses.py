"""Real pulses for comment tests: answered through the listening app's links and closed by it, so the
comments reach textinsight the way they do in production and the respondent rule is the published one."""

import datetime

from django.utils import timezone

from allaboard.listening import services as listening
from allaboard.listening.models import Invitation, Wave


def open_pulse(org, name: str = "Desk pulse") -> Wave:
    """An open-questions pulse, opened today for the whole test organisation."""
    today = timezone.localdate()
    survey = listening.create_survey(org.users["change_lead"], {"name": name, "instruments": ["open"]})
    wave = listening.schedule_wave(
        org.users["change_lead"], survey, today, today + datetime.timedelta(days=9)
    )
    listening.open_wave(wave, today)
    wave.refresh_from_db()
    return wave


def answer(wave: Wave, team_code: str, texts_per_person: list[list[str]]) -> None:
    """The first len(texts_per_person) people of the team answer, each writing the given texts (one per
    open question, in order; up to three)."""
    questions = list(wave.survey.questions.filter(kind="open").order_by("position"))
    invitations = list(
        Invitation.objects.filter(wave=wave, unit__code=team_code, responded=False).order_by("pk")
    )
    assert len(invitations) >= len(texts_per_person), "not enough people in the team"
    today = timezone.localdate()
    for invitation, texts in zip(invitations, texts_per_person, strict=False):
        rendered = listening.render_invitation(None, invitation_id=invitation.pk)
        token = rendered.link.rstrip("/").rsplit("/", 1)[-1]
        state = listening.personal_link(token, today)
        data = {f"q{q.pk}": text for q, text in zip(questions, texts, strict=False)}
        listening.submit(state, data, today)


def close(wave: Wave) -> Wave:
    listening.close_wave(wave)
    wave.refresh_from_db()
    return wave
