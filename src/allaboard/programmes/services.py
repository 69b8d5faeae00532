"""Business rules for change programmes."""

from django.db.models import Q, QuerySet

from allaboard.org.models import Person

from .models import Impact, Milestone, Status

LIVE_STATUSES = [Status.PLANNED, Status.RUNNING, Status.PAUSED]


def impacts_for_person(person: Person) -> QuerySet[Impact]:
    """ "What changes for me": impacts of live programmes on the person's unit or any unit above it,
    for everyone there or for the person's own job role."""
    unit_ids = [int(part) for part in person.unit.path.split(".") if part]
    return (
        Impact.objects.filter(programme__status__in=LIVE_STATUSES, unit_id__in=unit_ids)
        .filter(Q(job_role__isnull=True) | Q(job_role_id=person.job_role_id))
        .select_related("programme", "unit", "job_role")
        .order_by("programme__name", "unit__depth")
    )


def changes_for_person(person: Person) -> list[dict]:
    """ "What changes for me", one entry per live programme: {"programme", "impacts", "milestones"}, where the
    milestones are those for everyone impacted or for the person's own site, team or a unit above it."""
    unit_ids = [int(part) for part in person.unit.path.split(".") if part]
    changes: dict[int, dict] = {}
    for impact in impacts_for_person(person):
        entry = changes.setdefault(
            impact.programme_id, {"programme": impact.programme, "impacts": [], "milestones": []}
        )
        entry["impacts"].append(impact)
    milestones = (
        Milestone.objects.filter(programme_id__in=changes)
        .filter(Q(units__isnull=True) | Q(units__in=unit_ids))
        .distinct()
        .order_by("due", "id")
    )
    for milestone in milestones:
        changes[milestone.programme_id]["milestones"].append(milestone)
    return list(changes.values())


def programme_snapshot(programme) -> dict:
    """The fields of a programme the audit log compares before and after an edit."""
    from django.forms.models import model_to_dict

    data = model_to_dict(programme, exclude=["sponsors"])
    data["sponsors"] = sorted(programme.sponsors.values_list("pk", flat=True)) if programme.pk else []
    data["impacts"] = (
        sorted(
            (i.unit_id, i.job_role_id, i.what_changes, *i.aspect_scores().values())
            for i in programme.impacts.all()
        )
        if programme.pk
        else []
    )
    data["milestones"] = (
        sorted((m.name, str(m.due), m.kind, m.done) for m in programme.milestones.all())
        if programme.pk
        else []
    )
    data["benefits"] = sorted((b.group, b.benefit) for b in programme.benefits.all()) if programme.pk else []
    return data
