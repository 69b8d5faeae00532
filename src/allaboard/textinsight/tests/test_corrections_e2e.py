"""A correction from end to end, as a change lead and the worker live it: the correction is stored and shown as
human-labelled, the worker (its queue run explicitly here) retrains the organisation's model, the next pulse's
near-duplicate comment is read with what it learnt, and the quality page shows how the model did on the
organisation's corrected comments."""

from django.urls import reverse
from django_tasks import default_task_backend

from allaboard.textinsight.models import Comment, Correction, Dimension, ModelState
from allaboard.textinsight.tests import pulses

PARKING = "The parking permits for the new site still haven't been sorted out."
TWIN = "The parking permits for the new site still haven't been sorted"
OTHERS = [
    "The new desk freezes whenever I open the customer history.",
    "Nobody has explained why we are changing the desk at all.",
    "More time to practise on the new desk would help.",
    "The new desk is so slow that customers wait while it loads.",
    "Can someone explain the reason for the change?",
]
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


def run_queued_textinsight_tasks() -> list[str]:
    """Do what the worker does with the comment-insight tasks waiting in the queue (others are dropped)."""
    done = []
    while default_task_backend.results:
        result = default_task_backend.results.pop(0)
        if result.task.module_path.startswith("allaboard.textinsight."):
            result.task.call(*result.args, **result.kwargs)
            done.append(result.task.name)
    return done


def topics(comment):
    return sorted(comment.tags.filter(dimension=Dimension.TOPIC).values_list("label", flat=True))


def test_a_correction_teaches_the_next_pulse_through_the_worker(org, client_for, thresholds, settings):
    first = pulses.open_pulse(org, "First pulse")
    pulses.answer(first, "LDS-T1", [[PARKING]] + [[t] for t in OTHERS])
    pulses.close(first)
    comment = Comment.objects.get(text=PARKING)
    model_said = topics(comment)
    assert "disruption" not in model_said  # the shipped model reads it otherwise: something to teach

    settings.TASKS = DUMMY  # from here on, work waits in the queue until the "worker" runs it
    lead = client_for("change_lead")
    saved = lead.post(
        reverse("textinsight:correct", args=[comment.pk]),
        {"labels": ["disruption", "voice"], "sentiment": "negative"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "✔ human" in saved.content.decode()
    correction = Correction.objects.get()
    assert correction.labels == ["disruption", "voice"] and sorted(correction.model_labels) == model_said
    explorer = lead.get(reverse("textinsight:comments"), {"human": "1"})
    assert explorer.context["total"] == 1 and "✔ human" in explorer.content.decode()

    # The page did not retrain while the change lead waited: the worker does.
    assert not ModelState.objects.exists()
    assert "retrain_model" in run_queued_textinsight_tasks()
    state = ModelState.objects.get(kind="employee")
    assert state.corrections == 1
    comment.refresh_from_db()
    assert topics(comment) == ["disruption", "voice"]  # re-reading after retraining keeps human tags

    second = pulses.open_pulse(org, "Second pulse")
    pulses.answer(second, "GLA-T1", [[TWIN]] + [[t] for t in OTHERS])
    twin = Comment.objects.get(text=TWIN)
    assert twin.classified_at is None  # queued, not classified while the employee waits
    assert "classify_comments" in run_queued_textinsight_tasks()
    twin.refresh_from_db()
    assert twin.model_key == state.model_key
    assert topics(twin) == ["disruption", "voice"]

    quality = lead.get(reverse("textinsight:quality"))
    assert quality.status_code == 200
    figures = quality.context["quality"]
    assert figures.n_corrected == 1 and figures.learnt_from == 1
    assert figures.exact == 0.0  # the model had not said "disruption, voice" before the correction
    per_label = {q.label: q for q in figures.labels}
    assert per_label["disruption"].human == 1 and per_label["disruption"].agreed == 0
