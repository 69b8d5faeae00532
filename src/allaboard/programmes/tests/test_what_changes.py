"""'What changes for me': the programmes, impacts and key dates that concern one person."""

from datetime import date

from allaboard.programmes.services import changes_for_person

from .factories import ImpactFactory, MilestoneFactory, ProgrammeFactory


def test_changes_are_grouped_by_programme_with_the_persons_own_key_dates(org):
    agent = org.users["employee"].person  # in LDS-T1
    desk = ProgrammeFactory(name="Desk")
    ImpactFactory(programme=desk, unit=org.sites["LDS"], what_changes="New desk for Leeds.")
    ImpactFactory(programme=desk, unit=org.teams["LDS-T1"], what_changes="Your team pilots chat.")
    everyone = MilestoneFactory(programme=desk, name="Announcement", due=date(2026, 1, 5))
    leeds = MilestoneFactory(programme=desk, name="Leeds go-live", due=date(2026, 3, 1))
    leeds.units.set([org.sites["LDS"]])
    glasgow = MilestoneFactory(programme=desk, name="Glasgow go-live", due=date(2026, 2, 1))
    glasgow.units.set([org.sites["GLA"]])

    [change] = changes_for_person(agent)

    assert change["programme"] == desk
    assert [i.what_changes for i in change["impacts"]] == ["New desk for Leeds.", "Your team pilots chat."]
    assert change["milestones"] == [everyone, leeds]


def test_draft_and_finished_programmes_are_left_out(org):
    agent = org.users["employee"].person
    for status in ["draft", "completed", "cancelled"]:
        ImpactFactory(programme=ProgrammeFactory(status=status), unit=org.teams["LDS-T1"])

    assert changes_for_person(agent) == []


def test_the_what_changes_page_shows_each_programme_once(client_for, org):
    desk = ProgrammeFactory(name="Desk")
    ImpactFactory(programme=desk, unit=org.sites["LDS"])
    ImpactFactory(programme=desk, unit=org.teams["LDS-T1"])

    response = client_for("employee").get("/programmes/mine/")

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="my-change"') == 1
