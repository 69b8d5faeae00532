"""Factories for the playbook's models, and a helper to hand-make findings."""

from datetime import date, timedelta

import factory

from allaboard.org.tests.factories import PersonFactory, UnitFactory
from allaboard.playbook import findings as F
from allaboard.playbook.models import (
    Action,
    ActionStatus,
    HelpedAnswer,
    HelpedResponder,
    Play,
    Recommendation,
    Rule,
    Strategy,
    YouSaidWeDid,
)
from allaboard.programmes.tests.factories import ProgrammeFactory


class PlayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Play

    slug = factory.Sequence(lambda n: f"our-play-{n}")
    title = factory.Sequence(lambda n: f"Our play {n}")
    strategy = Strategy.OWN
    purpose = "Help people."
    when_it_helps = "When they struggle."
    actions = "Talk to the team.\nFix the top problem."
    how_to_tell = "The score rises."


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    key = factory.Sequence(lambda n: f"our-rule-{n}")
    play = factory.SubFactory(PlayFactory)
    kind = F.BARRIER_SHARE
    metric = "knowledge"
    operator = ">="
    threshold = 0.25
    evidence = "{metric_title} is the barrier for {value_pct} of respondents in {unit}, n={n}."


def finding(**fields) -> F.Finding:
    """A hand-made finding: Knowledge is the barrier for 41% of 23 respondents in a team, unless told."""
    values = {
        "kind": F.BARRIER_SHARE,
        "unit_id": 1,
        "wave_id": 1,
        "metric": "knowledge",
        "value": 0.41,
        "n": 23,
        "text": "Knowledge is the barrier for 41% of respondents in Team Leeds-3, n=23",
        "unit_name": "Team Leeds-3",
        "scope": F.SCOPE_TEAM,
    }
    values.update(fields)
    return F.Finding(**values)


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    programme = factory.SubFactory(ProgrammeFactory)
    play = factory.LazyFunction(lambda: Play.objects.get(slug="educate-train"))
    unit = factory.SubFactory(UnitFactory)
    first_seen = factory.LazyFunction(date.today)
    last_seen = factory.LazyFunction(date.today)
    evidence = factory.LazyAttribute(
        lambda rec: [
            {
                "rule": "knowledge-barrier",
                "rule_text": "Barrier point share for 'knowledge' is at least 25% in any group.",
                "text": f"Knowledge is the barrier for 41% of respondents in {rec.unit.name}, n=23.",
                "finding": finding(unit_id=rec.unit.pk, unit_name=rec.unit.name).snapshot(),
            }
        ]
    )


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(PersonFactory)
    due = factory.LazyFunction(lambda: date.today() + timedelta(days=14))
    status = ActionStatus.NOT_STARTED

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create:
            self.teams.set(extracted if extracted is not None else [self.owner.unit])


class HelpedAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpedAnswer

    action = factory.SubFactory(ActionFactory)
    unit = factory.SubFactory(UnitFactory)
    answer = "yes"
    answered_on = factory.LazyFunction(date.today)


class HelpedResponderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpedResponder

    action = factory.SubFactory(ActionFactory)
    person = factory.SubFactory(PersonFactory)


class YouSaidWeDidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YouSaidWeDid
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Update {n}")
    you_said = "The new desk training came too early."
    we_did = "We ran refresher sessions in the week of go-live."

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create:
            self.units.set(extracted if extracted is not None else [UnitFactory()])
