"""Comments: per question, filterable, shown only for groups of at least the comment threshold (10 by
default, counted in respondents, not comments), cleaned before storing; leaders reply without learning
who wrote them, and the writer reads the reply on their own link."""

import pytest

from allaboard.listening import results, services
from allaboard.listening.models import Answer
from allaboard.listening.tests.conftest import issue_link

TREES = ["ash", "birch", "cedar", "elm", "fir", "oak"]


@pytest.fixture
def commented(org, pulse):
    """Every team answers; in Leeds everyone writes a worry and half say what would help."""
    tokens = {}
    worries = pulse.survey.questions.get(key="open_worries")
    helps = pulse.survey.questions.get(key="open_help")
    for team in org.teams:
        for i, invitation in enumerate(pulse.invitations(team)):
            data = pulse.answers(4)
            if team.startswith("LDS"):
                data[f"q{worries.pk}"] = (
                    f"Call me on 07700 900{i:03d}, the new desk worries the {TREES[i]} {team} crew."
                )
                if i % 2:
                    data[f"q{helps.pk}"] = "More time to practise."
            token = issue_link(invitation)
            services.submit(services.personal_link(token, pulse.today), data, pulse.today)
            tokens[(team, i)] = token
    pulse.close()
    pulse.tokens = tokens
    return pulse


def test_comments_are_shown_for_a_group_of_at_least_ten_respondents(org, commented):
    view = results.comments(org.users["change_lead"], commented.wave, org.sites["LDS"].pk)
    assert view.allowed and view.threshold == 10
    assert len(view.comments) == 12 + 6


def test_comments_are_hidden_for_a_team_below_the_comment_threshold_even_when_its_figures_show(
    org, commented
):
    lead = org.users["change_lead"]
    team = org.teams["LDS-T1"].pk
    assert results.overview(lead, commented.wave, team).data.visible  # 6 respondents: figures yes
    view = results.comments(lead, commented.wave, team)
    assert not view.allowed and view.comments == []
    assert "at least 10 respondents" in view.reason


def test_comments_filter_by_question(org, commented, client_for):
    helps = commented.survey.questions.get(key="open_help")
    data = (
        client_for("change_lead")
        .get(
            f"/api/v1/listening/waves/{commented.wave.pk}/comments?unit={org.sites['LDS'].pk}&question={helps.pk}"
        )
        .json()
    )
    assert data["shown"] and len(data["comments"]) == 6
    assert {c["question_id"] for c in data["comments"]} == {helps.pk}


def test_comments_are_stored_without_phone_numbers(org, commented):
    texts = list(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert texts and not any("07700" in text for text in texts)


def test_the_comments_page_and_api_show_the_same_comments(org, commented, client_for):
    client = client_for("change_lead")
    unit = org.sites["LDS"].pk
    page = client.get(f"/listening/waves/{commented.wave.pk}/comments/?unit={unit}")
    data = client.get(f"/api/v1/listening/waves/{commented.wave.pk}/comments?unit={unit}").json()
    assert sorted(str(c.pk) for c in page.context["view"].comments) == sorted(
        c["id"] for c in data["comments"]
    )


def test_a_leader_replies_and_the_writer_reads_it_on_their_own_link(org, commented, client_for):
    token = commented.tokens[("LDS-T1", 0)]
    [mine] = services.my_comments(token)
    answer = Answer.objects.get(text=mine["text"])
    client = client_for("change_lead")
    response = client.post(
        f"/api/v1/listening/comments/{answer.pk}/replies",
        {"kind": "reply", "text": "We are adding practice time next week."},
        content_type="application/json",
    )
    assert response.status_code == 201
    page = client_for(None).get(f"/listening/a/{token}/").content.decode()
    assert "You have answered" in page and "We are adding practice time next week." in page
    other = client_for(None).get(f"/listening/a/{commented.tokens[('LDS-T1', 1)]}/").content.decode()
    assert "We are adding practice time next week." not in other


def test_a_team_leader_cannot_reply_to_a_comment_they_cannot_see(org, commented, client_for):
    token = commented.tokens[("LDS-T1", 0)]
    answer = Answer.objects.get(text=services.my_comments(token)[0]["text"])
    response = client_for("team_leader").post(
        f"/api/v1/listening/comments/{answer.pk}/replies", {"kind": "thanks"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not answer.replies.exists()
