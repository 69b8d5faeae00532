"""Fixtures for listening tests: an ADKAR pulse on the small test organisation, and ways to answer it."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from allaboard.listening import links, services
from allaboard.listening.models import Invitation, Survey, Wave


def issue_link(invitation: Invitation) -> str:
    """Do what the comms worker does at send time: make a fresh one-time token (returned)."""
    rendered = services.render_invitation(None, invitation_id=invitation.pk)
    return rendered.link.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class Pulse:
    survey: Survey
    wave: Wave
    today: datetime.date

    def questions(self):
        return list(self.survey.questions.all())

    def invitations(self, team_code: str | None = None):
        qs = Invitation.objects.filter(wave=self.wave).select_related("person", "unit")
        if team_code:
            qs = qs.filter(unit__code=team_code)
        return list(qs.order_by("pk"))

    def answers(self, level: int, **overrides) -> dict:
        """Form data: every rated question answered `level`; overrides by question key."""
        data = {}
        for q in self.questions():
            value = overrides.get(q.key, level)
            if q.kind == "open":
                if q.key in overrides:
                    data[f"q{q.pk}"] = overrides[q.key]
                continue
            if value is not None:
                data[f"q{q.pk}"] = str(value)
        return data

    def answer(self, invitation: Invitation, level: int = 4, **overrides):
        token = issue_link(invitation)
        state = services.personal_link(token, self.today)
        return services.submit(state, self.answers(level, **overrides), self.today)

    def answer_team(self, team_code: str, levels: list[int], **overrides):
        for invitation, level in zip(self.invitations(team_code), levels, strict=False):
            self.answer(invitation, level, **overrides)

    def close(self):
        done = services.close_wave(self.wave)
        self.wave.refresh_from_db()
        return done


@pytest.fixture
def pulse(org) -> Pulse:
    """An ADKAR pulse with open questions, opened today for the whole test organisation."""
    today = timezone.localdate()
    survey = services.create_survey(
        org.users["change_lead"], {"name": "Desk pulse", "instruments": ["adkar", "open"]}
    )
    wave = services.schedule_wave(org.users["change_lead"], survey, today, today + datetime.timedelta(days=9))
    services.open_wave(wave, today)
    wave.refresh_from_db()
    return Pulse(survey, wave, today)


def token_of_link(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


__all__ = ["issue_link", "links", "token_of_link"]
