"""Demo chapter: make sure the comment models are trained (cached on disk) before comments arrive.

The comments themselves come from the listening, customers and voice chapters through
services.submit_comments. While the demo builds there is no worker: allaboard.demo.build runs every chapter
inside services.inline_classification(), which classifies them as they arrive and is switched off again
when the build ends (even when it fails), so the process never keeps classifying inline afterwards.
"""

import time

from . import engine, services
from . import labels as L


def build(story) -> None:
    started = time.monotonic()
    for kind in L.KINDS:
        engine.load_or_train(kind)
    with services.inline_classification():
        # Anything stored before this chapter (none in the standard order) is read now, not left waiting.
        services.classify_pending()
    story.refs["textinsight"] = services
    story.facts.append(
        f"Comment models ready ({engine.backend_name()} backend, {time.monotonic() - started:.1f} s): "
        "employee comments -> resistance sources, customer comments -> expectation themes, with sentiment"
    )
