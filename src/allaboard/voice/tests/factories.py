from datetime import date, timedelta

import factory

from allaboard.org.tests.factories import PersonFactory
from allaboard.programmes.tests.factories import ProgrammeFactory
from allaboard.voice.models import (
    AnonymousKey,
    Champion,
    Consultation,
    ConsultationFeedback,
    Experiment,
    Idea,
    IdeaComment,
    IdeaStatusChange,
    IdeaVote,
    Kudos,
    Report,
    ServiceValue,
    VoiceSettings,
    Win,
)


class VoiceSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoiceSettings

    programme = factory.SubFactory(ProgrammeFactory)
    vote_threshold = 3
    answer_days = 10


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    programme = factory.SubFactory(ProgrammeFactory)
    category = "process"
    title = factory.Sequence(lambda n: f"Idea {n}: shorter wrap-up codes")
    text = "Let agents pick a wrap-up code with one click instead of three screens."
    author = factory.SubFactory(PersonFactory)
    unit = factory.SelfAttribute("author.unit")
    created_on = factory.LazyFunction(date.today)
    answer_due = factory.LazyFunction(lambda: date.today() + timedelta(days=14))


class AnonymousIdeaFactory(IdeaFactory):
    anonymous = True
    author = None
    unit = None


class IdeaVoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdeaVote

    idea = factory.SubFactory(IdeaFactory)
    person = factory.SubFactory(PersonFactory)
    created_on = factory.LazyFunction(date.today)


class IdeaStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdeaStatusChange

    idea = factory.SubFactory(IdeaFactory)
    from_status = "new"
    to_status = "under_review"
    reason = "We are looking at the cost."
    by_name = "changelead"
    on = factory.LazyFunction(date.today)


class IdeaCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdeaComment

    idea = factory.SubFactory(IdeaFactory)
    text = "Yes please, this would save minutes a call."
    author = factory.SubFactory(PersonFactory)
    created_on = factory.LazyFunction(date.today)


class AnonymousKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnonymousKey

    idea = factory.SubFactory(AnonymousIdeaFactory)
    key_hash = factory.Sequence(lambda n: AnonymousKey.hash_key(f"idea-test-{n}"))


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"New weekend rota {n}")
    kind = "rota"
    proposal = "Two weekends in six instead of one in four."
    opens = factory.LazyFunction(lambda: date.today() - timedelta(days=2))
    closes = factory.LazyFunction(lambda: date.today() + timedelta(days=12))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class ConsultationFeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsultationFeedback

    consultation = factory.SubFactory(ConsultationFactory)
    rating = 4
    comment = "Fairer than today."
    created_on = factory.LazyFunction(date.today)


class ExperimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Experiment
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Callback slots {n}")
    hypothesis = "Offering callback slots lowers repeat contacts."
    measure = "first-contact resolution"
    measure_type = "proportion"
    starts = factory.LazyFunction(lambda: date.today() - timedelta(days=30))
    ends = factory.LazyFunction(lambda: date.today() - timedelta(days=2))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class ServiceValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceValue
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Value {n}")
    description = "What we stand for."


class KudosFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kudos

    giver = factory.SubFactory(PersonFactory)
    person = factory.SubFactory(PersonFactory)
    unit = factory.SelfAttribute("person.unit")
    value = factory.SubFactory(ServiceValueFactory)
    message = "Stayed on to fix a customer's bill."
    created_on = factory.LazyFunction(date.today)


class WinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Win

    programme = factory.SubFactory(ProgrammeFactory)
    title = factory.Sequence(lambda n: f"Win {n}")
    story = "Fewer repeat calls."
    measure = "evidence"
    metric_label = "Repeat calls per 100"
    before = 18.0
    after = 12.0
    source = "Entered with evidence: telephony report"
    created_on = factory.LazyFunction(date.today)


class ChampionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Champion

    programme = factory.SubFactory(ProgrammeFactory)
    person = factory.SubFactory(PersonFactory)
    since = factory.LazyFunction(date.today)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    target = "idea"
    target_id = 1
    reason = "Names a colleague."
    created_on = factory.LazyFunction(date.today)
