"""Customer measures pinned to values computed by hand, through the import, the statistics table and the
services that the pages and API use."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.customers import imports, services
from allaboard.customers import stats as S
from allaboard.customers.models import Feedback, FeedbackStats, Grain
from allaboard.intervals import Difference

from .factories import add_many

DAY = date(2025, 3, 12)  # a Wednesday
WINDOW = services.Window(DAY - timedelta(days=6), DAY)


@pytest.fixture
def twenty_answers(org):
    """10 promoters, 4 passives, 6 detractors; CSAT 1,2,3,3,3,4x7,5x8; CES 7,6,5,5,4 on five of them."""
    nps = [10] * 5 + [9] * 5 + [8, 8, 7, 7] + [6, 5, 3, 0, 2, 6]
    csat = [1, 2, 3, 3, 3] + [4] * 7 + [5] * 8
    ces = [7, 6, 5, 5, 4] + [None] * 15
    add_many(org.teams["LDS-T1"], list(zip(nps, csat, ces, strict=True)), day=DAY)
    return org


def test_nps_and_its_interval_match_the_hand_computation(twenty_answers):
    figure = services.summary(WINDOW).figures.nps
    # NPS = 100 * (10 - 6) / 20 = 20.
    # Adjusted Wald (Sauro & Lewis): n' = 20 + 3 = 23, p+ = (10 + 0.75) / 23 = 0.467391,
    # p- = (6 + 0.75) / 23 = 0.293478, centre = 0.173913;
    # variance of one answer = p+ + p- - centre^2 = 0.760870 - 0.030246 = 0.730624; / n' = 0.0317663;
    # se = 0.178231; z = 1.959964; half-width = 0.349327;
    # interval = (0.173913 - 0.349327, 0.173913 + 0.349327) x 100 = (-17.54, 52.32).
    assert figure.estimate == pytest.approx(20.0)
    assert figure.low == pytest.approx(-17.5413, abs=1e-3)
    assert figure.high == pytest.approx(52.3239, abs=1e-3)
    assert figure.n == 20


def test_csat_is_the_share_of_fours_and_fives_with_the_wilson_interval(twenty_answers):
    figure = services.summary(WINDOW).figures.csat
    # CSAT = (7 + 8) / 20 = 75%. Wilson: z^2 = 3.841459, denominator = 1 + z^2/20 = 1.192073,
    # centre = (0.75 + z^2/40) / 1.192073 = 0.709718,
    # half-width = z * sqrt(0.75 * 0.25 / 20 + z^2 / 1600) / 1.192073 = 1.959964 * 0.108517 / 1.192073 = 0.178419,
    # interval = (0.531299, 0.888138) -> 53.13% to 88.81%.
    assert figure.estimate == pytest.approx(75.0)
    assert figure.low == pytest.approx(53.1299, abs=1e-3)
    assert figure.high == pytest.approx(88.8138, abs=1e-3)


def test_ces_mean_and_t_interval_match_the_hand_computation(twenty_answers):
    figure = services.summary(WINDOW).figures.ces
    # Answers 7, 6, 5, 5, 4: mean 27 / 5 = 5.4; sum of squares 151; variance (151 - 27^2 / 5) / 4 = 1.3;
    # se = sqrt(1.3 / 5) = 0.509902; t(0.975, 4) = 2.776445; half-width 1.415715 -> (3.9843, 6.8157).
    assert figure.estimate == pytest.approx(5.4)
    assert figure.low == pytest.approx(3.98429, abs=1e-4)
    assert figure.high == pytest.approx(6.81571, abs=1e-4)
    assert figure.n == 5


def test_figures_under_the_minimum_sample_are_marked_unreliable(twenty_answers, settings):
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 30
    figures = services.summary(WINDOW).figures
    assert not figures.nps.reliable and figures.nps.n == 20
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 20
    assert services.summary(WINDOW).figures.nps.reliable


def test_volume_counts_every_record_and_comments_those_with_text(org):
    team = org.teams["LDS-T1"]
    add_many(team, [(9, None, None), (None, 4, None)], day=DAY)
    from .factories import add_feedback

    add_feedback(team, day=DAY, comment="Lovely service")
    summary = services.summary(WINDOW)
    assert summary.figures.volume == 3
    assert summary.figures.comments == 1
    assert summary.figures.nps.n == 1 and summary.figures.csat.n == 1


def test_week_and_month_rows_hold_the_same_sums_as_the_days(twenty_answers):
    day = FeedbackStats.objects.get(grain=Grain.DAY, start=DAY)
    week = FeedbackStats.objects.get(grain=Grain.WEEK, start=date(2025, 3, 10))
    month = FeedbackStats.objects.get(grain=Grain.MONTH, start=date(2025, 3, 1))
    fields = ["n", "nps_10", "nps_0", "csat_4", "ces_sum", "ces_sumsq"]
    assert (
        [getattr(day, f) for f in fields]
        == [getattr(week, f) for f in fields]
        == [getattr(month, f) for f in fields]
    )
    assert [day.n, day.nps_10, day.csat_5, day.ces_n, day.ces_sum, day.ces_sumsq] == [20, 5, 8, 5, 27, 151]


def test_monthly_trend_reads_the_month_rows(twenty_answers):
    points = services.trend("month", services.Window(date(2025, 1, 15), date(2025, 4, 2)))
    assert [p.start for p in points] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
        date(2025, 4, 1),
    ]
    assert [p.figures.volume for p in points] == [0, 0, 20, 0]
    assert points[2].figures.nps.estimate == pytest.approx(20.0)


def test_difference_in_differences_combines_the_two_intervals_by_square_and_add():
    changed = Difference(-10.0, -16.0, -4.0, 100, 100, "x")
    others = Difference(2.0, -1.0, 5.0, 100, 100, "x")
    did = S.difference_in_differences(changed, others)
    # estimate -10 - 2 = -12; low = -12 - sqrt(6^2 + 3^2) = -18.7082; high = -12 + sqrt(6^2 + 3^2) = -5.2918.
    assert did.estimate == pytest.approx(-12.0)
    assert did.low == pytest.approx(-18.7082, abs=1e-4)
    assert did.high == pytest.approx(-5.2918, abs=1e-4)
    assert did.larger_than_noise


def test_difference_in_differences_has_no_bounds_when_a_side_has_none():
    did = S.difference_in_differences(
        Difference(-1.0, None, None, 1, 1, "x"), Difference(0.0, -1.0, 1.0, 9, 9, "x")
    )
    assert did.low is None and not did.larger_than_noise


def test_theme_growth_is_a_newcombe_difference_of_shares():
    change = S.theme_growth(30, 100, 20, 400)
    # 0.30 - 0.05 = 0.25; Newcombe hybrid score interval from the Wilson bounds of 30/100 and 20/400.
    assert change.estimate == pytest.approx(0.25)
    assert change.low > 0.15 and change.high < 0.35 and change.larger_than_noise
    assert S.theme_growth(5, 100, 20, 400).larger_than_noise is False
    assert S.theme_growth(1, 0, 1, 10) is None


answers = st.tuples(
    st.one_of(st.none(), st.integers(0, 10)),
    st.one_of(st.none(), st.integers(1, 5)),
    st.one_of(st.none(), st.integers(1, 7)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(answers, min_size=1, max_size=15), min_size=1, max_size=4))
def test_statistics_always_equal_a_recount_of_the_raw_feedback(org, batches):
    team, other = org.teams["LDS-T1"], org.teams["GLA-T2"]
    for i, batch in enumerate(batches):
        add_many(team if i % 2 else other, batch, day=DAY - timedelta(days=i * 9))
    stored = {(row["unit_id"], row["channel"]): row for row in _stats_by_key(Grain.MONTH)}
    recount: dict = {}
    for f in Feedback.objects.all():
        key = (f.unit_id, f.channel)
        recount.setdefault(key, S.Sums()).add(f.nps, f.csat, f.ces, bool(f.comment))
    assert {k: S.Sums.from_row(v) for k, v in stored.items()} == recount


def _stats_by_key(grain):
    from django.db.models import Sum

    from allaboard.customers.models import STAT_FIELDS

    return (
        FeedbackStats.objects.filter(grain=grain)
        .values("unit_id", "channel")
        .annotate(**{f: Sum(f) for f in STAT_FIELDS})
        .order_by()
    )


def test_rebuilding_the_statistics_gives_the_same_rows(twenty_answers):
    before = sorted(
        FeedbackStats.objects.values_list("grain", "start", "unit_id", "channel", "n", "nps_10", "ces_sumsq")
    )
    imports.rebuild_stats()
    after = sorted(
        FeedbackStats.objects.values_list("grain", "start", "unit_id", "channel", "n", "nps_10", "ces_sumsq")
    )
    assert before == after


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(0, 400), length=st.integers(1, 400))
def test_a_window_read_through_month_rows_equals_the_sum_of_its_days(org, start, length):
    if not Feedback.objects.exists():
        first = date(2024, 1, 1)
        for offset in range(0, 800, 3):
            add_many(
                org.teams["LDS-T1"],
                [(offset % 11, 1 + offset % 5, 1 + offset % 7)],
                day=first + timedelta(days=offset),
            )
    window = services.Window(
        date(2024, 1, 1) + timedelta(days=start), date(2024, 1, 1) + timedelta(days=start + length)
    )
    by_days = services._stats(Grain.DAY, window.start, window.end).aggregate(**services.SUMS)
    assert services.total_sums(window) == S.Sums.from_row(by_days)
