"""The organisation page in a real browser: the tree, and what a team leader may see of it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from allaboard.org.models import Person

pytestmark = pytest.mark.browser


def test_change_lead_logs_in_and_sees_the_organisation_tree(page, demo, login, screenshot):
    login(page, "changelead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Organisation")
    tree = page.get_by_test_id("org-tree")
    expect(tree).to_be_visible()
    for unit in ["Brightwater Utilities", "Leeds", "Glasgow", "Cardiff", "Apex Contact Solutions (partner)"]:
        expect(tree.get_by_role("link", name=unit, exact=True)).to_be_visible()
    expect(tree.get_by_role("link", name="Leeds Billing & Payments 2", exact=True)).to_be_visible()
    employed = Person.objects.active_on(timezone.localdate()).count()
    expect(tree.locator("li").first).to_contain_text(f"{employed:,} people · led by")
    screenshot(page, "organisation")


def test_team_leader_sees_their_teams_only(page, demo, login):
    login(page, "teamleader")
    page.goto("/org/")

    tree = page.get_by_test_id("org-tree")
    expect(tree.get_by_role("link")).to_have_count(1)
    expect(tree.get_by_role("link", name="Leeds Billing & Payments 2", exact=True)).to_be_visible()
    expect(tree).not_to_contain_text("Glasgow")

    tree.get_by_role("link", name="Leeds Billing & Payments 2").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leeds Billing & Payments 2")
    expect(page.get_by_role("table").get_by_role("row")).not_to_have_count(0)

    other_team = demo.refs["teams"][-1]  # a partner team, outside Leeds
    response = page.goto(f"/org/units/{other_team.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    assert other_team.name not in page.content()
