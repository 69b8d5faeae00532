"""Worker jobs for communications."""

from django_tasks import task

from . import delivery
from .senders import EmailSession


@task()
def send_deliveries(delivery_ids: list[int]) -> dict:
    """Send each delivery that is due. One failing delivery never stops the others in the batch."""
    states: dict[str, int] = {}
    with EmailSession() as email:  # one connection to the email server for the whole batch
        for pk in delivery_ids:
            state = delivery.send_now(pk, email=email)
            states[state] = states.get(state, 0) + 1
    return states


@task()
def create_message_deliveries(message_id: int) -> int:
    """Create (and hand on for sending) the deliveries of a message that was just sent or scheduled."""
    from .models import Message
    from .services import create_deliveries

    message = Message.objects.filter(pk=message_id).first()
    return create_deliveries(message) if message is not None else 0
