"""Comments (redacted free text from listening, customers, voice...), their tags, and human corrections."""

from django.conf import settings
from django.db import models

from .labels import CUSTOMER, EMPLOYEE


class Kind(models.TextChoices):
    EMPLOYEE = EMPLOYEE, "Employee comment"
    CUSTOMER = CUSTOMER, "Customer comment"


class Dimension(models.TextChoices):
    TOPIC = "topic", "Resistance source or customer theme"
    SENTIMENT = "sentiment", "Sentiment"


class Comment(models.Model):
    """One piece of free text, stored only after redaction. Never linked to the person who wrote it."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source = models.CharField(max_length=40, help_text='Where it came from, e.g. "listening.answer".')
    source_id = models.CharField(max_length=64)
    text = models.TextField(help_text="Redacted text.")
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    programme_id = models.IntegerField(null=True, blank=True, db_index=True)
    wave_key = models.CharField(max_length=64, blank=True, default="")
    created_on = models.DateField()
    note = models.CharField(max_length=120, blank=True, default="", help_text="Why the model may struggle.")
    classified_at = models.DateTimeField(null=True, blank=True)
    model_key = models.CharField(max_length=80, blank=True, default="")
    human_labelled = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="textinsight_comment_unique_source")
        ]
        indexes = [
            models.Index(fields=["kind", "source", "wave_key"], name="textinsight_kind_source"),
            models.Index(fields=["classified_at"], name="textinsight_classified"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Tag(models.Model):
    """A label on a comment: a resistance source or customer theme (topic), or its sentiment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="tags")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    label = models.CharField(max_length=40)
    confidence = models.FloatField()
    human = models.BooleanField(default=False, help_text="Set by a person's correction, not the model.")

    class Meta:
        ordering = ["dimension", "-confidence"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "dimension", "label"], name="textinsight_tag_unique")
        ]
        indexes = [models.Index(fields=["dimension", "label"], name="textinsight_tag_label")]

    def __str__(self) -> str:
        return f"{self.label} ({self.confidence:.2f})"


class Correction(models.Model):
    """A person's correction of a comment's tags. The latest one per comment is the truth the model learns."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    labels = models.JSONField(help_text="The correct topic labels.")
    sentiment = models.CharField(max_length=10)
    model_labels = models.JSONField(default=list, help_text="What the model said before the correction.")
    model_sentiment = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.labels)} / {self.sentiment}"


class ModelState(models.Model):
    """Which trained model each kind of comment uses now. The retraining task moves it forward."""

    kind = models.CharField(max_length=10, choices=Kind.choices, unique=True)
    backend = models.CharField(max_length=20)
    model_key = models.CharField(max_length=80)
    corrections = models.PositiveIntegerField(default=0, help_text="Corrections the model learnt from.")
    trained_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind}: {self.model_key}"
