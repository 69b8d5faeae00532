"""The organisation chapter of the demo is deterministic for a given seed."""

from datetime import date

import pytest
from django.db import transaction

from allaboard.demo import Story
from allaboard.org import demo
from allaboard.org.models import Person, Unit, User


def build_org(seed: int) -> list[tuple]:
    import random

    story = Story(seed=seed, size="small", today=date(2026, 11, 23), password="x", rng=random.Random(seed))
    with transaction.atomic():
        demo.build(story)
        people = list(
            Person.objects.order_by("employee_id").values_list(
                "employee_id", "given_name", "family_name", "unit__code", "start_date", "end_date"
            )
        )
        transaction.set_rollback(True)
    return people


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_people():
    first, second = build_org(3), build_org(3)
    assert first == second and len(first) > 1000
    assert build_org(4) != first


@pytest.mark.django_db
def test_every_role_has_a_demo_login_linked_to_a_person():
    import random

    story = Story(seed=7, size="small", today=date(2026, 11, 23), password="x", rng=random.Random(7))
    demo.build(story)
    assert {u.role for u in User.objects.all()} == {
        "admin",
        "change_lead",
        "team_leader",
        "sponsor",
        "employee",
    }
    assert all(u.person_id for u in User.objects.all())
    teamleader = User.objects.get(username="teamleader")
    assert Unit.objects.filter(leader=teamleader.person, kind="team").exists()
    assert User.objects.get(username="partner").person.unit.is_partner
