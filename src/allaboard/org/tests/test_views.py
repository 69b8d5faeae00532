"""Organisation pages: headcounts in the tree and on a unit's page."""

from datetime import date, timedelta

from django.urls import reverse

from allaboard.org.models import Person


def _headcounts(response) -> dict[str, int]:
    counts = {}

    def walk(nodes):
        for node in nodes:
            counts[node["unit"].code] = node["unit"].headcount
            walk(node["children"])

    walk(response.context["tree"])
    return counts


def test_tree_counts_everyone_in_a_unit_and_below(client_for, org):
    counts = _headcounts(client_for("change_lead").get(reverse("org:units")))

    assert counts["LDS-T1"] == 6  # five people and their leader
    assert counts["LDS-D1"] == 12
    assert counts["LDS"] == 12
    assert counts["ORG"] == 3 * 12 + 2  # every site, and the two people at the top


def test_leavers_are_not_counted(client_for, org):
    leaver = Person.objects.filter(unit=org.teams["LDS-T1"]).last()
    leaver.end_date = date.today() - timedelta(days=1)
    leaver.save()

    counts = _headcounts(client_for("change_lead").get(reverse("org:units")))
    detail = client_for("change_lead").get(reverse("org:unit", kwargs={"pk": org.sites["LDS"].pk}))

    assert counts["LDS-T1"] == 5
    assert counts["ORG"] == 37
    assert detail.context["member_count"] == 11
    assert [c.headcount for c in detail.context["children"]] == [11]


def test_team_leader_tree_starts_at_their_team(client_for, org):
    counts = _headcounts(client_for("team_leader").get(reverse("org:units")))

    assert counts == {"LDS-T1": 6}
