"""Deliveries (one message, one recipient, one channel) and team chat channels."""

import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from allaboard.org.models import Person, Unit


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    FEED = "feed", "News feed"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", "Queued"
    HELD = "held", "Held (frequency cap)"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Gave up"
    CANCELLED = "cancelled", "Cancelled"


# States from which the worker may (still) send.
PENDING_STATES = [DeliveryState.QUEUED, DeliveryState.HELD, DeliveryState.FAILED]
# Who got these says who has not answered a survey: never listed person by person (PRODUCT.md, privacy).
PRIVATE_PURPOSES = ["survey_reminder"]


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Delivery(models.Model):
    """One message to one recipient through one channel, with its sending state.

    A renderer-based delivery keeps only the renderer's dotted path and arguments: the body is made at send
    time and never stored (one-time survey links live only in the sent email)."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    purpose = models.CharField(max_length=40, help_text="What it is for, e.g. message, survey_invitation.")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.CharField(max_length=1000, blank=True, help_text="Email address or webhook URL.")
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The recipient's team when queued (or the chat channel's unit), for reach per team.",
    )
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    link = models.CharField(max_length=1000, blank=True)
    renderer = models.CharField(max_length=200, blank=True)
    renderer_args = models.JSONField(default=dict, blank=True)
    essential = models.BooleanField(default=False, help_text="Bypasses the per-person frequency cap.")
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED, db_index=True
    )
    send_after = models.DateTimeField(null=True, blank=True, help_text="Not before this time (as asked).")
    due_at = models.DateTimeField(default=timezone.now, db_index=True, help_text="Next attempt.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True, help_text="Opened (email) or read (feed).")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["person", "channel", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient_label}: {self.subject or self.purpose}"

    @property
    def recipient_label(self) -> str:
        """Who it is for, without exposing a webhook URL (which is a secret that lets anyone post)."""
        if self.person_id:
            return self.person.full_name
        if self.channel in (Channel.SLACK, Channel.TEAMS):
            return mask_url(self.address)
        return self.address

    def set_source(self, obj: models.Model | None) -> None:
        if obj is None:
            self.source_type, self.source_id = None, ""
        else:
            self.source_type = ContentType.objects.get_for_model(obj)
            self.source_id = str(obj.pk)


class ChatChannel(models.Model):
    """A team's chat channel, reached through an incoming webhook (Slack, or a Teams Workflows webhook)."""

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack"
        TEAMS = "teams", "Microsoft Teams"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="chat_channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100, help_text="How people know the channel, e.g. #leeds-billing-2.")
    webhook_url = models.URLField(max_length=1000, help_text="Kept secret: anyone with it can post.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="one_chat_channel_per_kind")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.unit})"

    @property
    def masked_url(self) -> str:
        return mask_url(self.webhook_url)


def mask_url(url: str) -> str:
    """https://hooks.slack.com/services/T0/B0/abcdef -> https://hooks.slack.com/…cdef"""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if not parsed.scheme:
        return "…" + url[-4:] if url else ""
    return f"{parsed.scheme}://{parsed.netloc}/…{url[-4:]}"


# --- messages, campaigns, acknowledgements ----------------------------------------------------------


class Stage(models.TextChoices):
    """The planned sequence of a programme's communication, in order."""

    ANNOUNCE = "announce", "Announce"
    WHY = "why", "Explain why"
    WHAT_CHANGES = "what_changes", "What changes for me"
    TRAINING = "training", "Training"
    GO_LIVE = "go_live", "Go-live"
    WINS = "wins", "Early wins"
    OTHER = "other", "Other"


class Campaign(models.Model):
    """A programme's planned sequence of messages."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["programme__name", "name"]

    def __str__(self) -> str:
        return self.name


class MessageStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"


class Message(models.Model):
    """A message to an audience through one or more channels, with the reason behind it."""

    programme = models.ForeignKey(
        "programmes.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.OTHER)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain words. Blank lines separate paragraphs.")
    why = models.TextField(
        "Why this matters", blank=True, help_text="The reason, shown above the “I understand why” button."
    )
    channels = models.JSONField(default=list, help_text="Any of email, slack, teams, feed.")
    audience_units = models.ManyToManyField(
        Unit, blank=True, related_name="+", help_text="Teams, sites or the partner (and everyone below)."
    )
    audience_roles = models.ManyToManyField(
        "org.JobRole", blank=True, related_name="+", help_text="Only people in these job roles."
    )
    essential = models.BooleanField(default=False, help_text="Bypasses the frequency cap. Use sparingly.")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.DRAFT)
    planned_for = models.DateField(null=True, blank=True, help_text="Where it sits in the sequence.")
    send_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("comms:message", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in (MessageStatus.DRAFT, MessageStatus.SCHEDULED)


class Acknowledgement(models.Model):
    """ "I understand why": one per person and message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="acknowledgements")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "person"], name="one_acknowledgement_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} understands why: {self.message}"


# --- questions and concerns -------------------------------------------------------------------------


class QuestionStatus(models.TextChoices):
    OPEN = "open", "Waiting for an answer"
    ANSWERED = "answered", "Answered"
    HIDDEN = "hidden", "Not published"


class Question(models.Model):
    """A question or concern. Anonymous ones store no person, no team and no receipt that names anyone."""

    programme = models.ForeignKey(
        "programmes.Programme", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    text = models.TextField(help_text="As asked, with names, emails and phone numbers masked.")
    is_concern = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False)
    asked_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions_asked"
    )
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    asked_on = models.DateField(default=timezone.localdate, db_index=True)
    status = models.CharField(
        max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN, db_index=True
    )
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        "org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by_name = models.CharField(max_length=200, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    flagged_on = models.DateField(null=True, blank=True, help_text="Flagged to the change lead as overdue.")
    receipt_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["-asked_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(asked_by__isnull=True, unit__isnull=True),
                name="anonymous_question_names_nobody",
            )
        ]

    def __str__(self) -> str:
        return f"Question {self.pk}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("comms:question", args=[self.pk])
