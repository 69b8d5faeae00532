"""Factories for the customers app's models, and a helper that stores feedback through the real import."""

from datetime import date

import factory
from django.utils import timezone

from allaboard.customers.imports import Clean, store
from allaboard.customers.models import Feedback, FeedbackSource, FeedbackStats, Grain, ImportBatch, Upload
from allaboard.org.tests.factories import UnitFactory, UserFactory


class FeedbackSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackSource

    name = factory.Sequence(lambda n: f"Survey tool {n}")
    mapping = factory.LazyFunction(lambda: {"date": "date", "team": "team", "csat": "csat"})


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    via = ImportBatch.Via.API


class FeedbackFactory(factory.django.DjangoModelFactory):
    """A raw row only: it does not touch the statistics. Use `add_feedback` for data the metrics read."""

    class Meta:
        model = Feedback

    external_id = factory.Sequence(lambda n: f"fb-{n}")
    date = factory.LazyFunction(timezone.localdate)
    channel = "voice"
    unit = factory.SubFactory(UnitFactory)
    csat = 4
    nps = 9
    created_at = factory.LazyFunction(timezone.now)


class FeedbackStatsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackStats

    grain = Grain.DAY
    start = factory.LazyFunction(timezone.localdate)
    unit = factory.SubFactory(UnitFactory)
    channel = "voice"


class UploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Upload

    token = factory.Sequence(lambda n: f"token-{n:08d}")
    by = factory.SubFactory(UserFactory)
    filename = "feedback.csv"
    data = b"date,team,csat\n2025-01-06,LDS-T1,5\n"


_counter = iter(range(10**9))


def add_feedback(
    unit,
    *,
    day: date | None = None,
    nps=None,
    csat=None,
    ces=None,
    comment: str = "",
    channel: str = "voice",
    person=None,
    external_id: str | None = None,
    queue_comments: bool = False,
):
    """Store one record through the import path (statistics included); returns the import report."""
    record = Clean(
        external_id or f"t-{next(_counter)}",
        day or timezone.localdate(),
        channel,
        unit.pk,
        person.pk if person is not None else None,
        csat,
        nps,
        ces,
        comment,
        {},
    )
    return store([record], queue_comments=queue_comments)


def add_many(unit, answers, *, day: date | None = None, channel: str = "voice", person=None):
    """Store many (nps, csat, ces) answers for one unit and day through the import path."""
    day = day or timezone.localdate()
    records = [
        Clean(f"t-{next(_counter)}", day, channel, unit.pk, person.pk if person else None, c, n, e, "", {})
        for n, c, e in answers
    ]
    return store(records, queue_comments=False)
