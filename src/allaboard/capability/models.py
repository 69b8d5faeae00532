"""Training, coaching, decision autonomy and leading by example."""

from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse

from allaboard.org.models import JobRole, Person, User

# What a course can be tagged as addressing: the ADKAR elements and the resistance sources (PRODUCT.md).
ELEMENTS = ["awareness", "desire", "knowledge", "ability", "reinforcement"]
SOURCES = ["why", "benefit", "job", "disruption", "skills", "loss", "voice", "leadership", "fatigue", "tools"]
ADDRESSABLE = ELEMENTS + SOURCES


class Delivery(models.TextChoices):
    IN_HOUSE = "in_house", "In-house"
    THIRD_PARTY = "third_party", "Third party"


class Course(models.Model):
    """A course in the training catalogue."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    formal_change_management = models.BooleanField(
        "Formal change-management training",
        default=False,
        help_text="Counts towards '% formally trained' and 'training days' (seed 002).",
    )
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.IN_HOUSE)
    provider = models.CharField(max_length=200, blank=True, help_text="The third party, if any.")
    duration_hours = models.DecimalField(max_digits=6, decimal_places=2)
    xapi_activity_id = models.CharField(
        "xAPI activity id",
        max_length=500,
        unique=True,
        null=True,
        blank=True,
        help_text="The IRI your LMS sends as the statement object id for this course.",
    )
    lms_code = models.CharField(
        "LMS course code",
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text="Used by LMS imports.",
    )
    addresses = models.JSONField(
        default=list,
        blank=True,
        help_text="ADKAR elements and resistance sources this course helps with (used by the playbook).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("capability:course", args=[self.pk])


class Session(models.Model):
    """A dated delivery of a course, with a trainer and a capacity."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField()
    ends_on = models.DateField()
    trainer = models.CharField(max_length=200)
    location = models.CharField(max_length=200, blank=True)
    capacity = models.PositiveIntegerField()

    class Meta:
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.name}, {self.starts_on:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("capability:session", args=[self.pk])


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    ATTENDED = "attended", "Attended"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Did not pass"
    NO_SHOW = "no_show", "Did not attend"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Source(models.TextChoices):
    MANUAL = "manual", "Recorded here"
    LMS = "lms", "LMS import"
    XAPI = "xapi", "xAPI statement"


CONFIDENCE = [(i, str(i)) for i in range(1, 6)]


class Enrolment(models.Model):
    """One person's attempt at one course (in a session, or self-paced). Repeat attempts are new rows."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrolments")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="enrolments"
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(
        max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    enrolled_on = models.DateField(default=date.today)
    hours_attended = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    score = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="0-100 (a scaled xAPI score x 100)."
    )
    confidence_before = models.PositiveSmallIntegerField(null=True, blank=True, choices=CONFIDENCE)
    confidence_after = models.PositiveSmallIntegerField(null=True, blank=True, choices=CONFIDENCE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    external_id = models.CharField(
        max_length=200, null=True, blank=True, unique=True, help_text="The LMS record id, for re-imports."
    )

    class Meta:
        ordering = ["-enrolled_on", "id"]
        indexes = [
            models.Index(fields=["person", "status", "completed_on"], name="enrolment_person_status"),
            models.Index(fields=["person", "course"], name="enrolment_person_course"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", completed_on__isnull=False) | ~Q(status="completed"),
                name="completed_enrolment_has_a_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.course}"


class FormalTraining(models.Model):
    """The first formal change-management completion per person: the fast path of '% formally trained'.

    Kept in step by services.refresh_formal_training() whenever a completion is written or changed.
    """

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="formal_training"
    )
    first_completed_on = models.DateField()


class XapiStatement(models.Model):
    """An xAPI statement we accepted, kept by its id so a re-sent statement is not counted twice."""

    statement_id = models.UUIDField(unique=True)
    verb = models.CharField(max_length=20)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="xapi_statements")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="xapi_statements")
    enrolment = models.ForeignKey(Enrolment, null=True, on_delete=models.SET_NULL, related_name="statements")
    occurred_on = models.DateField()
    received = models.DateTimeField(auto_now_add=True)
    raw = models.JSONField()

    class Meta:
        ordering = ["-received"]


# --- coaching --------------------------------------------------------------------------------------------


class CoachingConversation(models.Model):
    """A coaching conversation between a leader and one of their people. Personal data: see access.py."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="coaching_received")
    coach = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="coaching_given")
    held_on = models.DateField()
    focus = models.CharField(max_length=200, help_text="The skill or behaviour worked on.")
    observations = models.TextField(blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    followed_up_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.focus} ({self.person}, {self.held_on:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("capability:conversation", args=[self.pk])

    def follow_up_overdue(self, today: date) -> bool:
        return bool(self.follow_up_on and not self.followed_up_on and self.follow_up_on < today)


class AgreedAction(models.Model):
    conversation = models.ForeignKey(CoachingConversation, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text


# --- decision autonomy ---------------------------------------------------------------------------------------


class DecisionRight(models.Model):
    """What people in a job role may decide without approval, within a guideline."""

    job_role = models.ForeignKey(JobRole, on_delete=models.CASCADE, related_name="decision_rights")
    name = models.CharField(max_length=200, help_text="e.g. 'Goodwill credit'")
    guideline = models.TextField(
        help_text="In plain words, e.g. 'Agents may credit up to 50 without approval'."
    )
    limit = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    unit_label = models.CharField(max_length=20, default="GBP", blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["job_role__name", "name"]
        constraints = [models.UniqueConstraint(fields=["job_role", "name"], name="one_right_per_role_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.job_role})"


class DecisionUse(models.Model):
    """A decision taken under a right, within its limit."""

    right = models.ForeignKey(DecisionRight, on_delete=models.CASCADE, related_name="uses")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="decision_uses")
    used_on = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-used_on", "-id"]


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class ExceptionRequest(models.Model):
    """A request to go beyond a right's guideline, which a leader approves or declines with a reason."""

    right = models.ForeignKey(DecisionRight, on_delete=models.CASCADE, related_name="exceptions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="exception_requests")
    requested_on = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_on", "-id"]


# --- leading by example ---------------------------------------------------------------------------------------


class Cadence(models.TextChoices):
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every week"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Every month"


class Commitment(models.Model):
    """A visible behaviour a sponsor or leader commits to, e.g. 'floor walk every week'."""

    leader = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="commitments")
    behaviour = models.CharField(max_length=200)
    cadence = models.CharField(max_length=20, choices=Cadence.choices, default=Cadence.WEEKLY)
    times_per_period = models.PositiveSmallIntegerField(default=1)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["leader__family_name", "behaviour"]

    def __str__(self) -> str:
        return f"{self.behaviour} ({self.get_cadence_display().lower()})"

    def period_of(self, day: date) -> tuple[date, date]:
        """The cadence period holding `day`, as (first day, last day); periods count from starts_on."""
        if self.cadence == Cadence.MONTHLY:
            first = day.replace(day=1)
            following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return first, following - timedelta(days=1)
        length = {Cadence.DAILY: 1, Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14}[self.cadence]
        index = (day - self.starts_on).days // length
        first = self.starts_on + timedelta(days=index * length)
        return first, first + timedelta(days=length - 1)


class VisibleAction(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="actions")
    done_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-done_on", "-id"]


class LmsUpload(models.Model):
    """An uploaded LMS export waiting for its column mapping; deleted once imported."""

    filename = models.CharField(max_length=255)
    data = models.BinaryField()
    uploaded_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
