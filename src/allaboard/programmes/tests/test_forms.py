"""The programme form offers the right sponsors and never drops one on save."""

from allaboard.org.tests.factories import PersonFactory
from allaboard.programmes.forms import ProgrammeForm, sponsor_candidates

from .factories import ProgrammeFactory


def test_sponsor_candidates_are_leaders_not_front_line_staff(org):
    agent = org.users["employee"].person
    sponsor = org.users["sponsor"].person
    site_head = PersonFactory(unit=org.sites["GLA"])
    org.sites["GLA"].leader = site_head
    org.sites["GLA"].save()

    candidates = set(sponsor_candidates())

    assert sponsor in candidates
    assert site_head in candidates
    assert agent not in candidates


def test_editing_a_programme_keeps_a_sponsor_without_a_login(org):
    agent = org.users["employee"].person  # not a usual candidate, but named as sponsor elsewhere (API, demo)
    programme = ProgrammeFactory()
    programme.sponsors.add(agent)

    form = ProgrammeForm(
        data={"name": programme.name, "status": programme.status, "sponsors": [agent.pk]}, instance=programme
    )

    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["sponsors"]) == [agent]
