"""Worker jobs for communications."""

from django_tasks import task

from . import delivery


@task()
def send_deliveries(delivery_ids: list[int]) -> dict:
    """Send each delivery that is due. One failing delivery never stops the others in the batch."""
    states: dict[str, int] = {}
    for pk in delivery_ids:
        state = delivery.send_now(pk)
        states[state] = states.get(state, 0) + 1
    return states
