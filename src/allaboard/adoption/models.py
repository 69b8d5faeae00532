"""Tool rollouts, usage events and their roll-ups, stall alerts, direction decisions and defects.

Raw usage events are kept for audit and re-building; every page reads the roll-ups instead:
`DailyUsage` (uses per person, behaviour and day) and `PersonBehaviour` (first day, last day and total
uses per person and behaviour). The ingest adds to both in the same transaction as the events, with bulk
SQL, so the roll-ups never disagree with the raw rows.
"""

from datetime import date

from django.conf import settings
from django.db import models

from allaboard.org.models import Person, Unit


class Tool(models.Model):
    """A new piece of technology a programme brings in: the omnichannel desk, a knowledge base."""

    programme = models.ForeignKey(
        "programmes.Programme", null=True, blank=True, on_delete=models.SET_NULL, related_name="tools"
    )
    code = models.SlugField(max_length=50, unique=True, help_text="Used by the API and imports.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    target_share = models.FloatField(
        default=0.8, help_text="Share of the target teams' people actively using it that counts as adopted."
    )
    target_weeks = models.PositiveSmallIntegerField(
        default=12, help_text="Weeks after go-live by which the target share is planned."
    )
    courses = models.ManyToManyField(
        "capability.Course", blank=True, related_name="tools", help_text="Training for the tool."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Behaviour(models.Model):
    """A key behaviour that counts as real use of the tool, with how often it is expected."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="behaviours")
    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    expected_per_day = models.FloatField(default=1.0, help_text="Expected uses per working day.")

    class Meta:
        ordering = ["tool", "code"]
        constraints = [models.UniqueConstraint(fields=["tool", "code"], name="adoption_behaviour_code")]

    def __str__(self) -> str:
        return self.name


class RolloutWave(models.Model):
    """One wave of a tool's rollout: the teams that go live on one day."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="waves")
    name = models.CharField(max_length=200)
    go_live = models.DateField()
    units = models.ManyToManyField(
        Unit, related_name="rollout_waves", help_text="Units and everything below."
    )

    class Meta:
        ordering = ["tool", "go_live"]

    def __str__(self) -> str:
        return f"{self.tool}: {self.name}"


class UsageBatch(models.Model):
    """One accepted API request or file: what came in and how much was new."""

    class Via(models.TextChoices):
        API = "api", "API"
        FILE = "file", "File upload"
        DEMO = "demo", "Demo"

    via = models.CharField(max_length=10, choices=Via.choices)
    filename = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    events = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "usage batches"

    def __str__(self) -> str:
        return f"{self.get_via_display()} {self.filename} ({self.created} new)"


class UsageEvent(models.Model):
    """One use of a key behaviour by one person. Idempotent by `external_id`."""

    external_id = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    behaviour = models.ForeignKey(Behaviour, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    day = models.DateField()
    batch = models.ForeignKey(UsageBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.external_id


class DailyUsage(models.Model):
    """Uses of one behaviour by one person on one day."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    behaviour = models.ForeignKey(Behaviour, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "behaviour", "day"], name="adoption_daily_key")
        ]
        indexes = [models.Index(fields=["behaviour", "day"], name="adoption_daily_beh_day")]


class PersonBehaviour(models.Model):
    """First and last day one person used one behaviour, and how often in all."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    behaviour = models.ForeignKey(Behaviour, on_delete=models.CASCADE, related_name="+")
    first_day = models.DateField()
    last_day = models.DateField()
    uses = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "behaviour"], name="adoption_pb_key")]
        indexes = [models.Index(fields=["behaviour", "person"], name="adoption_pb_beh_person")]


class StallAlert(models.Model):
    """A team whose adoption flattened below target. Open until adoption moves again."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="alerts")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    raised_on = models.DateField()
    active_share = models.FloatField()
    weekly_points = models.JSONField(default=list, help_text="Growth in points per week, oldest first.")
    people = models.PositiveIntegerField()
    cleared_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_on", "-id"]

    def __str__(self) -> str:
        return f"{self.tool} stalled in {self.unit} on {self.raised_on}"

    @property
    def is_open(self) -> bool:
        return self.cleared_on is None


class DecisionKind(models.TextChoices):
    TRAINING = "training", "Extra training"
    FIX_DEFECTS = "fix_defects", "Fix defects first"
    CHANGE_PROCESS = "change_process", "Change the process"
    PAUSE_WAVE = "pause_wave", "Pause the wave"
    OTHER = "other", "Something else"


class Decision(models.Model):
    """A "change direction" decision for a team's adoption, with its reason."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="decisions")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    alert = models.ForeignKey(StallAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    reason = models.TextField()
    decided_on = models.DateField(default=date.today)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.unit} ({self.decided_on})"


class DefectStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    TRIAGED = "triaged", "Triaged"
    FIXING = "fixing", "Being fixed"
    FIXED = "fixed", "Fixed"
    WONT_FIX = "wont_fix", "Will not be fixed"


OPEN_DEFECT_STATUSES = [DefectStatus.REPORTED, DefectStatus.TRIAGED, DefectStatus.FIXING]


class Defect(models.Model):
    """An operational problem with the tool found by staff, and the workaround until it is fixed.

    An anonymous reporter is not stored: they keep a receipt, and only its hash is here, so they can look
    up the status and the answer without anyone learning who they are."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="defects")
    title = models.CharField(max_length=200)
    description = models.TextField()
    workaround = models.TextField(blank=True)
    units = models.ManyToManyField(Unit, blank=True, related_name="+", help_text="Teams it hits.")
    reporter = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    receipt_hash = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=DefectStatus.choices, default=DefectStatus.REPORTED)
    answer = models.TextField(blank=True, help_text="What the reporter hears back.")
    reported_on = models.DateField(default=date.today)
    fixed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DEFECT_STATUSES


class Upload(models.Model):
    """A usage export waiting for its column mapping. Deleted once imported, or after a day."""

    token = models.CharField(max_length=43, unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    at = models.DateTimeField(auto_now_add=True)
