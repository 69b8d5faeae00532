"""Attacks on the comment pages and API: each test tries to read a small group's comments (or figures
about them) through a filter, an API parameter, differencing two groups, quotes, or emerging-theme examples.

The organisation (conftest.org): Leeds > Leeds Service > {Team 1, Team 2}, Glasgow likewise, and a partner;
six people per team. Thresholds here: k = 3, comments need 5 respondents. In the closed pulse:
- Leeds Team 1: six respondents, each writes three comments;
- Leeds Team 2: two respondents, each writes three comments (six comments, but two people: never a group);
- Glasgow Team 1: six respondents.
Leeds Service (8) minus Leeds Team 1 (6) would be Team 2's two people, so the check made when the wave
closed hides one of the two.
"""

import json

import pytest
from django.urls import reverse

from allaboard.listening.results import comment_group
from allaboard.textinsight import services
from allaboard.textinsight.models import Comment
from allaboard.textinsight.tests import pulses

T1 = [
    "The new desk freezes whenever I open the customer history.",
    "More time to practise on the new desk before go-live would help.",
    "Stop changing the scripts every week.",
]
T2 = [
    "Secret two: the overtime rota in our corner is unfair.",
    "Secret two: nobody asked our corner about the rota.",
    "Secret two: stop moving our corner around.",
]
GLA = [
    "Nobody has explained why we are changing the desk at all.",
    "Clear reasons from the managers would help.",
    "Stop sending emails nobody reads.",
]
SECRET = b"Secret two"


@pytest.fixture
def pulse(org, thresholds):
    wave = pulses.open_pulse(org)
    pulses.answer(wave, "LDS-T1", [T1] * 6)
    pulses.answer(wave, "LDS-T2", [T2] * 2)
    pulses.answer(wave, "GLA-T1", [GLA] * 6)
    return pulses.close(wave)


def test_the_setup_has_a_small_group_with_enough_comments(pulse, org):
    # Two people, six comments: a rule counting comments would show them.
    team2 = Comment.objects.filter(unit=org.teams["LDS-T2"])
    assert team2.count() == 6
    assert comment_group(pulse, org.teams["LDS-T2"].pk).allowed is False


def test_a_small_team_counts_respondents_not_comments(pulse, org):
    shown = services.shown_comments("employee", unit=org.teams["LDS-T2"])
    assert not shown.allowed and shown.comments.count() == 0


def test_explorer_unit_filter_does_not_list_a_small_team(pulse, org, client_for):
    client = client_for("change_lead")
    for extra in (
        {},
        {"label": "voice"},
        {"q": "Secret"},
        {"wave": pulse.key},
        {"source": "listening.answer"},
    ):
        page = client.get(reverse("textinsight:comments"), {"unit": org.teams["LDS-T2"].pk, **extra})
        assert page.status_code == 200
        assert page.context["suppressed"] is True and page.context["total"] == 0
        assert SECRET not in page.content


def test_api_unit_parameter_does_not_list_a_small_team(pulse, org, client_for):
    client = client_for("change_lead")
    for extra in ({}, {"q": "Secret"}, {"wave_key": pulse.key}, {"label": "voice"}):
        body = client.get("/api/v1/textinsight/comments", {"unit_id": org.teams["LDS-T2"].pk, **extra}).json()
        assert body == {"count": 0, "items": []}


def test_api_summary_of_a_small_team_gives_no_figure_at_all(pulse, org, client_for):
    body = (
        client_for("change_lead")
        .get("/api/v1/textinsight/summary", {"unit_id": org.teams["LDS-T2"].pk})
        .json()
    )
    assert body["suppressed"] is True
    assert body["n_comments"] == body["respondents"] == body["pending"] == 0
    assert body["labels"] == [] and body["sentiment"] == {}


def test_department_minus_its_visible_team_cannot_reveal_the_small_team(pulse, org, client_for):
    client = client_for("change_lead")
    department = org.teams["LDS-T1"].parent
    listed = {}
    for unit in (department, org.teams["LDS-T1"]):
        body = client.get("/api/v1/textinsight/comments", {"unit_id": unit.pk, "limit": 500}).json()
        listed[unit.pk] = {c["text"] for c in body["items"]}
    # At most one of the two is listed; if both were, the difference would be Team 2's comments.
    assert not (listed[department.pk] and listed[org.teams["LDS-T1"].pk])
    summaries = [
        client.get("/api/v1/textinsight/summary", {"unit_id": unit.pk}).json()["suppressed"]
        for unit in (department, org.teams["LDS-T1"])
    ]
    assert any(summaries)


def test_a_departments_comments_are_those_of_its_own_teams(pulse, org):
    department = org.teams["GLA-T1"].parent
    shown = services.shown_comments("employee", unit=department)
    assert shown.allowed and shown.respondents == 6
    units = set(shown.comments.values_list("unit_id", flat=True))
    assert units == {org.teams["GLA-T1"].pk}


def test_team_leader_cannot_see_a_team_hidden_by_differencing(pulse, org, client_for):
    # The team leader leads Leeds Team 1, which is hidden or whose department is: either way the
    # team leader's own view shows nothing of Team 2.
    page = client_for("team_leader").get(reverse("textinsight:summary"))
    assert page.status_code == 200
    assert SECRET not in page.content


def test_open_wave_comments_are_never_shown(org, thresholds, client_for):
    wave = pulses.open_pulse(org)
    pulses.answer(wave, "LDS-T1", [T1] * 6)
    pulses.answer(wave, "GLA-T1", [GLA] * 6)
    client = client_for("change_lead")
    assert client.get("/api/v1/textinsight/comments").json()["count"] == 0
    summary = client.get("/api/v1/textinsight/summary").json()
    assert summary["n_comments"] == 0 and summary["labels"] == []
    page = client.get(reverse("textinsight:summary"), {"kind": "employee"})
    assert b"desk freezes" not in page.content
    comment = Comment.objects.filter(unit=org.teams["LDS-T1"]).first()
    assert client.get(reverse("textinsight:correct", args=[comment.pk])).status_code == 404
    forced = client.post(
        f"/api/v1/textinsight/comments/{comment.pk}/correction",
        json.dumps({"labels": ["tools"], "sentiment": "negative"}),
        content_type="application/json",
    )
    assert forced.status_code == 404
    # Closed, the same comments are shown: the test can fail.
    pulses.close(wave)
    assert client.get("/api/v1/textinsight/comments").json()["count"] == 36
    assert client.get(reverse("textinsight:correct", args=[comment.pk])).status_code == 200


def test_a_made_up_wave_key_shows_nothing(pulse, client_for):
    client = client_for("change_lead")
    for key in ("w1", "wave:999999", "wave:abc", "'; drop table"):
        assert client.get("/api/v1/textinsight/comments", {"wave_key": key}).json()["count"] == 0


def test_quotes_come_only_from_groups_that_may_be_shown(org, thresholds, client_for):
    closed = pulses.open_pulse(org, "Closed pulse")
    pulses.answer(closed, "GLA-T1", [GLA] * 6)
    pulses.close(closed)
    still_open = pulses.open_pulse(org, "Open pulse")
    pulses.answer(still_open, "LDS-T1", [["Secret two: the quiet room is being turned into desks."]] * 6)
    body = client_for("sponsor").get("/api/v1/textinsight/summary").json()
    assert body["suppressed"] is False and body["respondents"] == 6
    quotes = [q for share in body["labels"] for q in share["quotes"]]
    assert quotes and not any("Secret two" in q for q in quotes)


RUMOUR = [
    "Heard a rumour the lockers are going when we move to hot desking",
    "Where do we put our bags if the lockers go with hot desking?",
    "No lockers on the new floor is a joke, where does my coat go",
    "Lockers being removed next month apparently, nobody told us",
    "Are we getting our lockers back after the hot desking refit?",
    "The lockers thing needs sorting before hot desking starts",
]
FILLER = [
    "The canteen closes at 2pm so the late shift gets nothing hot",
    "Please can we have more vegetarian options in the canteen",
    "The canteen coffee machine has been broken for weeks",
    "Canteen prices went up again this month",
    "The car park barrier is stuck again",
    "Car park is full by 8am every day",
]


def test_emerging_theme_examples_come_only_from_groups_that_may_be_shown(org, thresholds, client_for):
    wave = pulses.open_pulse(org)
    pulses.answer(wave, "LDS-T1", [[text] for text in RUMOUR])
    pulses.answer(wave, "GLA-T1", [[text] for text in FILLER])
    client = client_for("change_lead")
    assert client.get("/api/v1/textinsight/emerging").json() == []
    page = client.get(reverse("textinsight:emerging"))
    assert b"locker" not in page.content.lower()
    pulses.close(wave)
    themes = client.get("/api/v1/textinsight/emerging").json()
    assert any("locker" in e.lower() for t in themes for e in t["examples"])
