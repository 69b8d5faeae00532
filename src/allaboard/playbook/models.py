"""The playbook: plays and the rules that recommend them, recommendations, actions, "did it help" answers,
and "you said, we did" updates."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Programme

from . import findings as F
from .rules import OPERATORS, SCOPES, RuleSpec

HELPED_AFTER_DAYS = 30  # "a month after an action starts" the teams are asked whether it helped


class Strategy(models.TextChoices):
    DIAGNOSE = "diagnose", "Diagnose the source of resistance"
    COMMUNICATE = "communicate", "Communicate the rationale"
    EDUCATE = "educate", "Educate and train"
    LEAD = "lead", "Lead by example"
    INVOLVE = "involve", "Involve and empower"
    REASSURE = "reassure", "Address fear and uncertainty"
    CELEBRATE = "celebrate", "Celebrate early wins"
    SUPPORT = "support", "Ongoing support and feedback"
    SUSTAIN = "sustain", "Sustain continuous improvement"
    CUSTOMERS = "customers", "Stay close to customers"
    ADAPT = "adapt", "Change direction when adoption is poor"
    PARTNERS = "partners", "Engage suppliers and partners"
    OWN = "own", "Our own play"


class MeasureKind(models.TextChoices):
    NONE = "", "No measure"
    ELEMENT_MEAN = "element_mean", "Pulse score (ADKAR element or scale), 1-5"
    SOURCE_SHARE = "source_share", "Share of commenting respondents naming a resistance source"
    PARTICIPATION = "participation", "Pulse participation"
    CUSTOMER_SCORE = "customer_score", "Customer score"
    ADOPTION = "adoption", "Adoption of the new tool"


class Play(models.Model):
    """One strategy for overcoming resistance, with what to do this week and how to tell whether it worked."""

    slug = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    strategy = models.CharField(max_length=20, choices=Strategy.choices, default=Strategy.OWN)
    purpose = models.TextField()
    when_it_helps = models.TextField(
        "When it helps", help_text="Barrier points, resistance sources or signals."
    )
    actions = models.TextField(
        "What to do this week", help_text="Concrete actions for a team leader or sponsor, one per line."
    )
    how_to_tell = models.TextField("How to tell whether it worked")
    measure_kind = models.CharField(
        "Measure to watch", max_length=20, choices=MeasureKind.choices, blank=True, default=""
    )
    measure_metric = models.CharField(
        max_length=64, blank=True, default="", help_text="e.g. knowledge, job, response_rate, nps."
    )
    built_in = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True, help_text="Inactive plays are never recommended.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-built_in", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbook:play", args=[self.pk])

    def action_list(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]


class Rule(models.Model):
    """When a finding meets a condition, recommend a play, citing the finding as evidence."""

    key = models.SlugField(max_length=60, unique=True)
    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField("Finding kind", max_length=30, choices=list(F.KINDS.items()))
    metric = models.CharField(
        max_length=64, default="*", help_text='A metric code, "*" for any, or "leadership*" for a prefix.'
    )
    operator = models.CharField(max_length=2, choices=[(o, o) for o in OPERATORS], default=">=")
    threshold = models.FloatField(help_text="Shares are 0 to 1; pulse scores 1 to 5.")
    min_n = models.PositiveIntegerField(
        "Minimum group", default=0, help_text="Never below the anonymity threshold, whatever is set here."
    )
    scope = models.CharField(max_length=20, choices=list(SCOPES.items()), default="any")
    top_only = models.BooleanField(default=False, help_text="Only the top finding of its kind for the group.")
    evidence = models.CharField(
        "Evidence template",
        max_length=300,
        blank=True,
        help_text="e.g. {metric_title} is the barrier for {value_pct} of respondents in {unit}, n={n}.",
    )
    built_in = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["play_id", "id"]

    def __str__(self) -> str:
        return self.key

    def spec(self) -> RuleSpec:
        return RuleSpec(
            key=self.key,
            play=self.play.slug,
            kind=self.kind,
            metric=self.metric,
            operator=self.operator,
            threshold=self.threshold,
            min_n=self.min_n,
            scope=self.scope,
            top_only=self.top_only,
            evidence=self.evidence,
        )


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Open"
    PLANNED = "planned", "Planned: an action answers it"
    DISMISSED = "dismissed", "Dismissed"


class Recommendation(models.Model):
    """A play recommended for a group (or the whole programme), with the evidence that triggered it.

    Written by `services.refresh_recommendations`; `current` says whether the last refresh still found the
    evidence."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="recommendations")
    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="recommendations")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    evidence = models.JSONField(default=list, help_text="[{rule, rule_text, text, finding}]")
    status = models.CharField(
        max_length=10, choices=RecommendationStatus.choices, default=RecommendationStatus.OPEN
    )
    dismissed_reason = models.CharField(max_length=300, blank=True)
    current = models.BooleanField(default=True)
    first_seen = models.DateField()
    last_seen = models.DateField()

    class Meta:
        ordering = ["status", "-current", "unit__path", "play_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "play", "unit"],
                condition=Q(unit__isnull=False),
                name="playbook_one_recommendation_per_group",
            ),
            models.UniqueConstraint(
                fields=["programme", "play"],
                condition=Q(unit__isnull=True),
                name="playbook_one_programme_recommendation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.play} for {self.unit or self.programme}"

    def get_absolute_url(self) -> str:
        return reverse("playbook:recommendation", args=[self.pk])

    @property
    def group_name(self) -> str:
        return self.unit.name if self.unit_id else f"{self.programme} (whole programme)"

    def first_finding(self) -> F.Finding | None:
        return F.Finding.from_snapshot(self.evidence[0]["finding"]) if self.evidence else None


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = [ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS, ActionStatus.ON_HOLD]


class ActionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today: date):
        return self.open().filter(due__lt=today)


class Action(models.Model):
    """Something a named person will do for some teams by a date, and the finding it answers."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    play = models.ForeignKey(
        Play, null=True, blank=True, on_delete=models.SET_NULL, related_name="planned_actions"
    )
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="playbook_actions")
    teams = models.ManyToManyField(Unit, related_name="playbook_actions")
    due = models.DateField()
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    started_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    evidence = models.JSONField(
        default=dict, blank=True, help_text="Snapshot of the finding this action answers, as it was then."
    )
    evidence_text = models.TextField(blank=True)
    measure_kind = models.CharField(max_length=20, choices=MeasureKind.choices, blank=True, default="")
    measure_metric = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_reminded_on = models.DateField(null=True, blank=True)
    helped_opened_on = models.DateField(
        null=True, blank=True, help_text='When the teams were asked "did it help?".'
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbook:action", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due < today

    @property
    def helped_due_on(self) -> date | None:
        """The day the teams are asked whether it helped: a month after it started."""
        return self.started_on + timedelta(days=HELPED_AFTER_DAYS) if self.started_on else None

    def finding(self) -> F.Finding | None:
        return F.Finding.from_snapshot(self.evidence) if self.evidence.get("kind") else None


class HelpedAnswerChoice(models.TextChoices):
    YES = "yes", "Yes"
    PARTLY = "partly", "Partly"
    NO = "no", "No"


class HelpedAnswer(models.Model):
    """One "did it help?" answer. Carries the team, never the person (who answered is kept apart)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="helped_answers")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=6, choices=HelpedAnswerChoice.choices)
    answered_on = models.DateField()

    class Meta:
        ordering = ["id"]


class HelpedResponder(models.Model):
    """Who has answered "did it help?" for an action: only to ask once and to stop asking."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="helped_responders")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "person"], name="playbook_answer_helped_once")
        ]


class YouSaidWeDid(models.Model):
    """A published update that closes the loop: what we heard, and what we did about it."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="you_said_we_did")
    title = models.CharField(max_length=200)
    you_said = models.TextField("You said", help_text="What we heard, in the teams' words (no names).")
    we_did = models.TextField("We did", help_text="What we did about it, and what happens next.")
    units = models.ManyToManyField(
        Unit, related_name="+", help_text="The teams it concerns (a site or department means everyone in it)."
    )
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.SET_NULL, related_name="you_said_we_did"
    )
    published_on = models.DateField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = '"you said, we did" update'

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("playbook:update", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_on is not None
