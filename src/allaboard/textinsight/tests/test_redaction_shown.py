"""Redaction before any comment is shown: every place a comment's words appear masks names of people in the
organisation, emails, phone numbers (UK and international) and employee ids.

Comments are redacted when stored; these tests go further and put unredacted words in stored comments (as if
the person joined the organisation after the comment was written, or the text came from an older version),
then check that every surface masks them again when it shows them."""

import json

import pytest
from django.urls import reverse

from allaboard.org.tests.factories import PersonFactory
from allaboard.textinsight import services
from allaboard.textinsight.emerging import emerging_themes
from allaboard.textinsight.models import Comment
from allaboard.textinsight.tests import pulses

LEAKS = ["Priya", "Okonkwo", "priya.o@mail.example", "07700 900123", "+44 20 7946 0958", "+1 415-555-0132"]
LEAKS += ["E99123", "0113 496 0000", "+63 917 123 4567"]
RAW = (
    "Priya Okonkwo (E99123) says the new desk freezes whenever she opens the customer history; "
    "call her on 07700 900123 or +44 20 7946 0958, or +1 415-555-0132 / 0113 496 0000 / +63 917 123 4567, "
    "or email priya.o@mail.example"
)
DESK = [
    "The new desk freezes whenever I open the customer history.",
    "The new desk keeps crashing when I transfer a call.",
    "The new desk is so slow that customers wait while it loads.",
    "The new desk logged me out three times today.",
    "Search in the new desk never finds the account.",
    "The new desk crashes when two chats are open.",
]


def assert_masked(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} shown"


@pytest.fixture
def leaky(org, thresholds):
    """A closed pulse whose stored comments all carry a name, an id, phones and an email unmasked."""
    wave = pulses.open_pulse(org)
    pulses.answer(wave, "LDS-T1", [[text] for text in DESK])
    pulses.close(wave)
    Comment.objects.update(text=RAW)
    PersonFactory(given_name="Priya", family_name="Okonkwo", employee_id="E99123", unit=org.teams["GLA-T1"])
    return wave


def test_the_raw_text_really_has_every_kind_of_detail(leaky):
    # Guard: if the fixture stopped leaking, every test below would pass for nothing.
    assert all(leak in Comment.objects.first().text for leak in LEAKS)


def test_explorer_page_masks(leaky, client_for):
    page = client_for("change_lead").get(reverse("textinsight:comments"))
    assert page.context["total"] == 6
    assert_masked(page.content.decode())
    assert "[name]" in page.content.decode() and "[phone]" in page.content.decode()


def test_correction_form_and_saved_row_mask(leaky, client_for):
    comment = Comment.objects.first()
    client = client_for("change_lead")
    url = reverse("textinsight:correct", args=[comment.pk])
    assert_masked(client.get(url).content.decode())
    assert_masked(client.get(url, HTTP_HX_REQUEST="true").content.decode())


def test_api_listing_masks(leaky, client_for):
    body = client_for("change_lead").get("/api/v1/textinsight/comments").json()
    assert body["count"] == 6
    for item in body["items"]:
        assert_masked(item["text"])
        assert "[email]" in item["text"] and "[id]" in item["text"]


def test_api_correction_response_and_quality_page_mask(leaky, client_for):
    comment = Comment.objects.first()
    client = client_for("change_lead")
    response = client.post(
        f"/api/v1/textinsight/comments/{comment.pk}/correction",
        json.dumps({"labels": ["tools"], "sentiment": "negative"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert_masked(response.json()["text"])
    assert_masked(client.get(reverse("textinsight:quality")).content.decode())


def test_quotes_on_the_summary_page_and_api_mask(leaky, client_for):
    client = client_for("sponsor")
    body = client.get("/api/v1/textinsight/summary").json()
    quotes = [q for share in body["labels"] for q in share["quotes"]]
    assert quotes
    for quote in quotes:
        assert_masked(quote)
    assert_masked(client.get(reverse("textinsight:summary")).content.decode())


def test_quotes_read_by_the_playbook_mask(leaky):
    # The playbook's evidence quotes come from label_summary (playbook.gather.comment_findings).
    result = services.label_summary(source="listening.answer", wave_key=leaky.key)
    quotes = [q for share in result.labels for q in share.quotes]
    assert quotes
    for quote in quotes:
        assert_masked(quote)


def test_emerging_theme_examples_mask(org):
    texts = [
        "Heard a rumour the lockers are going, ask Priya Okonkwo on 07700 900123",
        "Where do we put our bags if the lockers go? priya.o@mail.example knows",
        "No lockers on the new floor, E99123 raised it, call +1 415-555-0132",
        "Lockers being removed next month apparently, Priya said",
        "Are we getting our lockers back after the refit? +44 20 7946 0958",
        "The lockers thing needs sorting, ring 0113 496 0000",
        "The canteen closes at 2pm so the late shift gets nothing hot",
        "The canteen coffee machine has been broken for weeks",
        "Canteen prices went up again this month",
        "The car park barrier is stuck again",
        "Car park is full by 8am every day",
        "The car park lighting is out near the back entrance",
    ]
    for n, text in enumerate(texts):
        Comment.objects.create(
            kind="employee", source="voice.idea", source_id=str(n), text=text, created_on="2026-03-01"
        )
    PersonFactory(given_name="Priya", family_name="Okonkwo", employee_id="E99123")
    themes = emerging_themes(Comment.objects.all())
    examples = [e for t in themes for e in t.examples]
    assert any("locker" in e.lower() for e in examples)
    for example in examples:
        assert_masked(example)
