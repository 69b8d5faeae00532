"""The training dashboard draws its line chart; a team leader records a coaching conversation on a phone."""

import pytest
from playwright.sync_api import expect

from allaboard.capability import demo as capability_demo
from allaboard.capability.models import CoachingConversation

pytestmark = pytest.mark.browser


@pytest.fixture
def story(demo):
    capability_demo.build(demo)
    return demo


def test_change_lead_reads_percent_trained_by_site(page, story, login, screenshot):
    login(page, "changelead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Capability").click()
    expect(page.get_by_role("heading", name="% formally trained in managing change")).to_be_visible()
    page.get_by_label("Show by").select_option(label="Site or partner")
    page.wait_for_url("**/capability/?by=site")
    expect(page.get_by_role("img", name="Line chart of % formally trained by month")).to_be_visible()
    page.get_by_text("The numbers behind the chart").click()
    expect(page.get_by_role("rowheader", name="Cardiff")).to_be_visible()
    screenshot(page, "capability-dashboard", full_page=True)


def test_team_leader_records_coaching_on_a_phone(phone_page, story, login, screenshot):
    page = phone_page
    agent = story.refs["logins"]["agent"].person
    login(page, "teamleader")
    page.goto("/capability/coaching/new/")
    page.get_by_label("With").select_option(value=str(agent.pk))
    page.get_by_label("Focus: the skill or behaviour").fill("Using the customer's history on the new desk")
    page.get_by_label("What you observed").fill("Checked the timeline on four of five calls.")
    page.get_by_label("Action").first.fill("Check the timeline before greeting the customer")
    page.get_by_label("Due").first.fill("2026-12-07")
    screenshot(page, "capability-coaching-phone", full_page=True)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Using the customer's history on the new desk")).to_be_visible()
    assert (
        CoachingConversation.objects.filter(person=agent, focus__startswith="Using the customer").count() >= 1
    )
