import factory

from allaboard.comms.models import Acknowledgement, Campaign, ChatChannel, Delivery, Message, Question, Stage
from allaboard.org.tests.factories import PersonFactory, UnitFactory
from allaboard.programmes.tests.factories import ProgrammeFactory


class ChatChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatChannel

    unit = factory.SubFactory(UnitFactory)
    kind = ChatChannel.Kind.SLACK
    name = factory.Sequence(lambda n: f"#team-{n}")
    # Nothing listens on the discard port: a post fails at once, and no test ever reaches the network.
    webhook_url = factory.Sequence(lambda n: f"http://127.0.0.1:9/services/T{n:04d}")


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = "email"
    purpose = "message"
    person = factory.SubFactory(PersonFactory)
    unit = factory.LazyAttribute(lambda d: d.person.unit if d.person else None)
    subject = "A message"
    text = "Hello."


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    programme = factory.SubFactory(ProgrammeFactory)
    stage = Stage.WHY
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Customers tell us they repeat themselves. The new desk fixes that."
    why = "Customers should tell us once."
    channels = factory.LazyFunction(lambda: ["email", "feed"])


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Acknowledgement

    message = factory.SubFactory(MessageFactory)
    person = factory.SubFactory(PersonFactory)
    unit = factory.LazyAttribute(lambda a: a.person.unit)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    programme = factory.SubFactory(ProgrammeFactory)
    text = factory.Sequence(lambda n: f"Will the new desk change our shift patterns? ({n})")
    asked_by = factory.SubFactory(PersonFactory)
    unit = factory.LazyAttribute(lambda q: q.asked_by.unit if q.asked_by else None)


def deliver_message(message, people, channel="feed", state="sent"):
    """Deliveries of `message` to `people`, as if it had been sent (for reach and acknowledgement tests)."""
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for person in people:
        row = Delivery(
            channel=channel,
            purpose="message",
            person=person,
            unit_id=person.unit_id,
            state=state,
            sent_at=now if state == "sent" else None,
            renderer="allaboard.comms.services.render_message",
            renderer_args={"message_id": message.pk},
        )
        row.set_source(message)
        rows.append(row)
    return Delivery.objects.bulk_create(rows)
