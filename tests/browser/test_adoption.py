"""A change lead follows the desk's adoption to a team that stalled, sees its curve against the S-curve and
the decision that turned it round."""

import pytest
from playwright.sync_api import expect

from allaboard.adoption import demo as adoption_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def story(demo):
    adoption_demo.build(demo)
    return demo


def test_change_lead_reads_a_teams_adoption_curve_and_decision(page, story, login, screenshot):
    team = story.refs["adoption"]["stalled_then"]
    login(page, "changelead")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Adoption").click()
    page.get_by_role("link", name="Omnichannel desk").click()
    expect(page.get_by_role("heading", name="Teams")).to_be_visible()
    page.get_by_role("link", name=team.name, exact=True).click()
    expect(page.get_by_role("heading", name=f"Omnichannel desk in {team.name}")).to_be_visible()
    expect(
        page.get_by_role("img", name=f"Adoption curve of {team.name} against the expected S-curve")
    ).to_be_visible()
    expect(page.get_by_test_id("decisions")).to_contain_text("Extra training")
    expect(page.get_by_test_id("forecast")).to_be_visible()
    page.wait_for_function("() => window.Chart && Object.keys(Chart.instances).length === 1")
    screenshot(page, "adoption-team", full_page=True)


def test_agent_reports_a_defect_anonymously(page, story, login):
    login(page, "agent")
    page.goto("/adoption/defects/")
    page.get_by_label("What goes wrong, in a line").fill("Hold music plays twice")
    page.get_by_label("Details").fill("After a transfer the music restarts.")
    page.get_by_label("Report anonymously").check()
    page.get_by_role("button", name="Report").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    expect(page.get_by_role("cell", name="Hold music plays twice")).to_be_visible()
