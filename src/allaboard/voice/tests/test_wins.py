"""Early wins cite the product's own figures wherever the product measures them: the idea box, customer
scores (customers app), readiness (listening) and adoption (when the adoption app offers its figures).
Only what nothing here measures is typed in, with its evidence."""

import sys
import types
from datetime import date, timedelta

import pytest

from allaboard.customers.tests.factories import add_many
from allaboard.errors import InputError
from allaboard.org.models import Role
from allaboard.programmes.tests.factories import ProgrammeFactory
from allaboard.voice import services
from allaboard.voice.models import Win

from .factories import IdeaFactory

SPLIT = date(2026, 11, 23)  # a Monday


def _lead(org):
    return org.users[Role.CHANGE_LEAD]


def test_a_customer_score_win_takes_its_figures_from_customer_feedback(org):
    team = org.teams["LDS-T1"]
    today = date.today()
    split = today - timedelta(days=10)
    # Before: 20 promoters (10) and 20 detractors (0): NPS = (20 - 20) / 40 = 0. After: 30 and 10: NPS =
    # (30 - 10) / 40 x 100 = 50. NPS is the share of promoters minus the share of detractors (Reichheld 2003).
    add_many(team, [(10, None, None)] * 20 + [(0, None, None)] * 20, day=split - timedelta(days=5))
    add_many(team, [(10, None, None)] * 30 + [(0, None, None)] * 10, day=split + timedelta(days=2))
    win = services.create_win(_lead(org), {"programme": ProgrammeFactory().pk, "title": "Customers happier",
        "story": "The customer card works.", "measure": "customer_score", "element": "nps", "unit": team.pk,
        "split": split.isoformat()}, on=today)  # fmt: skip
    assert (win.before, win.after) == (0.0, 50.0)
    assert win.source.startswith(f"Customer feedback, {team.name}: n=40") and "n=40 from" in win.source


def test_typed_in_figures_are_refused_for_a_measure_the_product_measures(org):
    for measure in ("customer_score", "ideas_answered"):
        with pytest.raises(InputError) as error:
            services.create_win(_lead(org), {"programme": ProgrammeFactory().pk, "title": "t", "story": "s",
                "measure": measure, "before": "10", "after": "60", "metric_label": "NPS",
                "evidence": "my spreadsheet"})  # fmt: skip
        assert error.value.field == "split"
    assert not Win.objects.exists()


def test_days_to_a_first_answer_are_measured_from_the_idea_box(org):
    programme = ProgrammeFactory()
    for created, answered in [
        (date(2026, 11, 2), date(2026, 11, 6)),  # Mon -> Fri: 4 working days
        (date(2026, 11, 9), date(2026, 11, 16)),  # Mon -> Mon: 5
        (date(2026, 11, 23), date(2026, 11, 24)),  # Mon -> Tue: 1
        (date(2026, 11, 25), date(2026, 11, 30)),  # Wed -> Mon: 3 (Thu, Fri, Mon)
    ]:
        idea = IdeaFactory(programme=programme, created_on=created, answer_due=created + timedelta(days=14))
        idea.first_answered_on = answered
        idea.save()
    figures = services.measured_figures("ideas_answered", programme, split=SPLIT, element="days",
                                        on=date(2026, 12, 4))  # fmt: skip
    assert (figures.before, figures.after) == (4.5, 2.0)  # (4 + 5) / 2 and (1 + 3) / 2
    assert "mean over 2 ideas shared in the 90 days before 23 Nov 2026 and 2 since" in figures.source


def test_adoption_is_entered_with_evidence_until_the_adoption_app_offers_figures(org, monkeypatch):
    data = {"programme": ProgrammeFactory().pk, "title": "Desk in use", "story": "s", "measure": "adoption",
            "before": "12", "after": "71", "metric_label": "% active", "evidence": "Desk usage report, week 6",
            "split": SPLIT.isoformat()}  # fmt: skip
    monkeypatch.setitem(sys.modules, "allaboard.adoption.services", types.ModuleType("no_figures_yet"))
    typed = services.create_win(_lead(org), data, on=date(2026, 12, 4))
    assert (typed.before, typed.after) == (12, 71) and typed.source.startswith("Entered with evidence")
    # The adoption app (built apart) offers its figures: they replace what is typed in.
    adoption = types.ModuleType("allaboard.adoption.services")
    adoption.win_figures = lambda programme, *, unit, split, on: (
        23.0,
        64.0,
        "% of agents active",
        "Adoption, n=80",
    )
    monkeypatch.setitem(sys.modules, "allaboard.adoption.services", adoption)
    measured = services.create_win(_lead(org), data, on=date(2026, 12, 4))
    assert (measured.before, measured.after, measured.source) == (23.0, 64.0, "Adoption, n=80")
    adoption.win_figures = lambda programme, *, unit, split, on: None  # too little data: no win
    with pytest.raises(InputError):
        services.create_win(_lead(org), data, on=date(2026, 12, 4))
    assert Win.objects.count() == 2
