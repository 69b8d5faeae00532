"""Voice on a phone: an agent shares an idea (anonymously, with similar ideas suggested while typing) and
follows it with the private key; then gives a colleague kudos for a service value."""

import pytest
from playwright.sync_api import expect

from allaboard.voice.models import Idea, Kudos, ServiceValue

pytestmark = pytest.mark.browser


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_agent_shares_an_anonymous_idea_on_a_phone(phone_page, demo, login, screenshot):
    programme = demo.refs["programme"]
    agent = demo.refs["logins"]["agent"]
    Idea.objects.create(
        programme=programme,
        title="Callback slots when the queue is long",
        text="Offer customers a callback slot instead of waiting on hold.",
        author=demo.refs["logins"]["teamleader"].person,
        unit=demo.refs["logins"]["teamleader"].person.unit,
        created_on=demo.today,
        answer_due=demo.today,
    )
    page = phone_page
    login(page, "agent")
    page.goto("/voice/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Idea box")
    page.get_by_role("link", name="Share an idea").first.click()
    page.get_by_label("Programme").select_option(label=programme.name)
    page.get_by_label("Your idea in a line").press_sequentially("Let customers book a callback slot", delay=5)
    suggestions = page.locator("#similar")
    expect(suggestions).to_contain_text("Callback slots when the queue is long")
    page.get_by_label("What would you change, and why?").fill(
        "When the wait is over ten minutes, offer a callback at a time the customer picks."
    )
    page.get_by_label("Share anonymously").check()
    assert _fits_the_screen(page)
    screenshot(page, "voice-idea-phone", full_page=True)
    page.get_by_role("button", name="Share idea").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("anonymously")
    key = page.locator("#anonymous-key").inner_text().strip()
    idea = Idea.objects.get(title="Let customers book a callback slot")
    assert idea.anonymous and idea.author_id is None and idea.unit_id is None
    assert agent.person.full_name not in page.locator("main").inner_text()

    page.get_by_role("link", name="My anonymous idea").click()
    page.get_by_label("Your private key").fill(key)
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Let customers book a callback slot")
    assert _fits_the_screen(page)


def test_an_agent_gives_kudos_on_a_phone(phone_page, demo, login, screenshot):
    agent = demo.refs["logins"]["agent"]
    ServiceValue.objects.create(name="Own it", description="See it through to the end.")
    tell = ServiceValue.objects.create(name="Tell us once", description="Customers never repeat themselves.")
    colleague = (
        agent.person.unit.members.exclude(pk=agent.person_id).exclude(pk=agent.person.unit.leader_id).first()
    )
    page = phone_page
    login(page, "agent")
    page.goto("/voice/kudos/")
    page.get_by_label("Colleague").select_option(value=str(colleague.pk))
    page.get_by_label("Tell us once").check()
    page.get_by_label("What they did").fill("Fixed a customer's bill in one call instead of passing it on.")
    assert _fits_the_screen(page)
    page.get_by_role("button", name="Send kudos").click()

    expect(page.get_by_role("status")).to_contain_text("Kudos sent")
    feed = page.locator("#kudos-feed")
    expect(feed).to_contain_text(colleague.full_name)
    expect(feed).to_contain_text("Fixed a customer's bill in one call")
    kudos = Kudos.objects.get()
    assert kudos.person == colleague and kudos.value == tell and kudos.giver == agent.person
    assert _fits_the_screen(page)
    screenshot(page, "voice-kudos-phone", full_page=True)
