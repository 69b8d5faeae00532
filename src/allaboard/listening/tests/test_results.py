"""Results read through the pages and the API, pinned to values computed by hand in this file.

The scenario (k = 5): every team of six answers the ADKAR pulse. In LDS Team 1 each person gives one
level per element (every statement of the element; the reverse-scored "I would rather we kept working
the way we do now" is answered 6 - level, so it scores the level):

    person  A  D  K  Ab R   barrier point (first element at 3 or lower, in A-D-K-A-R order)
    1       4  4  4  4  4   none
    2       2  4  4  4  4   awareness
    3       4  3  2  4  4   desire
    4       4  4  2  4  4   knowledge
    5       4  4  2  1  4   knowledge
    6       5  5  5  5  3   reinforcement

so its element means are A 23/6, D 24/6, K 19/6, Ab 22/6, R 23/6. GLA Team 1 answers 3 to everything
(reverse item 3), every other team 4 (reverse item 2). The organisation's two people at the top do not
answer, so the organisation has 36 respondents of 38 invited.
"""

import math

import pytest

from allaboard.listening import results, services
from allaboard.listening.tests.conftest import issue_link

LDS1 = [(4, 4, 4, 4, 4), (2, 4, 4, 4, 4), (4, 3, 2, 4, 4), (4, 4, 2, 4, 4), (4, 4, 2, 1, 4), (5, 5, 5, 5, 3)]
ELEMENTS = ("awareness", "desire", "knowledge", "ability", "reinforcement")


def levels_answers(pulse, levels, commit=4) -> dict:
    by_element = dict(zip(ELEMENTS, levels, strict=True))
    data = {}
    for q in pulse.questions():
        if q.scale in by_element:
            level = by_element[q.scale]
            data[f"q{q.pk}"] = str(6 - level if q.reverse else level)
        elif q.is_outcome:
            data[f"q{q.pk}"] = str(commit)
    return data


def answer_with(pulse, invitation, data):
    state = services.personal_link(issue_link(invitation), pulse.today)
    return services.submit(state, data, pulse.today)


@pytest.fixture
def closed(org, pulse):
    for team in org.teams:
        invitations = pulse.invitations(team)
        assert len(invitations) == 6
        for i, invitation in enumerate(invitations):
            if team == "LDS-T1":
                levels = LDS1[i]
            elif team == "GLA-T1":
                levels = (3,) * 5
            else:
                levels = (4,) * 5
            answer_with(pulse, invitation, levels_answers(pulse, levels))
    pulse.close()
    return pulse


def q(pulse, key):
    return pulse.survey.questions.get(key=key)


def api(client, path):
    response = client.get(f"/api/v1{path}")
    assert response.status_code == 200, response.content
    return response.json()


# --- item and element figures -----------------------------------------------------------------------


def test_item_mean_favourable_share_distribution_and_interval_for_a_team(org, closed, client_for):
    team = org.teams["LDS-T1"]
    view = results.overview(org.users["change_lead"], closed.wave, team.pk)
    [item] = [i for i in view.items if i.question.key == "adkar_a1"]
    # Answers 4, 2, 4, 4, 4, 5: mean 23/6; favourable (4 or 5) 5 of 6.
    assert item.n == 6 and item.mean.estimate == pytest.approx(23 / 6)
    assert item.favourable == pytest.approx(5 / 6)
    assert [(label, count) for label, count, _ in item.distribution] == [
        ("Strongly disagree", 0),
        ("Disagree", 1),
        ("Neither agree nor disagree", 0),
        ("Agree", 4),
        ("Strongly agree", 1),
    ]
    # Student t interval by hand: sum of squared deviations 29/6, s^2 = 29/30, t(0.975, 5) = 2.570582.
    half = 2.570582 * math.sqrt((29 / 30) / 6)
    assert item.mean.low == pytest.approx(23 / 6 - half, abs=1e-5)
    assert item.mean.high == pytest.approx(23 / 6 + half, abs=1e-5)


def test_a_reverse_scored_item_is_mirrored_before_its_mean_and_favourable_share(org, closed):
    view = results.overview(org.users["change_lead"], closed.wave, org.teams["LDS-T1"].pk)
    [item] = [i for i in view.items if i.question.key == "adkar_d3"]
    # Raw answers 2, 2, 3, 2, 2, 1 mean agreeing little with "I would rather we kept the old way":
    # mirrored (6 - x) they are the desire levels 4, 4, 3, 4, 4, 5: mean 4, favourable 5 of 6.
    assert item.question.reverse
    assert item.mean.estimate == pytest.approx(4.0)
    assert item.favourable == pytest.approx(5 / 6)
    assert dict((label, count) for label, count, _ in item.distribution)["Disagree"] == 4  # raw wording


def test_element_means_and_favourable_shares_for_a_team(org, closed):
    view = results.overview(org.users["change_lead"], closed.wave, org.teams["LDS-T1"].pk)
    means = {s.scale: s.mean.estimate for s in view.scales}
    assert means == pytest.approx(
        {"awareness": 23 / 6, "desire": 4.0, "knowledge": 19 / 6, "ability": 22 / 6, "reinforcement": 23 / 6}
        | {"commitment": 4.0}
    )
    favourable = {s.scale: s.favourable for s in view.scales}
    assert favourable["knowledge"] == pytest.approx(3 / 6)  # 4, 4, 5 of 4, 4, 2, 2, 2, 5 per item
    assert favourable["ability"] == pytest.approx(5 / 6)


def test_barrier_point_shares_of_a_team(org, closed):
    view = results.overview(org.users["change_lead"], closed.wave, org.teams["LDS-T1"].pk)
    shares = {element: (count, share) for element, _, count, share in view.barriers}
    assert shares == {
        "awareness": (1, pytest.approx(1 / 6)),
        "desire": (1, pytest.approx(1 / 6)),
        "knowledge": (2, pytest.approx(2 / 6)),
        "ability": (0, 0),
        "reinforcement": (1, pytest.approx(1 / 6)),
        "none": (1, pytest.approx(1 / 6)),
    }


def test_the_overview_shows_organisation_and_parent_means_beside_the_team(org, closed):
    view = results.overview(org.users["change_lead"], closed.wave, org.teams["LDS-T1"].pk)
    knowledge = next(s for s in view.scales if s.scale == "knowledge")
    # Organisation: (19 + 18 + 4 x 24) / 36; parent department: (19 + 24) / 12.
    assert knowledge.organisation == pytest.approx(133 / 36)
    assert knowledge.parent == pytest.approx(43 / 12)


def test_results_pool_answers_given_in_every_language(org, pulse):
    lead = org.users["change_lead"]
    for question in pulse.questions():
        services.add_translation(lead, question, "cy", f"(cy) {question.text}")
    key = "adkar_a1"
    question = q(pulse, key)
    invitations = pulse.invitations("LDS-T1")
    for i, invitation in enumerate(invitations):
        state = services.personal_link(issue_link(invitation), pulse.today)
        services.submit(state, {f"q{question.pk}": str(2 + i % 2 * 3)}, pulse.today, "cy" if i % 2 else "en")
    for invitation in pulse.invitations("LDS-T2"):
        pulse.answer(invitation, 4)
    pulse.close()
    view = results.overview(lead, pulse.wave, org.teams["LDS-T1"].pk)
    [item] = [i for i in view.items if i.question.key == key]
    assert item.n == 6 and item.mean.estimate == pytest.approx((3 * 2 + 3 * 5) / 6)


# --- participation -----------------------------------------------------------------------------------


def test_participation_by_team_and_the_60_percent_flag(org, pulse):
    for invitation in pulse.invitations("LDS-T1"):
        pulse.answer(invitation, 4)
    for invitation in pulse.invitations("LDS-T2")[:3]:
        pulse.answer(invitation, 4)
    mine, rows = results.participation(org.users["change_lead"], pulse.wave, org.sites["LDS"].pk)
    by_team = {r.unit.code: (r.invited, r.responded, r.percent, r.low) for r in rows}
    assert by_team == {"LDS-T1": (6, 6, 100, False), "LDS-T2": (6, 3, 50, True)}
    assert (mine.invited, mine.responded, mine.percent) == (12, 9, 75)


def test_participation_is_shown_while_the_wave_is_open_but_results_are_not(org, pulse):
    for invitation in pulse.invitations("LDS-T1"):
        pulse.answer(invitation, 4)
    view = results.overview(org.users["change_lead"], pulse.wave, org.teams["LDS-T1"].pk)
    assert not view.data.visible and view.data.reason == results.NOT_PUBLISHED and view.items == []
    assert view.participation.responded == 6


# --- heatmap ------------------------------------------------------------------------------------------


def test_heatmap_of_teams_by_elements_sorted_by_the_lowest_knowledge(org, closed):
    heat = results.heatmap(org.users["change_lead"], closed.wave, None, "", "knowledge")
    order = [(r.unit.code, r.cells["knowledge"]) for r in heat.rows]
    assert order == [
        ("GLA-T1", pytest.approx(3.0)),
        ("LDS-T1", pytest.approx(19 / 6)),
        ("APX-T1", pytest.approx(4.0)),
        ("APX-T2", pytest.approx(4.0)),
        ("GLA-T2", pytest.approx(4.0)),
        ("LDS-T2", pytest.approx(4.0)),
    ]
    assert heat.organisation.cells["knowledge"] == pytest.approx(133 / 36)
    assert heat.parent is None  # the organisation is the scope


def test_heatmap_of_a_site_has_the_organisation_and_the_site_as_comparison_rows(org, closed):
    heat = results.heatmap(org.users["change_lead"], closed.wave, org.sites["LDS"].pk)
    assert [r.unit.code for r in heat.rows] == ["LDS-T1", "LDS-T2"]
    assert heat.parent.unit.code == "LDS" and heat.parent.cells["knowledge"] == pytest.approx(43 / 12)
    assert heat.organisation.unit.code == "ORG"


def test_heatmap_refuses_an_unknown_sort_with_a_clear_error(org, closed, client_for):
    page = client_for("change_lead").get(f"/listening/waves/{closed.wave.pk}/heatmap/?sort=shoe_size")
    assert page.status_code == 400 and "sort: must be name or one of" in page.content.decode()


# --- trends -------------------------------------------------------------------------------------------


def second_wave(org, pulse, level):
    import datetime

    lead = org.users["change_lead"]
    opens = pulse.wave.closes + datetime.timedelta(days=1)
    wave = services.schedule_wave(lead, pulse.survey, opens, opens + datetime.timedelta(days=9))
    services.open_wave(wave, opens)
    for invitation in wave.invitations.filter(unit__code="LDS-T1").order_by("pk"):
        state = services.personal_link(issue_link_on(invitation, opens), opens)
        services.submit(state, levels_answers(pulse, (level,) * 5), opens)
    for invitation in wave.invitations.filter(unit__code="LDS-T2").order_by("pk"):
        state = services.personal_link(issue_link_on(invitation, opens), opens)
        services.submit(state, levels_answers(pulse, (4,) * 5), opens)
    services.close_wave(wave)
    wave.refresh_from_db()
    return wave


def issue_link_on(invitation, day):
    """Issue a link for a wave that opens on a later day (the renderer checks today's date)."""
    from allaboard.listening import links
    from allaboard.listening.models import Invitation

    token = links.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=links.invite_hash(token))
    return token


def test_trend_between_waves_has_welch_intervals_and_marks_a_change_larger_than_noise(org, closed):
    wave2 = second_wave(org, closed, 5)
    scope, series = results.trends(org.users["change_lead"], closed.survey, org.teams["LDS-T1"].pk)
    knowledge = next(t for t in series if t.scale == "knowledge")
    first, second = knowledge.points
    assert (first.wave, second.wave) == (closed.wave, wave2)
    assert first.mean.estimate == pytest.approx(19 / 6) and second.mean.estimate == pytest.approx(5.0)
    # Wave 2 is 5 for all six (no variance); wave 1 is 4, 4, 2, 2, 2, 5: squared deviations from 19/6
    # add up to 53/6, s^2 = 53/30, variance of the mean 53/180. Welch: difference 11/6, df = 5 (all the
    # variance is wave 1's), t(0.975, 5) = 2.570582.
    half = 2.570582 * math.sqrt(53 / 180)
    assert second.change.estimate == pytest.approx(11 / 6)
    assert second.change.low == pytest.approx(11 / 6 - half, abs=1e-5)
    assert second.change.high == pytest.approx(11 / 6 + half, abs=1e-5)
    assert second.change.larger_than_noise  # the interval (0.44, 3.23) excludes zero
    ability = next(t for t in series if t.scale == "ability")
    # 4, 4, 4, 4, 1, 5 then 5s: difference 4/3, s^2 = 28/15, half width 2.570582 x sqrt(28/90) = 1.43.
    assert ability.points[1].change.estimate == pytest.approx(4 / 3)
    assert not ability.points[1].change.larger_than_noise


def test_trends_page_and_api_agree(org, closed, client_for):
    second_wave(org, closed, 5)
    client = client_for("change_lead")
    team = org.teams["LDS-T1"].pk
    page = client.get(f"/listening/{closed.survey.pk}/trends/?unit={team}")
    assert page.status_code == 200
    chart = {c["scale"]: c for c in page.context["chart"]}
    data = {t["title"]: t for t in api(client, f"/listening/surveys/{closed.survey.pk}/trends?unit={team}")}
    for title, series in chart.items():
        assert series["mean"] == [round(p["mean"]["estimate"], 3) for p in data[title]["points"]]
    assert data["Knowledge"]["points"][1]["change"]["larger_than_noise"] is True


# --- reliability and key drivers ----------------------------------------------------------------------


def test_cronbach_alpha_of_a_scale_matches_a_hand_calculation(org, closed):
    """Knowledge is k1 and k2, answered identically by everyone, so alpha is 1 over the organisation;
    desire (d1, d2, mirrored d3) likewise. Alpha for the organisation from the stored cross-products
    must equal the textbook formula on the raw answers (Cronbach 1951): k/(k-1) (1 - sum var_i / var_total)."""
    import numpy as np

    scope, data, scales = results.reliability(org.users["change_lead"], closed.wave)
    by_scale = {s.scale: s for s in scales}
    assert by_scale["knowledge"].result.alpha == pytest.approx(1.0)
    # Recompute awareness from the stored answers by hand, mirrored where reverse-scored.
    from allaboard.listening.models import Answer

    items = list(closed.survey.questions.filter(scale="desire").order_by("position"))
    rows = []
    for response in closed.wave.responses.all():
        values = {a.question_id: a.value for a in Answer.objects.filter(response=response)}
        rows.append([q_.scored(values[q_.pk]) for q_ in items])
    matrix = np.array(rows)
    k = matrix.shape[1]
    expected = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / matrix.sum(axis=1).var(ddof=1))
    assert by_scale["desire"].result.alpha == pytest.approx(expected)


def test_reliability_page_and_api_agree(org, closed, client_for):
    client = client_for("change_lead")
    page = client.get(f"/listening/waves/{closed.wave.pk}/reliability/")
    data = {r["scale"]: r for r in api(client, f"/listening/waves/{closed.wave.pk}/reliability")}
    for scale in page.context["scales"]:
        assert data[scale.scale]["alpha"] == pytest.approx(scale.result.alpha)


def test_key_drivers_rank_the_element_that_moves_with_commitment_first(org, pulse, client_for):
    """36 respondents: commitment equals each person's knowledge level, other elements vary apart from
    it, so knowledge carries most of R squared. Shapley shares sum to 100% of R squared (LMG)."""
    patterns = [
        (4, 4, 2, 4, 4),
        (4, 5, 3, 4, 3),
        (5, 4, 4, 3, 4),
        (3, 4, 5, 5, 4),
        (4, 3, 1, 4, 5),
        (5, 5, 3, 3, 4),
    ]
    for t, team in enumerate(org.teams):
        for i, invitation in enumerate(pulse.invitations(team)):
            levels = patterns[(i + t) % 6]
            answer_with(pulse, invitation, levels_answers(pulse, levels, commit=levels[2]))
    pulse.close()
    client = client_for("change_lead")
    found = results.drivers(org.users["change_lead"], pulse.wave)
    assert found.n == 36 and found.result is not None
    weights = dict(zip(found.result.predictors, found.result.weights, strict=True))
    assert max(weights, key=weights.get) == "knowledge"
    assert sum(found.result.weights) == pytest.approx(found.result.r_squared)
    assert found.result.r_squared == pytest.approx(1.0)
    data = api(client, f"/listening/waves/{pulse.wave.pk}/drivers")
    assert data["drivers"][0]["driver"] == "knowledge" and data["n"] == 36
    page = client.get(f"/listening/waves/{pulse.wave.pk}/drivers/")
    assert page.context["rows"][0][0] == "Knowledge"


def test_key_drivers_are_not_estimated_for_a_group_of_25_or_fewer(org, closed):
    found = results.drivers(org.users["change_lead"], closed.wave, org.sites["LDS"].pk)
    assert found.result is None and "at least 26 complete responses" in found.reason


# --- the API shows what the pages show ----------------------------------------------------------------


def test_results_api_equals_the_overview_page(org, closed, client_for):
    client = client_for("change_lead")
    team = org.teams["LDS-T1"].pk
    page = client.get(f"/listening/waves/{closed.wave.pk}/?unit={team}")
    view = page.context["view"]
    data = api(client, f"/listening/waves/{closed.wave.pk}/results?unit={team}")
    assert data["respondents"] == view.data.respondents == 6
    assert [s["mean"]["estimate"] for s in data["scales"]] == [s.mean.estimate for s in view.scales]
    assert [i["favourable"] for i in data["items"]] == [i.favourable for i in view.items]
    assert [(b["element"], b["count"]) for b in data["barriers"]] == [(b[0], b[2]) for b in view.barriers]
    html = page.content.decode()
    assert "3.17" in html  # knowledge, 19/6, as the page prints it


def test_heatmap_api_equals_the_heatmap_page(org, closed, client_for):
    client = client_for("change_lead")
    page = client.get(f"/listening/waves/{closed.wave.pk}/heatmap/?sort=knowledge")
    data = api(client, f"/listening/waves/{closed.wave.pk}/heatmap?sort=knowledge")
    assert [r["unit_id"] for r in data["rows"]] == [r.unit.pk for r in page.context["heat"].rows]
    assert [r["means"] for r in data["rows"]] == [r.cells for r in page.context["heat"].rows]


def test_participation_api_equals_the_page(org, closed, client_for):
    client = client_for("change_lead")
    page = client.get(f"/listening/waves/{closed.wave.pk}/participation/")
    data = api(client, f"/listening/waves/{closed.wave.pk}/participation")
    assert data[0]["invited"] == page.context["mine"].invited == 38
    assert data[0]["responded"] == page.context["mine"].responded == 36
    assert [(r["unit"], r["responded"]) for r in data[1:]] == [
        (r.unit.name, r.responded if r.shown else None) for r in page.context["rows"]
    ]
    assert data[1]["unit"] == "Example Org" and data[1]["invited"] is None  # 2 invited: below k


def test_exports_carry_the_page_figures_and_neutralise_formulas(org, closed, client_for):
    import csv
    import io

    from allaboard.listening.models import Question

    Question.objects.filter(survey=closed.survey, key="adkar_a1").update(text='=HYPERLINK("x")')
    client = client_for("change_lead")
    team = org.teams["LDS-T1"].pk
    export = client.get(f"/listening/waves/{closed.wave.pk}/export.csv?what=items&unit={team}")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_text = {r[0]: r for r in rows[1:]}
    assert '\'=HYPERLINK("x")' in by_text
    assert float(by_text['\'=HYPERLINK("x")'][4]) == pytest.approx(round(23 / 6, 3))
    xlsx = client.get(f"/listening/waves/{closed.wave.pk}/export.xlsx?what=heatmap")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
