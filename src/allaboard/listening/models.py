"""Surveys, waves, who was invited, anonymous responses, and the sufficient statistics results read.

What is kept apart, and why (docs/listening.md, "What managers can and cannot see"):

- Invitation: who was asked (person, wave) and a responded flag, with no time of any kind. Only a hash
  of the one-time link's token is stored; the token itself lives only in the email that was sent.
- Response and Answer: what was said, with a random (UUID) key so the order rows were written in says
  nothing, the day (never the time) it was given, and the reporting attributes of the person's team
  snapshotted at that moment. No person, no invitation. The only key back is `reply_key_hash`, a hash
  of the token under another prefix: whoever holds the link can find their own response (to read
  replies to their comments); nobody without the link can tie it to an invitation.
- Tally: per wave, unit and cut, the counts, sums, sums of squares and cross-products results are
  computed from, updated in the same transaction as the response.
"""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from allaboard.org.models import JobRole, Person, Unit
from allaboard.programmes.models import Programme

from . import instruments as I


def token_hash(purpose: str, token: str) -> str:
    """sha256("<purpose>:<token>"): the same token gives unrelated hashes for invite, draft and reply."""
    return hashlib.sha256(f"{purpose}:{token}".encode()).hexdigest()


class ThresholdLocked(ValueError):
    """Someone tried to change a survey's anonymity thresholds after it opened."""


class Survey(models.Model):
    """A questionnaire with its audience, languages, schedule and anonymity thresholds."""

    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys"
    )
    name = models.CharField(max_length=200)
    intro = models.TextField(
        blank=True, help_text="Shown at the top of the answer page: why we ask, and what happens next."
    )
    languages = models.JSONField(
        default=list, help_text='Language codes offered, English first: ["en", "cy"].'
    )
    audience_units = models.ManyToManyField(
        Unit, blank=True, related_name="+", help_text="Everyone in these units and below. Empty: everyone."
    )
    audience_roles = models.ManyToManyField(
        JobRole, blank=True, related_name="+", help_text="Only these job roles. Empty: every role."
    )
    include_partner = models.BooleanField(default=True, help_text="Include partner organisations' staff.")
    window_days = models.PositiveSmallIntegerField(default=10, help_text="How long each wave stays open.")
    recurrence_weeks = models.PositiveSmallIntegerField(
        default=0, help_text="0: one wave at a time. 4: a new wave every four weeks (a recurring pulse)."
    )
    announce_in_chat = models.BooleanField(
        default=False,
        help_text="Also announce each wave (and remind) in the teams' Slack/Teams channels, with the team "
        "link where a team has one. Personal links only ever go by email.",
    )
    min_group_size = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="k: fixed when the first wave opens; never below the platform's k."
    )
    min_comment_group_size = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Comments threshold: fixed when the first wave opens."
    )
    key_driver_min_respondents = models.PositiveSmallIntegerField(
        default=26, help_text="Key drivers only for groups of at least this many complete responses."
    )
    protect_between_waves = models.BooleanField(
        default=False,
        help_text="Also hide a team's results when its number of respondents differs from an earlier "
        "wave's by 1 to k-1 (fixed when the first wave opens).",
    )
    opened_on = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    LOCKED_FIELDS = ("min_group_size", "min_comment_group_size", "protect_between_waves")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The anonymity thresholds are fixed once answers may exist: nobody may lower them to look at
        # answers already given (nor raise them to hide results after the fact).
        if self.pk is not None:
            stored = Survey.objects.filter(pk=self.pk).values(*self.LOCKED_FIELDS, "opened_on").first()
            if stored and stored["opened_on"] is not None:
                changed = [f for f in self.LOCKED_FIELDS if getattr(self, f) != stored[f]]
                if changed:
                    raise ThresholdLocked(f"{', '.join(changed)} cannot change after the survey has opened")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("listening:survey", args=[self.pk])

    @property
    def is_open_or_done(self) -> bool:
        return self.opened_on is not None

    @property
    def k(self) -> int:
        from allaboard.anonymity import min_group_size

        return self.min_group_size or min_group_size()

    @property
    def comment_k(self) -> int:
        from allaboard.anonymity import min_comment_group_size

        return max(self.k, self.min_comment_group_size or min_comment_group_size())

    @property
    def language_list(self) -> list[str]:
        return list(self.languages or ["en"])


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=60, help_text="Stable id: the same key lines results up across waves.")
    kind = models.CharField(max_length=10, choices=list(I.KINDS.items()))
    text = models.CharField(max_length=400, help_text="English text.")
    scale = models.SlugField(max_length=40, blank=True, help_text="The scale or ADKAR element it measures.")
    reverse = models.BooleanField(default=False, help_text="Agreeing is unfavourable: answers are mirrored.")
    is_outcome = models.BooleanField(default=False, help_text="The outcome key drivers explain.")
    choices = models.JSONField(default=list, blank=True)
    instrument = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="listening_question_key")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_rated(self) -> bool:
        return self.kind in I.RATED

    @property
    def low(self) -> int:
        return 0 if self.kind == I.SCALE10 else 1

    @property
    def high(self) -> int:
        return 10 if self.kind == I.SCALE10 else 5

    @property
    def values(self) -> list[int]:
        """The answers a rated or choice question can take."""
        if self.kind in I.RATED:
            return list(range(self.low, self.high + 1))
        return list(range(len(self.choices)))

    def scored(self, value: float) -> float:
        """The answer on the favourable direction (reverse-scored items mirrored)."""
        return self.low + self.high - value if self.reverse else value

    def text_in(self, language: str, translations: dict | None = None) -> tuple[str, list[str]]:
        """(text, choices) in `language`, falling back to English."""
        found = (translations or {}).get((self.pk, language))
        if found is None and language != "en":
            found = self.translations.filter(language=language).first()
        if found is None:
            return self.text, list(self.choices)
        return found.text, list(found.choices or self.choices)


class QuestionTranslation(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10)
    text = models.CharField(max_length=400)
    choices = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "language"], name="listening_translation_once")
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.text}"


class WaveStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Wave(models.Model):
    """One round of a survey: open from `opens` to `closes` (both days included)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="waves")
    number = models.PositiveSmallIntegerField()
    opens = models.DateField()
    closes = models.DateField()
    status = models.CharField(max_length=10, choices=WaveStatus.choices, default=WaveStatus.SCHEDULED)
    reminders_sent = models.JSONField(default=list, blank=True, help_text="Days reminders went out.")
    # Frozen at close: {unit id: parent id} of every unit with respondents, so results never change
    # when teams move later (a moved team would otherwise let old and new totals be subtracted).
    hierarchy = models.JSONField(default=dict, blank=True, editable=False)
    published = models.BooleanField(default=False, help_text="Results computed and visible.")

    class Meta:
        ordering = ["survey", "number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="listening_wave_number")]

    def __str__(self) -> str:
        return f"{self.survey.name}, wave {self.number} ({self.opens:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("listening:wave", args=[self.pk])

    @property
    def key(self) -> str:
        """How textinsight and the playbook name this wave."""
        return f"wave:{self.pk}"

    def accepts_answers(self, today) -> bool:
        return self.status == WaveStatus.OPEN and self.opens <= today <= self.closes


class Invitation(models.Model):
    """Who was asked to answer a wave, and whether they have. Deliberately no timestamps."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_invitations")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", help_text="Team when invited.")
    responded = models.BooleanField(default=False)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    sends = models.PositiveSmallIntegerField(
        default=0, help_text="Links issued (each new one replaces the last)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "person"], name="listening_invited_once")]
        indexes = [models.Index(fields=["wave", "unit", "responded"], name="listening_inv_participation")]

    def __str__(self) -> str:
        return f"{self.person} for {self.wave}"


class TeamLink(models.Model):
    """A link shared by a team (printed as a QR code on the floor) for people without email.

    The token is derived from the server's secret and `salt`, so the QR page can be drawn again without
    storing the token; only its hash is used to look the link up."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="team_links")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    capacity = models.PositiveIntegerField(help_text="At most this many responses (people without email).")
    responses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["wave", "unit"], name="listening_team_link_once")]

    def __str__(self) -> str:
        return f"Team link for {self.unit} ({self.wave})"


class Draft(models.Model):
    """Partial answers, keyed by sha256("draft:" + token). Deleted when the response is submitted."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)
    saved_on = models.DateField()

    def __str__(self) -> str:
        return f"Draft for {self.wave_id}"


class Response(models.Model):
    """One anonymous response. No person, no invitation, no time of day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    submitted_on = models.DateField()
    language = models.CharField(max_length=10, default="en")
    # Reporting attributes, snapshotted when the response is given.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_partner = models.BooleanField(default=False)
    tenure_band = models.CharField(max_length=40, default="unknown")
    channel = models.CharField(max_length=20, default="unknown")
    job_role = models.ForeignKey(JobRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    barrier = models.CharField(max_length=20, blank=True, help_text="ADKAR barrier point ('' : none).")
    reply_key_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        indexes = [models.Index(fields=["wave", "unit"], name="listening_response_unit")]

    def __str__(self) -> str:
        return f"Response to {self.wave_id}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.FloatField(null=True, blank=True, help_text="Rated or single choice (choice index).")
    choices = models.JSONField(default=list, blank=True, help_text="Multiple choice: chosen indexes.")
    text = models.TextField(blank=True, help_text="Open text, redacted before it is stored.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="listening_answer_once"),
        ]
        indexes = [
            models.Index(fields=["question"], name="listening_answer_open", condition=~Q(text="")),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class Tally(models.Model):
    """Sufficient statistics of the respondents of one cut: a unit (own people, or with everything
    below when `rollup`), optionally one attribute value (`cut` = "tenure=under 6 months"), in one wave.

    items:   {question id: {"n": answers, "t": sum, "q": sum of squares, "c": {value: count}}}, raw
             values (reverse scoring is applied when reading);
    scales:  {scale: {"n": respondents with a score, "t": sum of scores, "q": sum of squares}}, where a
             respondent's score is the mean of their (reverse-scored) items on the scale;
    barriers:{element or "none": respondents} (ADKAR surveys);
    moments: {block: {"v": variables, "n": complete responses, "s": sums, "x": cross-products}}, only
             on cut "" (reliability per scale, key drivers on scales and on items).
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="tallies")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    cut = models.CharField(max_length=120, blank=True, default="")
    rollup = models.BooleanField(default=False)
    respondents = models.PositiveIntegerField(default=0)
    items = models.JSONField(default=dict)
    scales = models.JSONField(default=dict)
    barriers = models.JSONField(default=dict)
    moments = models.JSONField(default=dict)
    visible = models.BooleanField(null=True, help_text="Results may be shown (set when the wave closes).")
    comments_visible = models.BooleanField(null=True, help_text="Comments may be shown.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "unit", "cut", "rollup"], name="listening_tally_once")
        ]
        indexes = [models.Index(fields=["wave", "rollup", "cut"], name="listening_tally_read")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.cut or 'all'} ({'with below' if self.rollup else 'own'})"


class Acknowledgement(models.TextChoices):
    THANKS = "thanks", "Thanks for telling us"
    ON_IT = "on_it", "We're on it"
    HEARD = "heard", "We hear you"
    DONE = "done", "We've done something about this"
    REPLY = "reply", "Reply"


class CommentReply(models.Model):
    """A leader's reply to, or acknowledgement of, an anonymous comment. The writer sees it on their link."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    kind = models.CharField(max_length=10, choices=Acknowledgement.choices)
    text = models.TextField(blank=True)
    created_on = models.DateField()

    class Meta:
        ordering = ["created_on", "id"]

    def __str__(self) -> str:
        return self.text or self.get_kind_display()

    @property
    def message(self) -> str:
        return self.text if self.kind == Acknowledgement.REPLY else self.get_kind_display()
