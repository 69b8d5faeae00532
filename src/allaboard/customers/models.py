"""Customer feedback, its sufficient statistics per day/week/month x unit x channel, and saved column mappings.

Feedback is about customers, not employees: it carries no employee answers, only who served the customer
(the team, and the agent when the source knows it). Comments are stored redacted.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models

from allaboard.org.models import Person, Unit


class Channel(models.TextChoices):
    """How the customer contacted us."""

    VOICE = "voice", "Phone"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    SOCIAL = "social", "Social media"
    MESSAGING = "messaging", "SMS / messaging"
    WEB = "web", "Web / self-service"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not recorded"


class Grain(models.TextChoices):
    DAY = "d", "Day"
    WEEK = "w", "Week"
    MONTH = "m", "Month"


def period_start(day: date, grain: str) -> date:
    """The first day of the day's period: itself, the Monday of its ISO week, or the 1st of its month."""
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    raise ValueError(f"unknown grain {grain!r}")


class FeedbackSource(models.Model):
    """A feed of customer feedback (a survey tool, a ticketing system) and how its files' columns map."""

    name = models.CharField(max_length=100, unique=True)
    mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text="Field -> column header of the source's files, e.g. {'csat': 'q1'}.",
    )
    keep_extra_columns = models.BooleanField(
        default=True, help_text="Store columns that map to no field as attributes."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One accepted file or API request: what came in, and how many records were new."""

    class Via(models.TextChoices):
        FILE = "file", "File upload"
        API = "api", "API"
        DEMO = "demo", "Demo"

    source = models.ForeignKey(
        FeedbackSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="batches"
    )
    via = models.CharField(max_length=10, choices=Via.choices)
    filename = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    records = models.PositiveIntegerField(default=0, help_text="Records received.")
    created = models.PositiveIntegerField(default=0, help_text="New records stored.")
    duplicates = models.PositiveIntegerField(
        default=0, help_text="Records skipped: external id already known."
    )
    comments_submitted = models.BooleanField(
        default=False, help_text="Comments handed to comment insight for themes and sentiment."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.get_via_display()} {self.filename} ({self.created} new)"


class Feedback(models.Model):
    """One customer's answer about one contact."""

    external_id = models.CharField(max_length=100, unique=True, help_text="The id in the source system.")
    date = models.DateField()
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.UNKNOWN)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="customer_feedback")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_feedback",
        help_text="The agent who served the customer, when the source knows.",
    )
    csat = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Satisfaction 1-5.")
    nps = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Likelihood to recommend 0-10.")
    ces = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Ease 1-7 (7 = very easy).")
    comment = models.TextField(blank=True, default="", help_text="Redacted.")
    attributes = models.JSONField(default=dict, blank=True)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "feedback"
        indexes = [
            models.Index(fields=["person", "date"], name="customers_fb_person_date"),
            models.Index(fields=["unit", "date"], name="customers_fb_unit_date"),
            models.Index(fields=["batch"], name="customers_fb_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.date})"


NPS_FIELDS = [f"nps_{score}" for score in range(11)]
CSAT_FIELDS = [f"csat_{score}" for score in range(1, 6)]
CES_FIELDS = ["ces_n", "ces_sum", "ces_sumsq"]
STAT_FIELDS = ["n", *NPS_FIELDS, *CSAT_FIELDS, *CES_FIELDS, "comments"]


def _counter(label: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class FeedbackStats(models.Model):
    """Sufficient statistics of the feedback for one period (day, ISO week or month), unit and channel.

    Counts per NPS answer 0-10 and per CSAT answer 1-5, and n, sum and sum of squares of CES: every figure
    the pages show (NPS and its interval, CSAT %, CES mean and its interval, volumes) is computed from
    sums of these rows, never from the raw feedback. The import adds to them in the same transaction.
    """

    grain = models.CharField(max_length=1, choices=Grain.choices)
    start = models.DateField()
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    n = _counter("Records")
    nps_0 = _counter("NPS 0")
    nps_1 = _counter("NPS 1")
    nps_2 = _counter("NPS 2")
    nps_3 = _counter("NPS 3")
    nps_4 = _counter("NPS 4")
    nps_5 = _counter("NPS 5")
    nps_6 = _counter("NPS 6")
    nps_7 = _counter("NPS 7")
    nps_8 = _counter("NPS 8")
    nps_9 = _counter("NPS 9")
    nps_10 = _counter("NPS 10")
    csat_1 = _counter("CSAT 1")
    csat_2 = _counter("CSAT 2")
    csat_3 = _counter("CSAT 3")
    csat_4 = _counter("CSAT 4")
    csat_5 = _counter("CSAT 5")
    ces_n = _counter("CES answers")
    ces_sum = models.BigIntegerField("CES sum", default=0)
    ces_sumsq = models.BigIntegerField("CES sum of squares", default=0)
    comments = _counter("Comments")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grain", "start", "unit", "channel"], name="customers_stats_key")
        ]
        verbose_name_plural = "feedback statistics"

    def __str__(self) -> str:
        return f"{self.get_grain_display()} {self.start} {self.unit_id} {self.channel}: {self.n}"


class Upload(models.Model):
    """A file waiting for its column mapping to be confirmed. Deleted once imported, or after a day."""

    token = models.CharField(max_length=43, unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    source = models.ForeignKey(
        FeedbackSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_name = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.filename
