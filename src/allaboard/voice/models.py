"""Voice: the idea box (with its response promise), consultations on proposals, experiments, kudos tied to
service values, early wins, change champions and moderation reports.

Anonymity rule (as in listening): an anonymous idea, comment or consultation answer stores NO person and no
team. The only link back to its author is a one-time key the author keeps (`AnonymousKey` stores its hash and
the idea, never a person)."""

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Milestone, Programme

DEFAULT_ANSWER_DAYS = 10  # first answer within 10 working days
DEFAULT_VOTE_THRESHOLD = 10


def answer_days() -> int:
    return max(1, int(getattr(settings, "ALLABOARD_VOICE_ANSWER_DAYS", DEFAULT_ANSWER_DAYS)))


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


class VoiceSettings(models.Model):
    """Per programme: the vote threshold that moves an idea to review, and the answer promise."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="voice_settings")
    vote_threshold = models.PositiveIntegerField(
        default=DEFAULT_VOTE_THRESHOLD,
        help_text="An idea with this many votes moves to 'under review' by itself (0: never).",
    )
    answer_days = models.PositiveSmallIntegerField(
        default=DEFAULT_ANSWER_DAYS, help_text="Working days within which every new idea gets a first answer."
    )

    def __str__(self) -> str:
        return f"Voice settings for {self.programme}"


class Category(models.TextChoices):
    PROCESS = "process", "A process or a rule"
    TOOLS = "tools", "Tools and systems"
    CUSTOMERS = "customers", "Customers"
    TRAINING = "training", "Training and support"
    WELLBEING = "wellbeing", "Workload and wellbeing"
    OTHER = "other", "Something else"


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"
    MERGED = "merged", "Merged with a similar idea"


# Where an idea may go next. Every move needs a reason; "merged" only through a merge.
NEXT_STATUSES = {
    IdeaStatus.NEW: [IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.DECLINED],
    IdeaStatus.UNDER_REVIEW: [IdeaStatus.ACCEPTED, IdeaStatus.DECLINED],
    IdeaStatus.ACCEPTED: [IdeaStatus.IN_PROGRESS, IdeaStatus.DONE, IdeaStatus.DECLINED],
    IdeaStatus.IN_PROGRESS: [IdeaStatus.DONE, IdeaStatus.DECLINED],
    IdeaStatus.DONE: [],
    IdeaStatus.DECLINED: [],
    IdeaStatus.MERGED: [],
}
OPEN_STATUSES = [IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW, IdeaStatus.ACCEPTED, IdeaStatus.IN_PROGRESS]


class Idea(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="ideas")
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="Redacted: names, emails, phone numbers and ids are masked.")
    anonymous = models.BooleanField(default=False)
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="voice_ideas"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Author's team."
    )
    status = models.CharField(max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.NEW)
    created_on = models.DateField()
    answer_due = models.DateField(help_text="The promised date of a first answer.")
    first_answered_on = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas"
    )
    action = models.ForeignKey(
        "playbook.Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="voice_ideas"
    )
    experiment = models.ForeignKey(
        "voice.Experiment", null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    outcome_told = models.CharField(
        max_length=60, blank=True, help_text="The last outcome status author and voters were told."
    )
    overdue_flagged_on = models.DateField(null=True, blank=True)
    due_reminded_on = models.DateField(
        null=True, blank=True, help_text="When the change leads were reminded that the answer is due."
    )
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(author__isnull=True, unit__isnull=True),
                name="voice_anonymous_idea_has_no_author",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:idea", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: date) -> bool:
        return (
            self.first_answered_on is None
            and self.status in (IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW)
            and self.answer_due < today
        )

    def next_statuses(self) -> list[str]:
        return list(NEXT_STATUSES[IdeaStatus(self.status)])


class IdeaVote(models.Model):
    """One vote per person per idea: the unique constraint makes concurrent clicks count once."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="voice_votes")
    created_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "person"], name="voice_one_vote_per_person")]


class IdeaStatusChange(models.Model):
    """Every step of an idea's pipeline with its reason, shown to everyone who can see the idea."""

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=IdeaStatus.choices)
    to_status = models.CharField(max_length=20, choices=IdeaStatus.choices)
    reason = models.TextField()
    automatic = models.BooleanField(default=False)
    by_name = models.CharField(
        max_length=150, blank=True, help_text="Who answered (a leader), or 'automatic'."
    )
    on = models.DateField()

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="voice_status_change_has_reason"),
        ]


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    anonymous = models.BooleanField(default=False)
    author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateField()
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(author__isnull=True),
                name="voice_anonymous_comment_has_no_author",
            )
        ]

    @property
    def author_name(self) -> str:
        return "Anonymous" if self.anonymous or not self.author_id else self.author.full_name


class AnonymousKey(models.Model):
    """The author's private key to an anonymous idea: only its hash, and the idea; never a person."""

    key_hash = models.CharField(max_length=64, unique=True)
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="+")

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.strip().encode()).hexdigest()

    @classmethod
    def issue(cls, idea: Idea) -> str:
        key = "idea-" + secrets.token_urlsafe(18)
        cls.objects.create(key_hash=cls.hash_key(key), idea=idea)
        return key


# ---- consultation -----------------------------------------------------------------------------------------


class ProposalKind(models.TextChoices):
    PROCESS = "process", "A draft process"
    SCRIPT = "script", "A script"
    ROTA = "rota", "A rota"
    OTHER = "other", "Something else"


class Consultation(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProposalKind.choices, default=ProposalKind.PROCESS)
    proposal = models.TextField()
    teams = models.ManyToManyField(Unit, related_name="+")
    opens = models.DateField()
    closes = models.DateField()
    response = models.TextField("What changed because of your feedback", blank=True)
    published_on = models.DateField(null=True, blank=True)
    closed_told_on = models.DateField(
        null=True, blank=True, help_text="When the lead was told the period is over."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:consultation", args=[self.pk])

    def is_open(self, today: date) -> bool:
        return self.opens <= today <= self.closes


class ConsultationFeedback(models.Model):
    """A comment and/or a rating. Carries a person only when they chose to be named."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="feedback")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    anonymous = models.BooleanField(default=True)
    author = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateField()
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="voice_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(author__isnull=True),
                name="voice_anonymous_feedback_has_no_author",
            ),
        ]

    @property
    def author_name(self) -> str:
        return "Anonymous" if self.anonymous or not self.author_id else self.author.full_name


class ConsultationRater(models.Model):
    """Who has rated a proposal (kept apart from the ratings): one rating per person."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="raters")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "person"], name="voice_rate_a_proposal_once")
        ]


class ConsultationParticipant(models.Model):
    """Who has given feedback on a proposal (kept apart from what they wrote): figures and comments are
    shown by the number of people, never by the number of comments, so one person writing five anonymous
    comments cannot open a small group's comments."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "person"], name="voice_participant_once")
        ]


# ---- experiments ------------------------------------------------------------------------------------------


class MeasureType(models.TextChoices):
    PROPORTION = "proportion", "A share (e.g. first-contact resolution)"
    MEAN = "mean", "An average (e.g. handling time, a 1-5 score)"


class Decision(models.TextChoices):
    NONE = "", "Not decided yet"
    ADOPT = "adopt", "Adopt"
    ADAPT = "adapt", "Adapt"
    ABANDON = "abandon", "Abandon"


class Experiment(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="experiments")
    title = models.CharField(max_length=200)
    hypothesis = models.TextField()
    measure = models.CharField(max_length=200, help_text="What is measured, e.g. 'first-contact resolution'.")
    measure_type = models.CharField(
        max_length=12, choices=MeasureType.choices, default=MeasureType.PROPORTION
    )
    teams = models.ManyToManyField(Unit, related_name="+")
    starts = models.DateField()
    ends = models.DateField()
    # baseline (before) and result (during the trial): a share as successes/n, an average as n, mean, sd
    baseline_n = models.PositiveIntegerField(null=True, blank=True)
    baseline_value = models.FloatField(
        null=True, blank=True, help_text="Successes for a share; mean otherwise."
    )
    baseline_sd = models.FloatField(null=True, blank=True)
    result_n = models.PositiveIntegerField(null=True, blank=True)
    result_value = models.FloatField(null=True, blank=True)
    result_sd = models.FloatField(null=True, blank=True)
    learning = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:experiment", args=[self.pk])

    @property
    def has_result(self) -> bool:
        return self.result_n is not None and self.result_value is not None


# ---- recognition ------------------------------------------------------------------------------------------


class ServiceValue(models.Model):
    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class KudosSource(models.TextChoices):
    PEER = "peer", "A colleague"
    CUSTOMER = "customer", "A customer"


class Kudos(models.Model):
    giver = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="kudos_received"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", help_text="The team.")
    value = models.ForeignKey(
        ServiceValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField()
    source = models.CharField(max_length=10, choices=KudosSource.choices, default=KudosSource.PEER)
    source_ref = models.CharField(
        max_length=80, blank=True, help_text="The customer compliment it came from."
    )
    created_on = models.DateField()
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        verbose_name_plural = "kudos"
        constraints = [
            models.UniqueConstraint(
                fields=["source_ref"], condition=~Q(source_ref=""), name="voice_one_kudos_per_compliment"
            )
        ]

    @property
    def recipient_name(self) -> str:
        return self.person.full_name if self.person_id else self.unit.name


# ---- early wins -------------------------------------------------------------------------------------------


class WinMeasure(models.TextChoices):
    IDEAS_ANSWERED = "ideas_answered", "Ideas answered on time (idea box)"
    READINESS = "readiness", "Readiness element mean (pulse)"
    CUSTOMER_SCORE = "customer_score", "Customer score"
    ADOPTION = "adoption", "Adoption of the new tool"
    EVIDENCE = "evidence", "Entered with evidence"
    MILESTONE = "milestone", "Milestone reached"


class Win(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="wins")
    title = models.CharField(max_length=200)
    story = models.TextField()
    measure = models.CharField(max_length=20, choices=WinMeasure.choices)
    metric_label = models.CharField(max_length=120, blank=True)
    before = models.FloatField(null=True, blank=True)
    after = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=300, help_text="Where the figures come from.")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    milestone = models.OneToOneField(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="voice_win"
    )
    published_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_on = models.DateField()

    class Meta:
        ordering = ["-created_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voice:win", args=[self.pk])


# ---- champions --------------------------------------------------------------------------------------------


class Champion(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="champions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="champion_roles")
    since = models.DateField()

    class Meta:
        ordering = ["person__unit__path", "person__family_name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "person"], name="voice_champion_once_per_programme")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.programme})"


# ---- moderation -------------------------------------------------------------------------------------------


class ReportTarget(models.TextChoices):
    IDEA = "idea", "Idea"
    COMMENT = "comment", "Comment on an idea"
    KUDOS = "kudos", "Kudos"
    FEEDBACK = "feedback", "Consultation feedback"


class Report(models.Model):
    """Someone reported a post. The reporter is kept so one person cannot flood the queue."""

    target = models.CharField(max_length=10, choices=ReportTarget.choices)
    target_id = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    reporter = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["resolved_on", "-created_on", "-id"]


# ---- the daily upkeep -------------------------------------------------------------------------------------


class DailyRun(models.Model):
    """A day the worker ran the daily upkeep. The unique day lets exactly one of several queued runs (after a
    worker restart, or with two workers) do the day's work."""

    day = models.DateField(unique=True)
    ran_at = models.DateTimeField()
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Voice upkeep of {self.day}"
