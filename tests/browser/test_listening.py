"""Listening in a browser: an advisor answers the pulse on a phone through the one-time link from their
email; a change lead reads the heatmap of the demo's pulse on a desktop."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from allaboard.listening import services
from allaboard.listening.models import Answer, Invitation, Response
from allaboard.org.models import Unit

pytestmark = pytest.mark.browser

# Two minutes on a phone: a tap on a 1-5 statement takes a few seconds, a short comment about twenty.
SECONDS_PER_RATED = 4
SECONDS_PER_OPEN = 20
BUDGET_SECONDS = 120


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _scroll_to(page, selector: str) -> None:
    """Scroll so the first element matching `selector` in the page's main part is at the top."""
    page.locator("main").locator(selector).first.evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 8)"
    )


def _pulse_for_the_agents_team(demo):
    """The desk pulse (ADKAR and fear and uncertainty, one open question) opened for the agent's team:
    the invitations go out by email through the comms worker (inline in tests)."""
    lead = demo.refs["logins"]["changelead"]
    agent = demo.refs["logins"]["agent"]
    survey = services.create_survey(
        lead,
        {
            "name": "Omnichannel desk pulse",
            "intro": "Two minutes, every four weeks, while we move to the new desk.",
            "instruments": ["adkar", "fear", "open"],
            "programme_id": demo.refs["programme"].pk,
            "audience_unit_ids": [agent.person.unit_id],
        },
    )
    survey.questions.filter(key__in=["open_stop", "open_help"]).delete()
    today = timezone.localdate()  # the answer page checks the real date
    wave = services.schedule_wave(lead, survey, today)
    mail.outbox.clear()
    services.open_wave(wave, today)
    message = next(m for m in mail.outbox if agent.person.email in m.to)
    link = re.search(r"https?://\S+/listening/a/[^/\s]+/", message.body).group(0)
    return survey, wave, link.split("/listening/", 1)[1]


def test_an_advisor_answers_the_pulse_on_a_phone_through_the_emailed_link(phone_page, demo, screenshot):
    survey, wave, path = _pulse_for_the_agents_team(demo)
    questions = list(survey.questions.all())
    rated = [q for q in questions if q.is_rated]
    open_ = [q for q in questions if q.kind == "open"]
    assert len(rated) * SECONDS_PER_RATED + len(open_) * SECONDS_PER_OPEN <= BUDGET_SECONDS

    page = phone_page
    page.goto(f"/listening/{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Omnichannel desk pulse")
    note = page.get_by_role("note")
    expect(note).to_contain_text("What your manager can and cannot see")
    expect(note).to_contain_text("cannot see who answered")
    assert _fits_the_screen(page)
    screenshot(page, "listening-answer-phone")

    for number, question in enumerate(rated):
        level = 2 if question.scale == "knowledge" else 4
        if question.reverse:
            level = 6 - level
        page.locator(f"#f-q{question.pk}").get_by_text(re.compile(rf"^{level}, ")).click()
        if number == 0:  # answers are saved as one goes (a draft, through htmx)
            expect(page.locator("#save-status")).to_contain_text("Saved")
    comment = page.get_by_label("Your answer (optional)")
    comment.fill("Nobody showed us the new refund screens. Call me on 07700 900461 if you want details.")
    comment.press("Tab")  # leaving the box saves the draft; wait for it before sending
    expect(page.locator("#save-status")).to_contain_text(f"Saved {len(rated) + 1} answers")
    assert _fits_the_screen(page)
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.locator("main")).to_contain_text(f"only for groups of at least {survey.k} people")
    assert _fits_the_screen(page)
    screenshot(page, "listening-thanks-phone")

    response = Response.objects.get(wave=wave)
    assert response.barrier == "knowledge"  # agreed with Awareness and Desire, not with Knowledge
    assert Invitation.objects.filter(wave=wave, responded=True).count() == 1
    comment = Answer.objects.get(response=response, question=open_[0])
    assert "[phone]" in comment.text and "07700" not in comment.text
    assert Answer.objects.filter(response=response).count() == len(rated) + 1

    page.goto(f"/listening/{path}")  # the link takes one response
    expect(page.get_by_role("heading", level=1)).to_have_text("You have answered")


def test_a_change_lead_reads_the_heatmap_of_the_pulse(page, demo, login, screenshot):
    from allaboard.listening import demo as chapter

    chapter.build(demo)
    waves = demo.refs["listening"]["waves"]
    first = waves[0]
    page.set_viewport_size({"width": 1600, "height": 1000})  # twelve scales side by side
    login(page, "changelead")
    leeds = Unit.objects.get(code="LDS")
    page.goto(f"/listening/waves/{first.pk}/heatmap/?unit={leeds.pk}")
    table = page.locator("table.heat")
    expect(table).to_contain_text("Brightwater Utilities (comparison)")
    expect(table).to_contain_text("Leeds Billing & Payments 1")
    table.get_by_role("link", name="Knowledge").click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Knowledge")
    first_row = table.locator("tbody tr:not(.comparison)").first
    expect(first_row).to_contain_text(re.compile(r"Leeds (Billing|Digital)"))  # lowest Knowledge first
    _scroll_to(page, "h2")
    screenshot(page, "listening-heatmap")

    glasgow = Unit.objects.get(code="GLA-D4")
    page.goto(f"/listening/waves/{first.pk}/heatmap/?unit={glasgow.pk}")
    night = page.locator("table.heat tbody tr", has_text="Glasgow Business Customers 2")
    expect(night.locator("td.suppressed")).to_be_visible()  # below the anonymity threshold: no figures

    partner = Unit.objects.get(code="APX")
    page.goto(f"/listening/waves/{first.pk}/?unit={partner.pk}")
    expect(page.locator("#barriers-h")).to_have_text("ADKAR barrier points")
    expect(page.locator("main")).to_contain_text("Desire")
    _scroll_to(page, "h2")
    screenshot(page, "listening-results")
