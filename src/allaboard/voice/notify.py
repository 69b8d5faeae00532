"""Voice's messages go out through comms, the one delivery mechanism (news feed, email, chat).

Each person gets the message in their news feed and, when they have an email address and `email` is on, by
email too (not essential: comms' frequency cap applies, so a busy week holds some back instead of flooding
people). Emails carry the full address of the page (ALLABOARD_BASE_URL). Nothing is sent when comms is not
installed. Callers never pass the author of an anonymous post: there is none to pass.
"""

from django.apps import apps
from django.conf import settings


def send(
    people,
    *,
    subject: str,
    text: str,
    purpose: str,
    link: str = "",
    source=None,
    email: bool = True,
) -> int:
    """Queue the message for each person once (feed, and email when they have an address). Returns how many
    people it was queued for."""
    if not apps.is_installed("allaboard.comms"):
        return 0
    from allaboard.comms.delivery import queue_many

    seen, items = set(), []
    common = dict(purpose=purpose, subject=subject[:300], source=source)
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        items.append(dict(channel="feed", person=person, text=text, link=link, **common))
        if email and person.email:
            # The email sender adds the link under the text.
            url = settings.BASE_URL + link if link.startswith("/") else link
            items.append(dict(channel="email", person=person, text=text, link=url, **common))
    if items:
        queue_many(items)
    return len(seen)


def send_to_chat(channels, *, subject: str, text: str, purpose: str, link: str = "", source=None) -> int:
    """Post the message to team chat channels (Slack, Microsoft Teams). Returns how many were queued."""
    if not apps.is_installed("allaboard.comms"):
        return 0
    from allaboard.comms.delivery import queue_many

    url = settings.BASE_URL + link if link.startswith("/") else link
    items = [
        dict(
            channel=c.kind,
            purpose=purpose,
            address=c.webhook_url,
            subject=subject[:300],
            text=text,
            link=url,
            source=source,
        )  # fmt: skip
        for c in channels
    ]
    return len(queue_many(items)) if items else 0
