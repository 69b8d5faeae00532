"""A change lead writes a programme through the form; an employee of the impacted team reads it on a phone."""

import pytest
from playwright.sync_api import expect

from allaboard.programmes.models import Programme

pytestmark = pytest.mark.browser

WHAT_CHANGES = (
    "From 1 March you answer web chat alongside calls, up to two chats at a time. "
    "Chat transcripts are saved to the customer's history automatically."
)


def test_change_lead_creates_a_programme_that_an_employee_reads_on_a_phone(
    page, phone_page, demo, login, screenshot
):
    team = demo.refs["logins"]["agent"].person.unit
    login(page, "changelead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programmes").click()
    page.get_by_role("link", name="New programme").click()

    about = page.get_by_role("group", name="The programme")
    about.get_by_label("Name").fill("Web chat for billing teams")
    about.get_by_label("Status").select_option(label="Running")
    about.get_by_label("Summary").fill("Billing advisors answer web chat as well as calls.")
    about.get_by_label("Why we are changing").fill(
        "Half of our billing customers now try chat first, and wait twenty minutes for a reply."
    )
    about.get_by_label("What is wrong today").fill("Chat is answered by one small team; billing calls peak.")
    about.get_by_label("What good looks like").fill(
        "A chat is answered within two minutes, by a billing expert."
    )
    about.get_by_label("Sponsors").select_option(label=demo.refs["head_cx"].full_name)
    benefit = page.get_by_role("group", name="Add a benefit")
    benefit.get_by_label("Group").fill("Customers")
    benefit.get_by_label("Benefit").fill("A quick answer on chat from someone who knows billing.")
    impact = page.get_by_role("group", name="Add an impacted group")
    impact.get_by_label("Unit").select_option(label=team.name)
    impact.get_by_label("What changes for me").fill(WHAT_CHANGES)
    impact.get_by_label("Process").select_option("3")
    impact.get_by_label("Systems and tools").select_option("4")
    impact.get_by_label("Skills").select_option("3")
    milestone = page.get_by_role("group", name="Add a milestone")
    milestone.get_by_label("Name").fill("Chat training")
    milestone.get_by_label("Due").fill("2027-02-15")
    page.get_by_role("button", name="Save programme").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Web chat for billing teams")
    impacts = page.get_by_role("table")
    expect(impacts).to_contain_text(team.name)
    expect(impacts).to_contain_text("Medium")
    programme = Programme.objects.get(name="Web chat for billing teams")
    assert programme.impacts.get().unit == team

    login(phone_page, "agent")
    phone_page.get_by_role("button", name="Menu").click()
    phone_page.get_by_role("navigation", name="Main").get_by_role("link", name="What changes for me").click()
    mine = phone_page.get_by_test_id("my-change").filter(has_text="Web chat for billing teams")
    expect(mine).to_be_visible()
    expect(mine).to_contain_text(WHAT_CHANGES)
    expect(mine).to_contain_text("Half of our billing customers now try chat first")
    expect(mine.locator(".dates")).to_contain_text("15 Feb 2027 Chat training")
    desk = phone_page.get_by_test_id("my-change").filter(has_text="Omnichannel service desk rollout")
    expect(desk).to_contain_text("Go-live, wave 1 (Leeds, Glasgow)")
    expect(desk).not_to_contain_text("Go-live, wave 2")  # Cardiff's and Apex's dates are not Leeds's
    screenshot(phone_page, "what-changes-phone")


def test_the_running_programme_explains_why_who_and_when(page, demo, login, screenshot):
    login(page, "changelead")
    page.get_by_role("link", name="Omnichannel service desk rollout").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Omnichannel service desk rollout")
    for heading in ["Why we are changing", "What is wrong today", "What good looks like"]:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    advisors = page.get_by_role("row").filter(has_text="Leeds Billing & Payments · Customer service advisor")
    expect(advisors).to_contain_text("Systems and tools 5")
    expect(advisors.locator(".badge")).to_have_text("High")  # an aspect transformed (5) makes the risk high
    expect(page.locator(".dates li")).to_have_count(7)
    screenshot(page, "programme")


def test_an_employee_outside_the_impacted_team_does_not_see_the_change(page, demo, login):
    partner = demo.refs["logins"]["partner"].person
    agent_team = demo.refs["logins"]["agent"].person.unit
    programme = Programme.objects.create(name="Leeds-only pilot", status="running", why="A pilot.")
    programme.impacts.create(unit=agent_team, what_changes="Something changes in Leeds.")
    assert not partner.unit.path.startswith(agent_team.path)

    login(page, "partner")
    page.goto("/programmes/mine/")

    expect(page.get_by_role("heading", level=1)).to_have_text("What changes for me")
    expect(page.get_by_test_id("my-change").first).to_be_visible()
    expect(page.get_by_text("Leeds-only pilot")).to_have_count(0)
