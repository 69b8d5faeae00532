"""Factories for every listening model."""

import datetime

import factory

from allaboard.listening import links
from allaboard.listening.models import (
    Acknowledgement,
    Answer,
    CommentReply,
    Draft,
    Invitation,
    Question,
    QuestionTranslation,
    Response,
    Survey,
    Tally,
    TeamLink,
    Wave,
)
from allaboard.org.tests.factories import PersonFactory, UnitFactory


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Pulse {n}")
    languages = factory.LazyFunction(lambda: ["en"])


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(int)
    key = factory.Sequence(lambda n: f"q{n}")
    kind = "agree5"
    text = factory.Sequence(lambda n: f"Statement {n}")
    scale = "awareness"


class QuestionTranslationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionTranslation

    question = factory.SubFactory(QuestionFactory)
    language = "cy"
    text = "Rwy'n deall pam."


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Wave

    survey = factory.SubFactory(SurveyFactory)
    number = factory.Sequence(lambda n: n + 1)
    opens = factory.LazyFunction(datetime.date.today)
    closes = factory.LazyAttribute(lambda w: w.opens + datetime.timedelta(days=9))


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    wave = factory.SubFactory(WaveFactory)
    person = factory.SubFactory(PersonFactory)
    unit = factory.LazyAttribute(lambda i: i.person.unit)


class TeamLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamLink

    wave = factory.SubFactory(WaveFactory)
    unit = factory.SubFactory(UnitFactory)
    salt = factory.Sequence(lambda n: f"salt{n:028d}")
    token_hash = factory.LazyAttribute(lambda t: links.team_hash(links.team_token(t.salt)))
    capacity = 5


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Draft

    key_hash = factory.Sequence(lambda n: links.draft_hash(f"token-{n}"))
    wave = factory.SubFactory(WaveFactory)
    answers = factory.LazyFunction(dict)
    saved_on = factory.LazyFunction(datetime.date.today)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    wave = factory.SubFactory(WaveFactory)
    submitted_on = factory.LazyFunction(datetime.date.today)
    unit = factory.SubFactory(UnitFactory)
    reply_key_hash = factory.Sequence(lambda n: links.reply_hash(f"token-{n}"))


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(QuestionFactory)
    value = 4.0


class TallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tally

    wave = factory.SubFactory(WaveFactory)
    unit = factory.SubFactory(UnitFactory)
    respondents = 0


class CommentReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentReply

    answer = factory.SubFactory(AnswerFactory)
    author_name = "Change lead"
    kind = Acknowledgement.THANKS
    created_on = factory.LazyFunction(datetime.date.today)
