import json

from django.urls import reverse

from allaboard.textinsight.models import Comment, Correction, Dimension
from allaboard.textinsight.tests import pulses

TOOLS = [
    "The desk freezes whenever I open the customer history.",
    "New system keeps crashing when I transfer a call.",
    "The desk is so slow that customers wait while it loads.",
    "It logged me out three times today and I lost my notes.",
    "Search in the new desk never finds the account.",
    "The new desk crashes when two chats are open.",
]
WHY = [
    "Nobody has explained what was wrong with the old system.",
    "I still don't understand why we are changing the desk at all.",
    "What problem is this change actually meant to solve?",
    "Why are we doing this? Nobody told us the reason.",
    "Can someone explain the reason for the change?",
    "Change for change's sake as far as I can tell.",
]


def pulse_with(org, answers: dict[str, list[list[str]]], name="Desk pulse"):
    """A closed pulse where each listed team's people wrote the given comments (one list per person)."""
    wave = pulses.open_pulse(org, name)
    for team_code, per_person in answers.items():
        pulses.answer(wave, team_code, per_person)
    return pulses.close(wave)


def pairs(a, b):
    return [[x, y] for x, y in zip(a, b, strict=True)]


def test_comment_explorer_filters(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": pairs(TOOLS, WHY)})
    client = client_for("change_lead")
    page = client.get(reverse("textinsight:comments"))
    assert page.status_code == 200
    assert page.context["total"] == 12
    assert TOOLS[0].encode() in page.content
    tools = client.get(reverse("textinsight:comments"), {"label": "tools"})
    assert 4 <= tools.context["total"] <= 8
    assert all(any(t.label == "tools" for t in row["topics"]) for row in tools.context["rows"])
    negative = client.get(reverse("textinsight:comments"), {"sentiment": "negative"})
    assert negative.context["total"] >= 6
    words = client.get(reverse("textinsight:comments"), {"q": "logged me out"})
    assert words.context["total"] == 1
    assert client.get(reverse("textinsight:comments"), {"label": "nonsense"}).context["total"] == 12


def test_explorer_does_not_list_a_small_units_comments(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": pairs(TOOLS, WHY), "GLA-T1": [[t] for t in TOOLS[:3]]})
    page = client_for("change_lead").get(reverse("textinsight:comments"), {"unit": org.teams["GLA-T1"].pk})
    assert page.context["suppressed"] is True
    assert b"not listed" in page.content
    assert b"at least 5 respondents" in page.content


def test_htmx_correction(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": [[t] for t in TOOLS]})
    comment = Comment.objects.first()
    client = client_for("change_lead")
    url = reverse("textinsight:correct", args=[comment.pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and b'name="labels"' in form.content and b"<html" not in form.content
    bad = client.post(url, {"labels": ["other", "tools"], "sentiment": "negative"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400 and b"cannot be combined" in bad.content
    saved = client.post(url, {"labels": ["tools", "skills"], "sentiment": "negative"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and b"human" in saved.content
    assert set(comment.tags.filter(dimension=Dimension.TOPIC).values_list("label", flat=True)) == {
        "tools",
        "skills",
    }


def test_confirming_records_agreement(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": [[t] for t in TOOLS]})
    comment = Comment.objects.first()
    labels = sorted(comment.tags.filter(dimension=Dimension.TOPIC).values_list("label", flat=True))
    response = client_for("admin").post(reverse("textinsight:correct", args=[comment.pk]), {"confirm": "1"})
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert sorted(correction.labels) == labels == sorted(correction.model_labels)
    quality = client_for("admin").get(reverse("textinsight:quality"))
    assert quality.context["quality"].exact == 1.0


def test_correction_redirect_stays_on_this_site(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": [[t] for t in TOOLS]})
    comment = Comment.objects.first()
    response = client_for("admin").post(
        reverse("textinsight:correct", args=[comment.pk]), {"confirm": "1", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("textinsight:comments")


def test_team_leader_sees_own_team_summary_only_at_the_threshold(org, client_for, thresholds):
    client = client_for("team_leader")
    pulse_with(org, {"LDS-T1": [[t] for t in TOOLS[:4]]}, name="First pulse")
    page = client.get(reverse("textinsight:summary"))
    assert page.status_code == 200 and page.context["shown"] is False
    assert b"at least 5 respondents" in page.content and TOOLS[0].encode() not in page.content
    pulse_with(org, {"LDS-T1": pairs(TOOLS, WHY)}, name="Second pulse")
    page = client.get(reverse("textinsight:summary"))
    assert page.context["shown"] is True
    assert page.context["unit"] == org.teams["LDS-T1"]
    assert page.context["respondents"] == 6  # the second pulse's people; the first pulse's four stay hidden
    labels = {s.label for s in page.context["result"].labels}
    assert {"tools", "why"} <= labels
    other_team = client.get(reverse("textinsight:summary"), {"unit": org.teams["GLA-T1"].pk})
    assert other_team.status_code == 403


def test_summary_trend_between_waves(org, client_for, thresholds):
    first = pulse_with(org, {"LDS-T1": pairs(TOOLS, WHY)}, name="First pulse")
    second = pulse_with(org, {"LDS-T2": [[t] for t in TOOLS]}, name="Second pulse")
    page = client_for("sponsor").get(reverse("textinsight:summary"))
    assert page.context["shown"] and page.context["trend"]
    share, points = page.context["trend"][0]
    assert [w for w, _ in points] == [first.key, second.key]


def test_emerging_and_quality_pages(org, client_for):
    client = client_for("change_lead")
    assert client.get(reverse("textinsight:emerging"), {"kind": "customer"}).status_code == 200
    assert client.get(reverse("textinsight:quality"), {"kind": "customer"}).status_code == 200


def test_api_comments_summary_and_correction(org, client_for, thresholds):
    pulse_with(
        org, {"LDS-T1": pairs(TOOLS, WHY), "GLA-T1": [[t] for t in WHY], "GLA-T2": [[t] for t in TOOLS[:2]]}
    )
    client = client_for("change_lead")
    listing = client.get(
        "/api/v1/textinsight/comments", {"label": "why", "limit": 3, "unit_id": org.teams["LDS-T1"].pk}
    ).json()
    assert listing["count"] >= 4 and len(listing["items"]) == 3
    assert all(any(t["label"] == "why" for t in c["labels"]) for c in listing["items"])
    first = listing["items"][0]["id"]
    bad = client.post(
        f"/api/v1/textinsight/comments/{first}/correction",
        json.dumps({"labels": ["nonsense"], "sentiment": "negative"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "labels"
    missing = client.post(
        f"/api/v1/textinsight/comments/{first}/correction",
        json.dumps({"labels": ["why"]}),
        content_type="application/json",
    )
    assert missing.status_code == 400
    ok = client.post(
        f"/api/v1/textinsight/comments/{first}/correction",
        json.dumps({"labels": ["why", "voice"], "sentiment": "negative"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["human_labelled"] is True
    summary = client_for("team_leader").get("/api/v1/textinsight/summary").json()
    assert summary["suppressed"] is False and summary["n_comments"] == 12 and summary["respondents"] == 6
    hidden = client_for("team_leader").get("/api/v1/textinsight/summary", {"unit_id": org.teams["GLA-T1"].pk})
    assert hidden.status_code == 403
    small = client.get("/api/v1/textinsight/summary", {"unit_id": org.teams["GLA-T2"].pk}).json()
    assert small["suppressed"] is True and small["labels"] == [] and small["n_comments"] == 0


def test_api_classify_bad_input(org, client_for):
    client = client_for("admin")
    response = client.post(
        "/api/v1/textinsight/classify",
        json.dumps({"kind": "employee", "texts": ["", "🙂", "x" * 100_000, "Nobody asked us."]}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body[0]["labels"][0][0] == "other" and body[0]["note"]
    assert body[3]["labels"][0][0] == "voice"
    wrong = client.post(
        "/api/v1/textinsight/classify",
        json.dumps({"kind": "alien", "texts": ["x"]}),
        content_type="application/json",
    )
    assert wrong.status_code == 400


def test_home_panel_for_change_leads(org, client_for, thresholds):
    pulse_with(org, {"LDS-T1": [[t] for t in TOOLS[:2]]})
    assert b"checked by a person" in client_for("change_lead").get("/").content
    assert b"checked by a person" not in client_for("team_leader").get("/").content
