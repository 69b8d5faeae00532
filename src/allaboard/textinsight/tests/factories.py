"""Factories for comment intelligence models."""

from datetime import date

import factory

from allaboard.textinsight.models import Comment, Correction, Dimension, ModelState, Tag


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    kind = "employee"
    source = "test.comment"
    source_id = factory.Sequence(lambda n: f"c{n}")
    text = "Nobody has explained why we are changing the desk."
    created_on = factory.LazyFunction(date.today)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    comment = factory.SubFactory(CommentFactory)
    dimension = Dimension.TOPIC
    label = "why"
    confidence = 0.9


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    comment = factory.SubFactory(CommentFactory)
    kind = factory.LazyAttribute(lambda c: c.comment.kind)
    labels = factory.LazyFunction(lambda: ["why"])
    sentiment = "negative"


class ModelStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelState
        django_get_or_create = ("kind",)

    kind = "employee"
    backend = "default"
    model_key = "default-employee"
    trained_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)
