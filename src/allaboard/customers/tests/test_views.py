"""The customer pages render the figures, and the import goes upload -> preview with mapping -> confirm."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from allaboard.customers.models import Feedback, FeedbackSource, Upload
from allaboard.org.models import Role
from allaboard.programmes.models import MilestoneKind
from allaboard.programmes.tests.factories import MilestoneFactory, ProgrammeFactory

from .factories import add_many

FILE = (
    "Response ID,Submitted At,Team Code,Overall Satisfaction,Likelihood to recommend,Verbatim,Region\n"
    "s1,2025-03-03,LDS-T1,5,10,Lovely,North\n"
    "s2,2025-03-04,GLA-T1,2,4,,South\n"
)


@pytest.fixture
def scored(org):
    today = date.today()
    add_many(org.teams["LDS-T1"], [(10, 5, 7)] * 40 + [(3, 2, 2)] * 10, day=today - timedelta(days=2))
    add_many(org.teams["GLA-T1"], [(8, 4, 5)] * 5, day=today - timedelta(days=40))
    return org


def test_the_overview_shows_figures_trend_and_breakdown(client_for, scored):
    page = client_for(Role.CHANGE_LEAD).get(reverse("customers:overview"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "NPS" in text and "LDS Team 1" in text and 'data-chart="trend"' in text
    assert 'id="trend-data"' in text
    assert "n=50" in text


def test_small_groups_are_greyed_with_their_n(client_for, scored):
    page = client_for(Role.CHANGE_LEAD).get(reverse("customers:overview") + "?days=90")
    assert "n=5, too few to rely on" in page.content.decode()


@pytest.mark.parametrize("by", ["team", "site", "partner", "channel"])
def test_every_breakdown_renders(client_for, scored, by):
    assert (
        client_for(Role.SPONSOR).get(reverse("customers:overview") + f"?by={by}&period=week").status_code
        == 200
    )


def test_the_impact_page_shows_each_milestone(client_for, scored):
    programme = ProgrammeFactory()
    milestone = MilestoneFactory(
        programme=programme, kind=MilestoneKind.GO_LIVE, due=date.today() - timedelta(days=5)
    )
    milestone.units.set([scored.sites["LDS"]])
    page = client_for(Role.CHANGE_LEAD).get(reverse("customers:impact") + f"?programme={programme.pk}")
    assert page.status_code == 200
    assert milestone.name in page.content.decode() and "Teams the milestone changed" in page.content.decode()


def test_the_themes_and_linkage_pages_render_without_comments(client_for, scored):
    ProgrammeFactory()
    assert client_for(Role.CHANGE_LEAD).get(reverse("customers:themes")).status_code == 200
    page = client_for(Role.CHANGE_LEAD).get(reverse("customers:linkage"))
    assert page.status_code == 200 and "association, not proof" in page.content.decode()


def test_the_home_page_has_a_customer_card_for_leaders(client_for, scored):
    assert "Customers" in client_for(Role.TEAM_LEADER).get(reverse("home")).content.decode()


# ---- import flow ----------------------------------------------------------------------------------------


def upload(client, content: str = FILE, source: str = "Post-contact survey", name: str = "survey.csv"):
    return client.post(
        reverse("customers:import"), {"file": SimpleUploadedFile(name, content.encode()), "source": source}
    )


def test_upload_preview_and_confirm_imports_and_saves_the_mapping(client_for, org):
    client = client_for(Role.CHANGE_LEAD)
    response = upload(client)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    text = preview.content.decode()
    assert preview.status_code == 200 and "Lovely" in text
    assert '<option value="overall_satisfaction" selected>' in text
    form = {
        "map_external_id": "response_id",
        "map_date": "submitted_at",
        "map_team": "team_code",
        "map_csat": "overall_satisfaction",
        "map_nps": "likelihood_to_recommend",
        "map_comment": "verbatim",
        "keep_extra": "1",
    }
    done = client.post(response["Location"], form)
    assert done.status_code == 302
    assert Feedback.objects.count() == 2 and not Upload.objects.exists()
    assert Feedback.objects.get(external_id="s1").attributes == {"region": "North"}
    source = FeedbackSource.objects.get(name="Post-contact survey")
    assert source.mapping["csat"] == "overall_satisfaction"
    # The next file from the same source is mapped from the saved mapping.
    again = client.get(upload(client, FILE.replace("s1", "s3").replace("s2", "s4"))["Location"])
    assert '<option value="overall_satisfaction" selected>' in again.content.decode()


def test_a_bad_file_shows_every_problem_and_stores_nothing(client_for, org):
    client = client_for(Role.ADMIN)
    bad = FILE + "s5,2025-03-05,NOPE,9,12,,East\n"
    location = upload(client, bad)["Location"]
    form = {
        "map_date": "submitted_at",
        "map_team": "team_code",
        "map_csat": "overall_satisfaction",
        "map_nps": "likelihood_to_recommend",
        "map_external_id": "response_id",
    }
    page = client.post(location, form)
    assert page.status_code == 400
    text = page.content.decode()
    assert "Nothing was imported" in text and "unknown team code" in text and "outside 1-5" in text
    assert not Feedback.objects.exists() and Upload.objects.exists()
    assert not FeedbackSource.objects.exists()


def test_a_file_with_a_repeated_column_name_is_refused_at_upload(client_for, org):
    content = FILE.replace("Verbatim", "Team Code", 1)
    response = upload(client_for(Role.ADMIN), content)
    assert response.status_code == 400
    assert "columns named &#x27;team_code&#x27;" in response.content.decode()
    assert not Upload.objects.exists() and not Feedback.objects.exists()


def test_mapping_two_fields_to_one_column_is_refused_and_writes_nothing(client_for, org):
    client = client_for(Role.ADMIN)
    location = upload(client)["Location"]
    form = {
        "map_date": "submitted_at",
        "map_team": "team_code",
        "map_csat": "overall_satisfaction",
        "map_nps": "overall_satisfaction",
        "map_external_id": "response_id",
    }
    page = client.post(location, form)
    assert page.status_code == 400
    assert "already mapped to csat" in page.content.decode()
    assert not Feedback.objects.exists() and not FeedbackSource.objects.exists()


def test_an_unreadable_upload_is_refused_at_once(client_for, org):
    client = client_for(Role.ADMIN)
    response = client.post(
        reverse("customers:import"), {"file": SimpleUploadedFile("f.csv", "é,b\n1,2\n".encode("latin-1"))}
    )
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()
    assert not Upload.objects.exists()


def test_an_unknown_upload_token_is_404(client_for, org):
    assert client_for(Role.ADMIN).get(reverse("customers:import_preview", args=["nope"])).status_code == 404


def test_agent_links_appear_only_for_teams_whose_agents_the_user_may_see(client_for, scored):
    lds, gla = scored.teams["LDS-T1"], scored.teams["GLA-T1"]
    lead = client_for(Role.CHANGE_LEAD).get(reverse("customers:overview") + "?days=90").content.decode()
    assert (
        reverse("customers:unit_agents", args=[lds.pk]) in lead
        and reverse("customers:unit_agents", args=[gla.pk]) in lead
    )
    sponsor = client_for(Role.SPONSOR).get(reverse("customers:overview") + "?days=90").content.decode()
    assert "/agents/" not in sponsor
    leader = client_for(Role.TEAM_LEADER).get(reverse("customers:overview") + "?days=90").content.decode()
    assert reverse("customers:unit_agents", args=[lds.pk]) in leader


def test_a_huge_upload_is_refused_without_reading_it_all(client_for, org, settings):
    settings.ALLABOARD_IMPORT_MAX_BYTES = 10_000
    big = "response_id,date,team,csat\n" + "r,2025-03-03,LDS-T1,5\n" * 5_000
    response = upload(client_for(Role.ADMIN), big)
    assert response.status_code == 400 and "larger than" in response.content.decode()
    assert not Upload.objects.exists()
