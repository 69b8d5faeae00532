"""Factories for capability's models."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from allaboard.capability.models import (
    AgreedAction,
    CoachingConversation,
    Commitment,
    Course,
    DecisionRight,
    DecisionUse,
    Enrolment,
    EnrolmentStatus,
    ExceptionRequest,
    FormalTraining,
    LmsUpload,
    Session,
    VisibleAction,
    XapiStatement,
)
from allaboard.org.tests.factories import JobRoleFactory, PersonFactory, UserFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"Course {n}")
    formal_change_management = False
    duration_hours = Decimal("7.5")


class FormalCourseFactory(CourseFactory):
    name = factory.Sequence(lambda n: f"Leading change {n}")
    formal_change_management = True


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_on = factory.LazyFunction(lambda: date.today() + timedelta(days=7))
    ends_on = factory.LazyAttribute(lambda s: s.starts_on)
    trainer = "Jo Trainer"
    capacity = 12


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    course = factory.SubFactory(CourseFactory)
    person = factory.SubFactory(PersonFactory)
    enrolled_on = factory.LazyFunction(date.today)


class CompletionFactory(EnrolmentFactory):
    status = EnrolmentStatus.COMPLETED
    completed_on = factory.LazyFunction(date.today)
    hours_attended = Decimal("7.5")


class FormalTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormalTraining

    person = factory.SubFactory(PersonFactory)
    first_completed_on = factory.LazyFunction(date.today)


class XapiStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = XapiStatement

    statement_id = factory.Faker("uuid4")
    verb = "completed"
    person = factory.SubFactory(PersonFactory)
    course = factory.SubFactory(CourseFactory)
    occurred_on = factory.LazyFunction(date.today)
    raw = factory.LazyFunction(dict)


class CoachingConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachingConversation

    person = factory.SubFactory(PersonFactory)
    coach = factory.SubFactory(PersonFactory)
    held_on = factory.LazyFunction(date.today)
    focus = "Using the customer's history on the new desk"
    observations = "Opened the history panel on most calls."


class AgreedActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgreedAction

    conversation = factory.SubFactory(CoachingConversationFactory)
    text = "Listen back to two calls"
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=14))


class DecisionRightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionRight

    job_role = factory.SubFactory(JobRoleFactory)
    name = factory.Sequence(lambda n: f"Goodwill credit {n}")
    guideline = "Advisors may credit up to 50 without approval."
    limit = Decimal("50")


class DecisionUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionUse

    right = factory.SubFactory(DecisionRightFactory)
    person = factory.SubFactory(PersonFactory)
    used_on = factory.LazyFunction(date.today)
    amount = Decimal("20")


class ExceptionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExceptionRequest

    right = factory.SubFactory(DecisionRightFactory)
    person = factory.SubFactory(PersonFactory)
    requested_on = factory.LazyFunction(date.today)
    amount = Decimal("80")
    reason = "Three missed engineer visits."


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    leader = factory.SubFactory(PersonFactory)
    behaviour = "Floor walk on the new desk"
    starts_on = factory.LazyFunction(lambda: date.today() - timedelta(days=28))


class VisibleActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisibleAction

    commitment = factory.SubFactory(CommitmentFactory)
    done_on = factory.LazyFunction(date.today)


class LmsUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LmsUpload

    filename = "lms.csv"
    data = b"employee_id,course,completed_on\n"
    uploaded_by = factory.SubFactory(UserFactory)
