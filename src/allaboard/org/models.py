"""People, the unit hierarchy (organisation > site/partner > department > team), roles and the audit log."""

import hashlib
import secrets
from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    CHANGE_LEAD = "change_lead", "Change lead"
    TEAM_LEADER = "team_leader", "Team leader"
    SPONSOR = "sponsor", "Sponsor"
    EMPLOYEE = "employee", "Employee"


class User(AbstractUser):
    """A login. Most users are linked to the Person they are; an integrator admin may not be."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EMPLOYEE)
    person = models.OneToOneField(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN


class UnitKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    SITE = "site", "Site"
    PARTNER = "partner", "Partner organisation"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"


class Unit(models.Model):
    """A node of the organisation tree. `path` lets a subtree be read with one indexed prefix query."""

    code = models.CharField(max_length=64, unique=True, help_text="Stable external id, used by imports.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    leader = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="led_units"
    )

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {k: v for k, v in kwargs.items() if k != "force_insert"}
        old_path = self.path
        self.path = f"{self.parent.path if self.parent else ''}{self.pk:08d}."
        self.depth = self.path.count(".") - 1
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in self.children.all():
                child.save()

    def subtree(self):
        """This unit and every unit below it."""
        return Unit.objects.filter(path__startswith=self.path)

    def ancestors(self):
        """Units above this one, top first."""
        ids = [int(part) for part in self.path.split(".") if part][:-1]
        return Unit.objects.filter(pk__in=ids).order_by("depth")

    def site(self) -> "Unit | None":
        """The site or partner organisation this unit belongs to (itself if it is one)."""
        if self.kind in (UnitKind.SITE, UnitKind.PARTNER):
            return self
        return self.ancestors().filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER]).last()

    @property
    def is_partner(self) -> bool:
        site = self.site()
        return bool(site and site.kind == UnitKind.PARTNER)


class JobRole(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    VOICE = "voice", "Voice"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    SOCIAL = "social", "Social"
    BACK_OFFICE = "back_office", "Back office"
    MULTI = "multi", "Multichannel"


TENURE_BANDS = [
    (0.5, "under 6 months"),
    (2, "6 months to 2 years"),
    (5, "2 to 5 years"),
    (None, "over 5 years"),
]


class PersonQuerySet(models.QuerySet):
    def active_on(self, day: date):
        """People employed on `day`: started on or before it and not yet left."""
        return self.filter(Q(start_date__isnull=True) | Q(start_date__lte=day)).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class Person(models.Model):
    """An employee or a member of a partner's staff."""

    employee_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    email = models.EmailField(unique=True, null=True, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="members")
    job_role = models.ForeignKey(
        JobRole, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    language = models.CharField(max_length=10, default="en")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Last working day of a leaver.")

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(employee_id__isnull=False) | Q(email__isnull=False),
                name="person_has_an_identifier",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def tenure_band(self, on: date | None = None) -> str:
        if not self.start_date:
            return "unknown"
        years = ((on or date.today()) - self.start_date).days / 365.25
        for limit, label in TENURE_BANDS:
            if limit is None or years < limit:
                return label
        return TENURE_BANDS[-1][1]


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token; returns it with the clear key, which is not stored."""
        key = "aa_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:10], key_hash=cls.hash_key(key))
        return token, key


class AuditEntry(models.Model):
    """Who changed what, and when. Written by services, never edited."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'} {self.action} {self.object_type} {self.object_repr}"
