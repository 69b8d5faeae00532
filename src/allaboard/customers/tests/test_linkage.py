"""Team readiness against customer outcomes, read from a real published listening pulse.

The correlation interval is pinned to a hand computation (Fisher's z transformation: R. A. Fisher, "On the
'probable error' of a coefficient of correlation deduced from a small sample", Metron 1, 1921; the interval
tanh(atanh(r) +/- 1.959964 / sqrt(n - 3)) as in any statistics text, e.g. Howell, Statistical Methods for
Psychology, 8th ed., section 9.11). For the four teams below:

    x (Ability mean)  4.2, 3.1, 3.8, 2.6      mean 3.425   deviations  0.775, -0.325, 0.375, -0.825
    y (NPS)           60, -20, 40, -40        mean 10      deviations  50, -30, 30, -50
    Sxy = 38.75 + 9.75 + 11.25 + 41.25 = 101.0
    Sxx = 0.600625 + 0.105625 + 0.140625 + 0.680625 = 1.5275      Syy = 2500 + 900 + 900 + 2500 = 6800
    r = 101 / sqrt(1.5275 x 6800) = 101 / 101.9166 = 0.99101
    z = atanh(0.99101) = 2.69992; se = 1 / sqrt(4 - 3) = 1
    interval: tanh(2.69992 - 1.959964) = tanh(0.73996) = 0.62912 to tanh(4.65989) = 0.99982
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from allaboard.customers import services
from allaboard.org.models import Role
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import add_many

factories = pytest.importorskip("allaboard.listening.tests.factories")
pytestmark = pytest.mark.django_db

CLOSES = date.today() - timedelta(days=10)
OPENS = CLOSES - timedelta(days=40)  # a long pulse: its own period is wider than 28 days
ABILITY = {"LDS-T1": 4.2, "LDS-T2": 3.1, "GLA-T1": 3.8, "GLA-T2": 2.6}
NPS = {"LDS-T1": (8, 2), "LDS-T2": (4, 6), "GLA-T1": (7, 3), "GLA-T2": (3, 7)}  # NPS 60, -20, 40, -40


def answers(promoters: int, detractors: int):
    return [(10, 5, None)] * promoters + [(2, 1, None)] * detractors


def _tally(wave, unit, mean, n, visible=True):
    factories.TallyFactory(
        wave=wave,
        unit=unit,
        rollup=True,
        cut="",
        respondents=n,
        visible=visible,
        scales={"ability": {"n": n, "t": mean * n, "q": mean * mean * n + 1.0}},
    )


@pytest.fixture
def pulse(org, settings):
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 5
    programme = ProgrammeFactory()
    survey = factories.SurveyFactory(programme=programme)
    factories.QuestionFactory(survey=survey, scale="ability")
    wave = factories.WaveFactory(survey=survey, opens=OPENS, closes=CLOSES, published=True)
    for code, mean in ABILITY.items():
        _tally(wave, org.teams[code], mean, 8)
    _tally(wave, org.teams["APX-T1"], 1.0, 3)  # below k: never a point
    _tally(wave, org.teams["APX-T2"], 5.0, 9, visible=False)  # hidden by listening's differencing rule
    for code, (promoters, detractors) in NPS.items():
        add_many(org.teams[code], answers(promoters, detractors), day=OPENS + timedelta(days=1))
        add_many(org.teams[code], answers(0, 10), day=CLOSES + timedelta(days=2))  # after the pulse
        add_many(org.teams[code], answers(10, 0), day=OPENS - timedelta(days=1))  # before it
    for code in ("APX-T1", "APX-T2"):
        add_many(org.teams[code], answers(9, 1), day=OPENS + timedelta(days=1))
    return programme, wave


def test_the_correlation_interval_is_fishers_z_computed_by_hand(pulse):
    programme, _wave = pulse
    result = services.linkage(programme, "ability", "nps")
    assert sorted((p.x, p.y) for p in result.points) == sorted(
        zip(ABILITY.values(), [60.0, -20.0, 40.0, -40.0], strict=True)
    )
    r = result.correlation
    assert r.n == 4 and r.method == "fisher-z"
    assert r.estimate == pytest.approx(0.99101, abs=5e-6)
    assert r.low == pytest.approx(0.62912, abs=5e-5)
    assert r.high == pytest.approx(0.99982, abs=5e-6)


def test_customer_outcomes_come_from_the_pulses_own_period(pulse):
    programme, wave = pulse
    result = services.linkage(programme, "ability", "nps")
    assert result.wave == wave
    assert result.window == services.Window(OPENS, CLOSES)  # the pulse ran longer than 28 days
    short = factories.WaveFactory(
        survey=wave.survey, opens=CLOSES - timedelta(days=6), closes=CLOSES, published=True
    )
    widened = services.linkage(programme, "ability", "nps", wave_id=short.pk, days=28)
    assert widened.window == services.Window(CLOSES - timedelta(days=27), CLOSES)


def test_teams_below_the_anonymity_minimum_or_hidden_by_listening_are_never_points(client_for, pulse):
    programme, _wave = pulse
    result = services.linkage(programme, "ability", "nps")
    assert {p.label for p in result.points} == {"LDS Team 1", "LDS Team 2", "GLA Team 1", "GLA Team 2"}
    assert result.left_out_employee == 2
    body = client_for(Role.CHANGE_LEAD).get(
        "/api/v1/customer-feedback/linkage", {"programme_id": programme.pk, "measure": "ability"}
    )
    assert "APX" not in body.content.decode()


@pytest.mark.parametrize("which", ["unknown", "other programme", "not published"])
def test_the_api_refuses_a_pulse_it_may_not_read_naming_wave_id(client_for, pulse, which):
    programme, wave = pulse
    if which == "unknown":
        wave_id = wave.pk + 1000
    elif which == "other programme":
        other = factories.SurveyFactory(programme=ProgrammeFactory())
        wave_id = factories.WaveFactory(survey=other, opens=OPENS, closes=CLOSES, published=True).pk
    else:
        wave_id = factories.WaveFactory(survey=wave.survey, opens=OPENS, closes=CLOSES, published=False).pk
    response = client_for(Role.CHANGE_LEAD).get(
        "/api/v1/customer-feedback/linkage",
        {"programme_id": programme.pk, "measure": "ability", "wave_id": wave_id},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "wave_id"


def test_the_api_reads_the_pulse_asked_for_and_says_association_not_proof(client_for, pulse):
    programme, wave = pulse
    body = (
        client_for(Role.SPONSOR)
        .get(
            "/api/v1/customer-feedback/linkage",
            {"programme_id": programme.pk, "measure": "ability", "wave_id": wave.pk},
        )
        .json()
    )
    assert body["wave_id"] == wave.pk
    assert (body["start"], body["end"]) == (OPENS.isoformat(), CLOSES.isoformat())
    assert body["correlation"]["low"] == pytest.approx(0.62912, abs=5e-5)
    assert "association" in body["statement"] and "not proof" in body["statement"]


def test_the_page_shows_the_pulses_period_and_refuses_a_foreign_pulse(client_for, pulse):
    programme, wave = pulse
    client = client_for(Role.CHANGE_LEAD)
    url = reverse("customers:linkage")
    page = client.get(url, {"programme": programme.pk, "measure": "ability"}).content.decode()
    assert "the period of the pulse" in page and "association, not proof" in page
    assert f'<option value="{wave.pk}" selected>' in page
    other = factories.WaveFactory(
        survey=factories.SurveyFactory(programme=ProgrammeFactory()),
        opens=OPENS,
        closes=CLOSES,
        published=True,
    )
    refused = client.get(url, {"programme": programme.pk, "measure": "ability", "wave": other.pk})
    assert refused.status_code == 400 and "Choose another pulse" in refused.content.decode()
