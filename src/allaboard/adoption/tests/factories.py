"""Factories for adoption, and a ready-made rollout of a tool over the test organisation."""

from datetime import date

import factory

from allaboard.adoption.models import Behaviour, RolloutWave, Tool


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool
        django_get_or_create = ("code",)

    code = "desk"
    name = "Omnichannel desk"
    target_share = 0.8
    target_weeks = 12


class BehaviourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Behaviour
        django_get_or_create = ("tool", "code")

    tool = factory.SubFactory(ToolFactory)
    code = factory.Sequence(lambda n: f"b{n}")
    name = factory.LazyAttribute(lambda b: b.code.replace("_", " ").capitalize())


def rollout(org, go_live: date = date(2026, 1, 5)) -> Tool:
    """The desk with two key behaviours, live for the whole test organisation on `go_live`."""
    tool = ToolFactory()
    BehaviourFactory(tool=tool, code="kb_answer", name="Answers from the knowledge base")
    BehaviourFactory(tool=tool, code="disposition", name="Sets a disposition code")
    wave = RolloutWave.objects.create(tool=tool, name="Wave 1", go_live=go_live)
    wave.units.set([org.root])
    return tool
