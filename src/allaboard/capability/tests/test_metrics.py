"""The two seed-002 metrics, pinned to a small history computed by hand.

The history (all dates 2024 unless said):

    person  unit     start       end         training
    Ann     LDS-T1   15 Jan      -           formal course completed 10 Feb (7.5 h) and again 5 Nov (3.75 h)
    Ben     LDS-T1   1 Jun 2023  20 Mar      formal course completed 5 Jan (7.5 h); leaves 20 Mar
    Cat     GLA-T1   1 Mar       -           empathy (not formal) completed 10 Mar (7.5 h);
                                             formal course completed 30 Apr (6 h)
    Dan     GLA-T1   1 Jan 2022  -           failed the formal course 1 Feb (7.5 h attended)
    Eve     APX-T1   1 May       -           formal course completed 1 Dec 2023, before joining

% formally trained at each month end (active = started on or before, not left before):

    31 Jan  active Ann, Ben, Dan            trained Ben               1/3 = 33.3%
    29 Feb  active Ann, Ben, Dan            trained Ann, Ben          2/3 = 66.7%
    31 Mar  active Ann, Cat, Dan (Ben left) trained Ann               1/3 = 33.3%  (empathy does not count)
    30 Apr  active Ann, Cat, Dan            trained Ann, Cat          2/3 = 66.7%  (completed on the day counts)
    31 May  active Ann, Cat, Dan, Eve       trained Ann, Cat, Eve     3/4 = 75.0%

Training days in 2024 (7.5 hours a day): formal completions in 2024 are Ann 7.5 + Ann again 3.75 +
Ben 7.5 + Cat 6 = 24.75 hours = 3.3 days (the repeat counts; empathy, Dan's failed attempt and Eve's 2023
completion do not). Average headcount = mean of the 12 month-end headcounts of 2024:
Jan-Apr 3 each, May-Dec 4 each = (4x3 + 8x4) / 12 = 44/12 = 3.667; per 100 people = 3.3 / 3.667 x 100 = 90.0.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from allaboard.capability import services
from allaboard.capability.models import EnrolmentStatus
from allaboard.capability.stats import month_ends
from allaboard.org.models import Person
from allaboard.org.tests.factories import PersonFactory

from .factories import CompletionFactory, CourseFactory, EnrolmentFactory, FormalCourseFactory

pytestmark = pytest.mark.django_db

MONTH_ENDS = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)]


@pytest.fixture
def history(org):
    formal = FormalCourseFactory(name="Leading through change")
    empathy = CourseFactory(name="Empathy on the phone")
    people = {
        "ann": PersonFactory(unit=org.teams["LDS-T1"], start_date=date(2024, 1, 15)),
        "ben": PersonFactory(
            unit=org.teams["LDS-T1"], start_date=date(2023, 6, 1), end_date=date(2024, 3, 20)
        ),
        "cat": PersonFactory(unit=org.teams["GLA-T1"], start_date=date(2024, 3, 1)),
        "dan": PersonFactory(unit=org.teams["GLA-T1"], start_date=date(2022, 1, 1)),
        "eve": PersonFactory(unit=org.teams["APX-T1"], start_date=date(2024, 5, 1)),
    }

    def done(who, course, day, hours):
        CompletionFactory(person=people[who], course=course, completed_on=day, hours_attended=Decimal(hours))

    done("ann", formal, date(2024, 2, 10), "7.5")
    done("ann", formal, date(2024, 11, 5), "3.75")
    done("ben", formal, date(2024, 1, 5), "7.5")
    done("cat", empathy, date(2024, 3, 10), "7.5")
    done("cat", formal, date(2024, 4, 30), "6")
    done("eve", formal, date(2023, 12, 1), "7.5")
    EnrolmentFactory(
        person=people["dan"], course=formal, status=EnrolmentStatus.FAILED, hours_attended=Decimal("7.5")
    )
    services.refresh_formal_training()
    return people


def _everyone(history):
    return Person.objects.filter(pk__in=[p.pk for p in history.values()])


def test_percent_trained_at_each_month_end_matches_the_hand_computation(history):
    series = services.trained_series(_everyone(history), MONTH_ENDS)
    (line,) = series.groups
    assert line.trained == [1, 2, 1, 2, 3]
    assert line.active == [3, 3, 3, 3, 4]
    assert line.percent == [33.3, 66.7, 33.3, 66.7, 75.0]


def test_a_past_month_does_not_change_when_someone_leaves_later(history):
    dan = history["dan"]
    before = services.trained_series(_everyone(history), MONTH_ENDS).groups[0]
    dan.end_date = date(2024, 4, 10)
    dan.save()
    after = services.trained_series(_everyone(history), MONTH_ENDS).groups[0]
    assert after.percent[:3] == before.percent[:3]  # January to March: Dan was here, still counted
    assert after.active[3:] == [2, 3]  # from April he is no longer in the denominator
    assert after.percent[3] == 100.0


def test_the_fast_path_agrees_with_the_person_by_person_reference(history):
    from allaboard.capability.stats import PersonSpan, percent_trained_series

    spans = [
        PersonSpan(
            p.start_date, p.end_date, getattr(getattr(p, "formal_training", None), "first_completed_on", None)
        )
        for p in Person.objects.filter(pk__in=[p.pk for p in history.values()]).select_related(
            "formal_training"
        )
    ]
    reference = percent_trained_series(spans, MONTH_ENDS)
    fast = services.trained_series(_everyone(history), MONTH_ENDS).groups[0]
    assert [r.trained for r in reference] == fast.trained
    assert [r.active for r in reference] == fast.active


def test_by_site_and_partner_on_31_may(history):
    series = services.trained_series(_everyone(history), [date(2024, 5, 31)], "site")
    by_label = {g.label: (g.trained[0], g.active[0]) for g in series.groups}
    assert by_label == {"Lds": (1, 1), "Gla": (1, 2), "Apx": (1, 1)}
    partner = services.trained_series(_everyone(history), [date(2024, 5, 31)], "partner")
    assert {g.label: (g.trained[0], g.active[0]) for g in partner.groups} == {
        "Own staff": (2, 3),
        "Apx": (1, 1),
    }


def test_by_team_and_by_role(history):
    team = services.trained_series(_everyone(history), [date(2024, 2, 29)], "team")
    assert {g.label: (g.trained[0], g.active[0]) for g in team.groups} == {
        "LDS Team 1": (2, 2),
        "GLA Team 1": (0, 1),
        "APX Team 1": (0, 0),
    }
    role = services.trained_series(_everyone(history), [date(2024, 2, 29)], "role")
    assert [(g.label, g.trained[0], g.active[0]) for g in role.groups] == [("Customer service advisor", 2, 3)]


def test_a_changed_completion_updates_the_fast_path(history, org):
    enrolment = history["dan"].enrolments.get()
    services.record_outcome(None, enrolment, {"status": "completed", "completed_on": "2024-05-15"})
    line = services.trained_series(_everyone(history), MONTH_ENDS).groups[0]
    assert line.trained == [1, 2, 1, 2, 4]


def test_training_days_per_year_and_per_hundred_people(history):
    (year,) = services.training_days_report(_everyone(history), [2024], date(2024, 12, 31))
    assert year.hours == 24.75
    assert year.days == 3.3
    assert year.completions == 4
    assert year.average_headcount == pytest.approx(3.7, abs=0.05)  # 44/12, shown to one decimal
    assert year.per_hundred == 90.0
    assert year.partial is False


@override_settings(ALLABOARD_TRAINING_HOURS_PER_DAY=6)
def test_training_days_follow_the_hours_per_day_setting(history):
    (year,) = services.training_days_report(_everyone(history), [2024], date(2024, 12, 31))
    assert year.days == round(24.75 / 6, 1)


def test_making_a_course_formal_counts_its_past_completions(history):
    empathy = history["cat"].enrolments.get(course__name="Empathy on the phone").course
    services.save_course(None, {"formal_change_management": True}, empathy)
    line = services.trained_series(_everyone(history), MONTH_ENDS).groups[0]
    assert line.trained[2] == 2  # 31 March: Cat's empathy course (10 March) now counts


def test_month_ends_cover_whole_months_only_up_to_the_last_day():
    assert month_ends(date(2024, 1, 15), date(2024, 3, 30)) == [date(2024, 1, 31), date(2024, 2, 29)]


def test_dashboard_days_end_with_today():
    days = services.dashboard_days(date(2026, 11, 23), 24)
    assert days[-1] == date(2026, 11, 23)
    assert days[-2] == date(2026, 10, 31)
    assert len(days) == 24
