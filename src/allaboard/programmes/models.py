"""A change programme: why it happens, who it touches and how, when, and who sponsors it."""

from django.db import models
from django.urls import reverse

from allaboard.org.models import JobRole, Person, Unit


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Programme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    summary = models.CharField(max_length=300, blank=True, help_text="One line: what is changing.")
    why = models.TextField("Why we are changing", blank=True)
    problem_today = models.TextField("What is wrong today", blank=True)
    good_looks_like = models.TextField("What good looks like", blank=True)
    alignment = models.TextField("Alignment with our goals and values", blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    sponsors = models.ManyToManyField(Person, blank=True, related_name="sponsored_programmes")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programmes:detail", args=[self.pk])

    def next_milestone(self) -> "Milestone | None":
        """The earliest milestone not yet done (uses prefetched milestones when present)."""
        return next((m for m in self.milestones.all() if not m.done), None)


class StakeholderBenefit(models.Model):
    """What the change brings to one stakeholder group (customers, agents, team leaders, the partner...)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="benefits")
    group = models.CharField(max_length=100)
    benefit = models.TextField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.group}: {self.benefit[:40]}"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# The aspects of work a change can touch, each scored 0 (untouched) to 5 (transformed).
def _aspect_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=0, choices=[(i, str(i)) for i in range(6)])


class Impact(models.Model):
    """How the change lands on one impacted group: a unit (and below), optionally one job role in it."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="impacts")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="impacts")
    job_role = models.ForeignKey(
        JobRole,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Leave empty for everyone in the unit.",
    )
    what_changes = models.TextField(
        "What changes for me", help_text="The concrete change to role and workflow."
    )
    process = _aspect_field("Process")
    systems = _aspect_field("Systems and tools")
    job_role_change = _aspect_field("Job role")
    behaviours = _aspect_field("Critical behaviours")
    skills = _aspect_field("Skills")
    reporting_line = _aspect_field("Reporting line")
    performance_measures = _aspect_field("Performance measures")
    location = _aspect_field("Location")
    hours = _aspect_field("Hours")

    class Meta:
        ordering = ["unit__path", "job_role__name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "unit", "job_role"], name="one_impact_per_group"),
        ]

    def __str__(self) -> str:
        role = f" ({self.job_role})" if self.job_role_id else ""
        return f"{self.unit}{role}"

    ASPECT_FIELDS = [
        "process",
        "systems",
        "job_role_change",
        "behaviours",
        "skills",
        "reporting_line",
        "performance_measures",
        "location",
        "hours",
    ]

    def aspect_scores(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.ASPECT_FIELDS}

    def touched_aspects(self) -> list[tuple[str, int]]:
        """(label, score) for each aspect this change touches (score above 0), in assessment order."""
        return [
            (self._meta.get_field(name).verbose_name, score)
            for name, score in self.aspect_scores().items()
            if score
        ]

    @property
    def risk_level(self) -> str:
        """High when any aspect is transformed (5) or the total is large; see docs/programmes.md."""
        scores = self.aspect_scores().values()
        total = sum(scores)
        if max(scores, default=0) >= 5 or total >= 20:
            return RiskLevel.HIGH
        if max(scores, default=0) >= 3 or total >= 10:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


class MilestoneKind(models.TextChoices):
    ANNOUNCE = "announce", "Announcement"
    TRAINING = "training", "Training"
    GO_LIVE = "go_live", "Go-live"
    REVIEW = "review", "Review"
    OTHER = "other", "Other"


class Milestone(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=MilestoneKind.choices, default=MilestoneKind.OTHER)
    due = models.DateField()
    done = models.BooleanField(default=False)
    units = models.ManyToManyField(
        Unit, blank=True, related_name="milestones", help_text="Empty: all impacted."
    )

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.due:%d %b %Y})"
