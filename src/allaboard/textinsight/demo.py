"""Demo chapter: make sure the comment models are trained (cached on disk), and classify as comments arrive.

The comments themselves come from the listening and customers chapters through services.submit_comments.
While the demo builds there is no worker, so this chapter switches the building thread to classify at once.
"""

import time

from . import engine, services
from . import labels as L


def build(story) -> None:
    started = time.monotonic()
    for kind in L.KINDS:
        engine.load_or_train(kind)
    services.classify_inline(True)
    story.refs["textinsight"] = services
    story.facts.append(
        f"Comment models ready ({engine.backend_name()} backend, {time.monotonic() - started:.1f} s): "
        "employee comments -> resistance sources, customer comments -> expectation themes, with sentiment"
    )
