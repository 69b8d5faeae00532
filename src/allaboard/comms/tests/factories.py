import factory

from allaboard.comms.models import ChatChannel, Delivery
from allaboard.org.tests.factories import PersonFactory, UnitFactory


class ChatChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChatChannel

    unit = factory.SubFactory(UnitFactory)
    kind = ChatChannel.Kind.SLACK
    name = factory.Sequence(lambda n: f"#team-{n}")
    webhook_url = factory.Sequence(lambda n: f"https://hooks.example.com/services/T{n:04d}")


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    channel = "email"
    purpose = "message"
    person = factory.SubFactory(PersonFactory)
    unit = factory.LazyAttribute(lambda d: d.person.unit if d.person else None)
    subject = "A message"
    text = "Hello."
