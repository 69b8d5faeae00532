"""Each demo login lands on a home page that fits its role."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# username -> (role label in the top bar, a home-page card heading, a link in that card)
HOMES = {
    "admin": ("Admin", "Organisation", "Import people"),
    "changelead": ("Change lead", "Change programmes", "Omnichannel service desk rollout"),
    "teamleader": ("Team leader", "Your teams", "Leeds Billing & Payments 2"),
    "sponsor": ("Sponsor", "Programmes you sponsor", "Omnichannel service desk rollout"),
    "agent": ("Employee", "What changes for you", "Read more"),
    "partner": ("Employee", "What changes for you", "Read more"),
}


@pytest.mark.parametrize("username", HOMES)
def test_each_demo_login_sees_a_home_page_for_its_role(page, demo, login, username):
    role_label, card_heading, card_link = HOMES[username]
    login(page, username)

    person = demo.refs["logins"][username].person
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person.given_name}")
    expect(page.locator(".role-badge")).to_have_text(role_label)
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name=card_heading, exact=True))
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name=card_link, exact=True)).to_be_visible()


def test_employees_have_no_organisation_or_admin_links(page, demo, login):
    login(page, "agent")

    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="What changes for me")).to_be_visible()
    expect(main_nav.get_by_role("link", name="Organisation")).to_have_count(0)
    expect(page.get_by_role("link", name="Import people")).to_have_count(0)
    expect(page.get_by_role("heading", name="Change programmes", exact=True)).to_have_count(0)


def test_change_lead_home_page(page, demo, login, screenshot):
    login(page, "changelead")

    expect(page.get_by_role("link", name="New programme")).to_be_visible()
    screenshot(page, "home-change-lead")
