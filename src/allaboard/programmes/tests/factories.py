import factory

from allaboard.org.tests.factories import UnitFactory
from allaboard.programmes.models import Impact, Milestone, Programme, StakeholderBenefit, Status


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    status = Status.RUNNING
    summary = "A new desk."
    why = "Customers repeat themselves."


class StakeholderBenefitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StakeholderBenefit

    programme = factory.SubFactory(ProgrammeFactory)
    group = "Customers"
    benefit = "Tell us once."


class ImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Impact

    programme = factory.SubFactory(ProgrammeFactory)
    unit = factory.SubFactory(UnitFactory)
    what_changes = "You will use the new desk."
    systems = 4


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    programme = factory.SubFactory(ProgrammeFactory)
    name = "Go-live"
    due = factory.Faker("date_this_year")
