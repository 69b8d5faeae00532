"""Anonymity, attacked end to end: answers go in through the answer service, the wave is published, and
an attacker reads everything the pages, the API and the exports offer for every unit and filter. No
group of 1..k-1 people may be shown, or be recoverable by adding and subtracting what is shown, for
the respondents as a whole or for any single statement (every statement may be skipped, so each has
its own group). Thresholds cannot be set below the floor, nor changed once a survey has opened."""

import csv
import datetime
import io
import re
import subprocess
import sys

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.anonymity import Cut, min_group_size
from allaboard.listening import results, services
from allaboard.listening.aggregates import parse_cut
from allaboard.listening.models import Answer, Response, Survey, ThresholdLocked
from allaboard.listening.tests.conftest import issue_link
from allaboard.listening.tests.test_differencing import recoverable_small_groups

K = 5


def open_pulse(org, name="Pulse"):
    lead = org.users["change_lead"]
    today = timezone.localdate()
    survey = services.create_survey(lead, {"name": name, "instruments": ["adkar", "open"]})
    wave = services.schedule_wave(lead, survey, today, today + datetime.timedelta(days=9))
    services.open_wave(wave, today)
    wave.refresh_from_db()
    return survey, wave


def answer(wave, invitation, level, skip=(), comment=""):
    today = timezone.localdate()
    data = {}
    for q in wave.survey.questions.all():
        if q.key in skip:
            continue
        if q.kind == "agree5":
            data[f"q{q.pk}"] = str(level)
        elif q.key == "open_worries" and comment:
            data[f"q{q.pk}"] = comment
    services.submit(services.personal_link(issue_link(invitation), today), data, today)


def answer_team(wave, team, count, level=4, skip=(), comment=""):
    invitations = list(wave.invitations.filter(unit__code=team).order_by("pk"))
    for invitation in invitations[:count]:
        answer(wave, invitation, level, skip, comment)


def close(wave):
    services.close_wave(wave)
    wave.refresh_from_db()


# --- the attacker --------------------------------------------------------------------------------------


def shown_figures(client, wave) -> dict[str, dict[Cut, int]]:
    """Everything the results API shows, for every unit of the wave and every filter on it:
    {figure: {cut: people behind it}}, figure being "respondents", "item:<key>", "scale:<name>"."""
    from allaboard.org.models import Unit

    seen: dict[str, dict[Cut, int]] = {}
    for unit in Unit.objects.filter(pk__in=[int(u) for u in wave.hierarchy]):
        for cut in ["", *(c for c, _ in results.filter_options(wave, unit))]:
            data = client.get(f"/api/v1/listening/waves/{wave.pk}/results", {"unit": unit.pk, "filter": cut})
            assert data.status_code == 200, data.content
            data = data.json()
            if not data["shown"]:
                assert data["respondents"] is None and data["items"] == [] and data["scales"] == []
                continue
            key = Cut(unit.pk, *parse_cut(cut))
            seen.setdefault("respondents", {})[key] = data["respondents"]
            for item in data["items"]:
                if item["n"]:
                    assert not item["reason"]
                    seen.setdefault(f"item:{item['key']}", {})[key] = item["n"]
                else:
                    assert item["mean"] is None and not any(item["distribution"].values())
            for scale in data["scales"]:
                if scale["mean"]:
                    seen.setdefault(f"scale:{scale['scale']}", {})[key] = scale["mean"]["n"]
    return seen


def people_behind(wave) -> dict[str, list[tuple]]:
    """The truth: for each figure, its people as (unit, {tenure, channel})."""
    out: dict[str, list[tuple]] = {"respondents": []}
    questions = {q.pk: q for q in wave.survey.questions.all()}
    for response in Response.objects.filter(wave=wave):
        person = (response.unit_id, {"tenure": response.tenure_band, "channel": response.channel})
        out["respondents"].append(person)
        answered = set(Answer.objects.filter(response=response).values_list("question_id", flat=True))
        by_scale: dict[str, list[int]] = {}
        for pk, q in questions.items():
            if q.kind == "agree5":
                by_scale.setdefault(q.scale, []).append(pk in answered)
                if pk in answered:
                    out.setdefault(f"item:{q.key}", []).append(person)
        for scale, flags in by_scale.items():
            if sum(flags) * 2 >= len(flags):  # a scale score needs half its statements
                out.setdefault(f"scale:{scale}", []).append(person)
    return out


def assert_nothing_small_is_revealed(client, wave, k=K):
    shown = shown_figures(client, wave)
    truth = people_behind(wave)
    parents = {int(u): (int(p) if p is not None else None) for u, p in wave.hierarchy.items()}
    for figure, cuts in shown.items():
        assert all(n >= k for n in cuts.values()), (figure, cuts)
        leaks = recoverable_small_groups(parents, truth[figure], set(cuts), k)
        assert leaks == [], (figure, leaks)
    return shown


# --- groups below k -------------------------------------------------------------------------------------


@pytest.fixture
def small_partner_team(org):
    """Every team answers in full except APX Team 2, where only two people answer."""
    survey, wave = open_pulse(org)
    for team in org.teams:
        answer_team(wave, team, 2 if team == "APX-T2" else 6, comment="The new desk worries me.")
    close(wave)
    return wave


def test_a_team_below_k_has_no_figure_in_pages_api_or_exports(org, small_partner_team, client_for):
    wave = small_partner_team
    client = client_for("change_lead")
    team = org.teams["APX-T2"].pk
    page = client.get(f"/listening/waves/{wave.pk}/?unit={team}")
    assert page.context["view"].items == [] and "fewer than 5 respondents" in page.content.decode()
    data = client.get(f"/api/v1/listening/waves/{wave.pk}/results?unit={team}").json()
    assert data["shown"] is False and data["respondents"] is None and data["items"] == []
    export = client.get(f"/listening/waves/{wave.pk}/export.csv?what=items&unit={team}")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and "fewer than 5 respondents" in rows[1][0]
    heat = client.get(f"/api/v1/listening/waves/{wave.pk}/heatmap").json()
    [row] = [r for r in heat["rows"] if r["unit_id"] == team]
    assert row["respondents"] is None and row["means"] == {}
    heat_csv = client.get(f"/listening/waves/{wave.pk}/export.csv?what=heatmap").content.decode("utf-8-sig")
    [line] = [r for r in csv.reader(io.StringIO(heat_csv)) if r[0] == org.teams["APX-T2"].name]
    assert line[1:-1] == [""] * (len(line) - 2)
    comments = client.get(f"/api/v1/listening/waves/{wave.pk}/comments?unit={team}").json()
    assert comments["shown"] is False and comments["comments"] == []
    assert client.get(f"/api/v1/listening/waves/{wave.pk}/reliability?unit={team}").json() == []
    trend = client.get(f"/api/v1/listening/surveys/{wave.survey_id}/trends?unit={team}").json()
    assert all(p["mean"] is None for t in trend for p in t["points"])


def test_a_team_and_its_department_differing_by_fewer_than_k_are_not_both_shown(
    org, small_partner_team, client_for
):
    shown = assert_nothing_small_is_revealed(client_for("change_lead"), small_partner_team)
    visible = set(shown["respondents"])
    assert not {Cut(org.teams["APX-T1"].pk), Cut(org.teams["APX-T1"].parent_id)} <= visible
    assert Cut(org.teams["LDS-T1"].pk) in visible  # large teams are shown


def test_participation_is_not_shown_where_fewer_than_k_were_invited(org, small_partner_team, client_for):
    data = (
        client_for("change_lead").get(f"/api/v1/listening/waves/{small_partner_team.pk}/participation").json()
    )
    [top] = [r for r in data[1:] if r["unit"] == "Example Org"]  # two people at the top
    assert top["invited"] is None and top["rate"] is None


# --- statements answered by fewer than k ---------------------------------------------------------------


@pytest.fixture
def skipped_statement(org):
    """Every team answers in full, except that only three in LDS Team 1 and two in LDS Team 2 answer
    "I understand why we are making this change" (adkar_a1)."""
    survey, wave = open_pulse(org)
    for team in org.teams:
        invitations = list(wave.invitations.filter(unit__code=team).order_by("pk"))
        for i, invitation in enumerate(invitations):
            skip = ("adkar_a1",) if (team == "LDS-T1" and i >= 3) or (team == "LDS-T2" and i >= 2) else ()
            answer(wave, invitation, 2 + i % 4, skip)
    close(wave)
    return wave


def test_a_statement_answered_by_fewer_than_k_is_suppressed_in_a_group_that_is_shown(
    org, skipped_statement, client_for
):
    wave = skipped_statement
    client = client_for("change_lead")
    team = org.teams["LDS-T1"].pk
    data = client.get(f"/api/v1/listening/waves/{wave.pk}/results?unit={team}").json()
    assert data["shown"] and data["respondents"] == 6
    by_key = {i["key"]: i for i in data["items"]}
    a1 = by_key["adkar_a1"]
    assert a1["n"] == 0 and a1["mean"] is None and a1["favourable"] is None and a1["reason"]
    assert by_key["adkar_a2"]["n"] == 6
    page = client.get(f"/listening/waves/{wave.pk}/?unit={team}").content.decode()
    assert "answered by too few people here" in page
    export = client.get(f"/listening/waves/{wave.pk}/export.csv?what=items&unit={team}")
    rows = {r[0]: r for r in csv.reader(io.StringIO(export.content.decode("utf-8-sig")))}
    a1_text = wave.survey.questions.get(key="adkar_a1").text
    assert rows[a1_text][4:] == ["", "", "", ""] and "too few" in rows[a1_text][3]


def test_a_statement_cannot_be_subtracted_between_a_department_and_its_team(
    org, skipped_statement, client_for
):
    """The department shows adkar_a1 for 3 + 2 = 5 people; each team alone is below k; whatever is shown,
    no combination of shown figures isolates fewer than five people's answers to the statement."""
    shown = assert_nothing_small_is_revealed(client_for("change_lead"), skipped_statement)
    a1 = shown["item:adkar_a1"]
    assert Cut(org.teams["LDS-T1"].pk) not in a1 and Cut(org.teams["LDS-T2"].pk) not in a1
    assert Cut(org.root.pk) in a1  # still shown where it is safe


def test_a_statement_that_everyone_answered_follows_the_group_rule_only(org, small_partner_team):
    data = results.overview(org.users["change_lead"], small_partner_team, org.teams["LDS-T1"].pk)
    assert all(item.n == 6 for item in data.items)


# --- the attack, on random organisations of answers ----------------------------------------------------

CHOICES = ["none", "all", "skip_a1", "skip_a1_k1", "skip_knowledge"]
SKIPS = {
    "all": (),
    "skip_a1": ("adkar_a1",),
    "skip_a1_k1": ("adkar_a1", "adkar_k1"),
    "skip_knowledge": ("adkar_k1", "adkar_k2"),
}


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(st.sampled_from(CHOICES), min_size=38, max_size=38))
def test_no_route_lets_anyone_recover_a_group_below_k(org, client_for, plan):
    survey, wave = open_pulse(org, name=f"Attack {Survey.objects.count()}")
    invitations = list(wave.invitations.order_by("unit__path", "pk"))
    for i, (invitation, what) in enumerate(zip(invitations, plan, strict=True)):
        if what != "none":
            answer(wave, invitation, 1 + i % 5, SKIPS[what])
    close(wave)
    assert_nothing_small_is_revealed(client_for("change_lead"), wave)


# --- team leaders see their teams only -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/listening/waves/{wave}/?unit={unit}",
        "/listening/waves/{wave}/heatmap/?unit={unit}",
        "/listening/waves/{wave}/participation/?unit={unit}",
        "/listening/waves/{wave}/reliability/?unit={unit}",
        "/listening/waves/{wave}/drivers/?unit={unit}",
        "/listening/waves/{wave}/comments/?unit={unit}",
        "/listening/waves/{wave}/export.csv?what=items&unit={unit}",
        "/listening/waves/{wave}/export.xlsx?what=heatmap&unit={unit}",
        "/listening/{survey}/trends/?unit={unit}",
        "/api/v1/listening/waves/{wave}/results?unit={unit}",
        "/api/v1/listening/waves/{wave}/heatmap?unit={unit}",
        "/api/v1/listening/waves/{wave}/participation?unit={unit}",
        "/api/v1/listening/waves/{wave}/reliability?unit={unit}",
        "/api/v1/listening/waves/{wave}/drivers?unit={unit}",
        "/api/v1/listening/waves/{wave}/comments?unit={unit}",
        "/api/v1/listening/surveys/{survey}/trends?unit={unit}",
    ],
)
def test_a_team_leader_cannot_read_another_team_or_the_site_above(org, small_partner_team, client_for, path):
    client = client_for("team_leader")
    wave = small_partner_team
    for unit in (org.teams["LDS-T2"], org.sites["LDS"], org.root):
        url = path.format(wave=wave.pk, survey=wave.survey_id, unit=unit.pk)
        assert client.get(url).status_code == 403, url
    own = path.format(wave=wave.pk, survey=wave.survey_id, unit=org.teams["LDS-T1"].pk)
    assert client.get(own).status_code == 200, own


def test_a_team_leaders_heatmap_and_participation_list_only_their_teams(org, small_partner_team, client_for):
    client = client_for("team_leader")
    wave = small_partner_team
    heat = client.get(f"/api/v1/listening/waves/{wave.pk}/heatmap").json()
    assert [r["unit_id"] for r in heat["rows"]] == [org.teams["LDS-T1"].pk]
    rows = client.get(f"/api/v1/listening/waves/{wave.pk}/participation").json()
    assert {r["unit_id"] for r in rows} == {org.teams["LDS-T1"].pk}


def test_an_employee_reads_no_results_anywhere(org, small_partner_team, client_for):
    client = client_for("employee")
    wave = small_partner_team
    for url in (
        f"/listening/waves/{wave.pk}/",
        f"/listening/waves/{wave.pk}/export.csv",
        f"/api/v1/listening/waves/{wave.pk}/results",
        f"/api/v1/listening/waves/{wave.pk}/comments",
    ):
        assert client.get(url).status_code == 403, url


# --- thresholds: never below the floor, fixed once open -----------------------------------------------


def test_k_below_the_platform_minimum_is_refused_on_the_page_and_nothing_is_created(org, client_for):
    client = client_for("change_lead")
    form = {"name": "Tiny", "instruments": ["adkar"], "window_days": 10, "recurrence_weeks": 0}
    page = client.post("/listening/new/", {**form, "min_group_size": 4})
    assert page.status_code == 400 and "at least the platform&#x27;s minimum, 5" in page.content.decode()
    page = client.post("/listening/new/", {**form, "min_group_size": 2})
    assert page.status_code == 400
    page = client.post("/listening/new/", {**form, "min_group_size": "five"})
    assert page.status_code == 400 and "Enter a whole number" in page.content.decode()
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    "value, status, message",
    [(2, 400, "at least"), (4, 400, "at least"), ("abc", 400, "integer")],
)
def test_k_below_the_floor_or_not_a_number_is_refused_by_the_api(org, client_for, value, status, message):
    client = client_for("change_lead")
    response = client.post(
        "/api/v1/listening/surveys",
        {"name": "Tiny", "instruments": ["adkar"], "min_group_size": value},
        content_type="application/json",
    )
    assert response.status_code == status
    assert "min_group_size" in response.content.decode() and message in response.content.decode()
    assert not Survey.objects.exists()


def test_a_comment_threshold_below_k_is_refused(org):
    with pytest.raises(services.InputError, match="min_comment_group_size"):
        services.create_survey(
            org.users["change_lead"], {"name": "x", "min_group_size": 8, "min_comment_group_size": 6}
        )
    with pytest.raises(services.InputError, match="whole number"):
        services.create_survey(org.users["change_lead"], {"name": "x", "min_group_size": "lots"})
    assert not Survey.objects.exists()


def test_thresholds_are_fixed_once_the_survey_has_opened(org, small_partner_team, client_for):
    survey = small_partner_team.survey
    client = client_for("admin")
    response = client.patch(
        f"/api/v1/listening/surveys/{survey.pk}", {"min_group_size": 3}, content_type="application/json"
    )
    assert response.status_code == 400 and "fixed once the survey has opened" in response.content.decode()
    survey.refresh_from_db()
    assert survey.min_group_size == 5
    survey.min_group_size = 3
    with pytest.raises(ThresholdLocked):
        survey.save()
    edit = client.get(f"/listening/{survey.pk}/edit/").content.decode()
    assert re.search(r'<input[^>]*name="min_group_size"[^>]*disabled', edit)


def test_the_platform_minimum_never_goes_below_three(settings):
    settings.ALLABOARD_MIN_GROUP_SIZE = 1
    assert min_group_size() == 3


def test_a_non_numeric_minimum_in_the_environment_stops_start_up_with_a_clear_error(tmp_path):
    code = "import django; django.setup()"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "allaboard.settings",
        "ALLABOARD_SECRET_KEY": "x" * 50,
        "ALLABOARD_DATA_DIR": str(tmp_path),
        "ALLABOARD_MIN_GROUP_SIZE": "five",
    }
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "ALLABOARD_MIN_GROUP_SIZE must be a whole number, not 'five'" in done.stderr
