"""Messages from the playbook go out through comms, the one delivery mechanism (email, chat, news feed).

Reminders to action owners go by email; "did it help?" questions and "you said, we did" updates go to each
person's news feed (comms' feed page), where they sit beside the programme's other messages.
"""

from django.conf import settings

from allaboard.comms.delivery import queue_many
from allaboard.org.models import Person


def send(
    person: Person,
    *,
    subject: str,
    text: str,
    purpose: str,
    source=None,
    link: str = "",
    channel: str = "feed",
) -> bool:
    """Queue one message for a person. Returns False when they cannot be reached by email (no address)."""
    return bool(
        send_many(
            [person], subject=subject, text=text, purpose=purpose, source=source, link=link, channel=channel
        )
    )


def send_many(
    people, *, subject: str, text: str, purpose: str, source=None, link: str = "", channel: str = "feed"
) -> int:
    """Queue the same message for many people at once (not essential: the frequency cap applies to email).
    Returns how many were queued."""
    people = [p for p in people if channel != "email" or p.email]
    if not people:
        return 0
    if channel == "email" and link:
        text, link = f"{text}\n\n{settings.BASE_URL}{link}", settings.BASE_URL + link
    items = [
        dict(channel=channel, purpose=purpose, person=p, subject=subject, text=text, link=link, source=source)
        for p in people
    ]
    return len(queue_many(items))
