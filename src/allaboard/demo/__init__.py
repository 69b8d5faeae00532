"""The demo organisation: one story that every capability adds its chapter to.

`build()` runs each capability app's `demo.build(story)` in the order of settings.CAPABILITY_APPS. A chapter
reads what earlier chapters left on the story (people, teams, the programme) and adds its own data, so the
demo tells one coherent story: Brightwater Utilities rolls out an omnichannel service desk.
"""

import contextlib
import importlib
import importlib.util
import random
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction


@dataclass
class Login:
    username: str
    role_label: str
    description: str


@dataclass
class Story:
    seed: int
    size: str
    today: date
    password: str
    rng: random.Random
    logins: list[Login] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    # Shared references between chapters, e.g. story.refs["programme"], story.refs["teams"].
    refs: dict = field(default_factory=dict)

    def rng_for(self, chapter: str) -> random.Random:
        """A random stream per chapter, so adding a chapter never changes the data of another."""
        return random.Random(f"{self.seed}:{chapter}")

    def describe(self) -> str:
        return "\n".join(f"  - {fact}" for fact in self.facts)


def build(
    seed: int = 7,
    size: str = "small",
    today: date | None = None,
    password: str = "aboard-demo",  # noqa: S107
) -> Story:
    """Build the whole demo story into the (empty) database and return it."""
    story = Story(
        seed=seed, size=size, today=today or date.today(), password=password, rng=random.Random(seed)
    )
    with _classifying_inline():
        for app in settings.CAPABILITY_APPS:
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            chapter = importlib.import_module(f"{app}.demo")
            with transaction.atomic():
                chapter.build(story)
    return story


def _classifying_inline():
    """No worker runs while the demo builds: comments are classified as they arrive, only during the build."""
    from django.apps import apps

    if not apps.is_installed("allaboard.textinsight"):
        return contextlib.nullcontext()
    from allaboard.textinsight.services import inline_classification

    return inline_classification()
