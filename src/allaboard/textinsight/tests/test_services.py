from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from allaboard.errors import InputError
from allaboard.org.models import AuditEntry
from allaboard.textinsight import services
from allaboard.textinsight.emerging import cluster_texts, emerging_themes
from allaboard.textinsight.models import Comment, Correction, Dimension, ModelState, Tag
from allaboard.textinsight.tests.factories import CommentFactory, CorrectionFactory


def item(n, text, kind="employee", **extra):
    return {
        "kind": kind,
        "source": extra.pop("source", "listening.answer"),
        "source_id": str(n),
        "text": text,
        "unit_id": extra.pop("unit_id", None),
        "programme_id": None,
        "wave_key": extra.pop("wave_key", "w1"),
        "created_on": date(2026, 3, 1),
        **extra,
    }


def topics(comment):
    return sorted(comment.tags.filter(dimension=Dimension.TOPIC).values_list("label", flat=True))


def test_submit_redacts_stores_and_classifies(org):
    person = org.people_in("LDS-T2")[2]
    text = f"{person.given_name} {person.family_name} ({person.employee_id}) says the desk crashes every time I open the history"
    stored = services.submit_comments([item(1, text, unit_id=org.teams["LDS-T2"].pk)])
    assert stored == 1
    comment = Comment.objects.get()
    assert person.family_name not in comment.text and person.employee_id not in comment.text
    assert comment.text.startswith("[name] ([id])")
    assert comment.classified_at is not None
    assert "tools" in topics(comment)
    assert comment.tags.filter(dimension=Dimension.SENTIMENT).count() == 1


def test_submit_is_idempotent_by_source_and_id(org):
    assert services.submit_comments([item(1, "No one asked us."), item(1, "duplicate in the same call")]) == 1
    assert services.submit_comments([item(1, "No one asked us."), item(2, "Training was great")]) == 1
    assert Comment.objects.count() == 2
    assert services.submit_comments([item(1, "x", source="customers.feedback", kind="customer")]) == 1


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"kind": "alien"}, "kind"),
        ({"source": ""}, "source"),
        ({"source_id": ""}, "source_id"),
        ({"text": 42}, "text"),
        ({"created_on": "yesterday"}, "created_on"),
        ({"unit_id": 999999}, "unit_id"),
        ({"wave_key": "w" * 65}, "wave_key"),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(org, bad, field):
    with pytest.raises(InputError) as err:
        services.submit_comments([item(1, "fine"), {**item(2, "also fine"), **bad}])
    assert err.value.field == f"items[1].{field}"
    assert Comment.objects.count() == 0


def test_bad_text_is_stored_with_a_note_and_never_raises(org):
    texts = ["", "   ", "😡😡😡", "x" * 100_000, "Ni idea de por qué cambiaron el sistema otra vez."]
    assert services.submit_comments([item(n, t) for n, t in enumerate(texts)]) == 5
    for comment in Comment.objects.all():
        assert comment.classified_at is not None
        assert comment.note
    long = Comment.objects.get(source_id="3")
    assert len(long.text) == services.MAX_STORED_CHARS


def test_the_worker_queue_is_used_when_not_inline(org, settings):
    # django-tasks resets its backends when the setting changes (and back when the test ends).
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}
    }
    services.classify_inline(False)  # a demo build earlier in this process may have left it on
    services.submit_comments([item(1, "Nobody explained why.")])
    comment = Comment.objects.get()
    assert comment.classified_at is None  # queued, not classified while the caller waits
    assert services.label_summary(source="listening.answer").pending == 1
    assert services.classify_pending() == 1
    assert Comment.objects.get().classified_at is not None


def test_label_summary_shares_sentiment_and_typical_quotes(org):
    team = org.teams["LDS-T1"]
    tools = [
        "The desk freezes whenever I open the customer history.",
        "New system keeps crashing when I transfer a call.",
        "The desk is so slow that customers wait while it loads.",
        "It logged me out three times today and I lost my notes.",
        "THE SYSTEM IS GARBAGE!!! CRASHED AGAIN!!!",
    ]
    why = [
        "Nobody has explained what was wrong with the old system.",
        "I still don't understand why we are changing the desk at all.",
        "What problem is this change actually meant to solve?",
    ]
    items = [item(n, t, unit_id=team.pk) for n, t in enumerate(tools + why)]
    items.append(item(99, "Someone else's team", unit_id=org.teams["GLA-T1"].pk))
    services.submit_comments(items)
    result = services.label_summary(source="listening.answer", unit_ids=[team.pk])
    assert result.n_comments == len(tools) + len(why)
    shares = {s.label: s for s in result.labels}
    assert shares["tools"].count >= 4 and shares["why"].count >= 2
    assert shares["tools"].share == pytest.approx(shares["tools"].count / result.n_comments)
    assert 2 <= len(shares["tools"].quotes) <= 3
    assert "THE SYSTEM IS GARBAGE!!! CRASHED AGAIN!!!" not in shares["tools"].quotes  # not the extreme one
    assert sum(result.sentiment.values()) == pytest.approx(1.0)
    assert result.sentiment["negative"] > 0.5
    assert services.label_summary(source="listening.answer", wave_key="w9").n_comments == 0


def test_quotes_are_redacted_again_when_shown(org):
    comment = CommentFactory(text="Ask Zebedee about the desk crashing", classified_at="2026-03-01T10:00Z")
    Tag.objects.create(comment=comment, dimension=Dimension.TOPIC, label="tools", confidence=0.9)
    Tag.objects.create(comment=comment, dimension=Dimension.SENTIMENT, label="negative", confidence=0.9)
    from allaboard.org.tests.factories import PersonFactory

    PersonFactory(given_name="Zebedee", family_name="Quist")  # joined after the comment was stored
    quotes = services.label_summary(source="test.comment").labels[0].quotes
    assert quotes == ["Ask [name] about the desk crashing"]


def test_label_trend_between_waves(org):
    services.submit_comments(
        [item(1, "The desk keeps crashing.", wave_key="w1"), item(2, "Nobody explained why.", wave_key="w1")]
        + [item(3, "The desk keeps crashing again.", wave_key="w2")]
    )
    trend = services.label_trend(source="listening.answer", wave_keys=["w1", "w2"])
    assert trend["tools"] == [("w1", 1, 0.5), ("w2", 1, 1.0)]
    assert services.wave_keys("employee") == ["w1", "w2"]


def test_a_correction_changes_the_next_prediction_for_a_near_duplicate(org):
    text = "The parking permits for the new site still haven't been sorted out."
    services.submit_comments([item(1, text)])
    comment = Comment.objects.get()
    before = topics(comment)
    assert "disruption" not in before
    services.correct(comment, org.users["change_lead"], ["disruption", "voice"], "negative")
    comment.refresh_from_db()
    assert comment.human_labelled
    assert set(comment.tags.filter(human=True).values_list("label", flat=True)) == {
        "disruption",
        "voice",
        "negative",
    }
    # The worker retrained the organisation's model (immediately in tests); the next comment uses it.
    state = ModelState.objects.get(kind="employee")
    assert state.corrections == 1 and state.model_key.endswith(state.model_key.split("-c")[-1])
    services.submit_comments([item(2, "The parking permits for the new site still haven't been sorted")])
    twin = Comment.objects.get(source_id="2")
    assert topics(twin) == ["disruption", "voice"]
    [direct] = services.classify(
        ["parking permits for the new site still haven't been sorted out!"], "employee"
    )
    assert sorted(c for c, _ in direct.labels) == ["disruption", "voice"]
    # An unrelated comment is not pulled towards the correction.
    [unrelated] = services.classify(["Really like the new knowledge base, it is great."], "employee")
    assert "voice" not in [c for c, _ in unrelated.labels]


def test_reclassification_after_retraining_keeps_human_tags(org):
    services.submit_comments(
        [item(1, "Parking at the new site is a nightmare."), item(2, "Canteen food is cold")]
    )
    first = Comment.objects.get(source_id="1")
    services.correct(first, org.users["admin"], ["disruption"], "negative")
    assert set(first.tags.values_list("label", "human")) == {("disruption", True), ("negative", True)}
    second = Comment.objects.get(source_id="2")
    assert second.classified_at is not None and not second.human_labelled


def test_correction_input_is_checked(org):
    comment = CommentFactory(kind="customer")
    lead = org.users["change_lead"]
    with pytest.raises(InputError):
        services.correct(comment, lead, ["why"], "negative")  # an employee label on a customer comment
    with pytest.raises(InputError):
        services.correct(comment, lead, ["other", "praise"], "positive")
    with pytest.raises(InputError):
        services.correct(comment, lead, [], "positive")
    with pytest.raises(InputError):
        services.correct(comment, lead, ["praise"], "ecstatic")
    with pytest.raises(PermissionDenied):
        services.correct(comment, org.users["team_leader"], ["praise"], "positive")
    assert not Correction.objects.exists()


def test_corrections_are_audited(org):
    comment = CommentFactory()
    services.correct(comment, org.users["change_lead"], ["why", "voice"], "negative")
    entry = AuditEntry.objects.get(action="correct")
    assert entry.changes["labels"][1] == ["why", "voice"]


def test_model_quality_on_the_organisations_corrections(org):
    rows = [
        (["why"], "negative", ["why"], "negative"),  # right
        (["why", "voice"], "negative", ["why"], "neutral"),  # partly right, sentiment wrong
        (["tools"], "negative", ["skills"], "negative"),  # wrong
        (["support"], "positive", ["support"], "positive"),
    ]
    for labels, sentiment, model_labels, model_sentiment in rows:
        CorrectionFactory(
            labels=labels, sentiment=sentiment, model_labels=model_labels, model_sentiment=model_sentiment
        )
    CorrectionFactory(labels=["why"], model_labels=[])  # corrected before classification: not counted
    quality = services.model_quality("employee")
    assert quality.n_corrected == 4
    assert quality.exact == 0.5 and quality.overlap == 0.75 and quality.sentiment == 0.75
    per = {q.label: q for q in quality.labels}
    assert per["why"].precision == 1.0 and per["why"].recall == 1.0
    assert per["voice"].recall == 0.0 and per["voice"].precision is None
    assert per["skills"].precision == 0.0
    assert per["tools"].recall == 0.0


def test_the_first_correction_keeps_what_the_model_said(org):
    services.submit_comments([item(1, "The desk freezes all the time.")])
    comment = Comment.objects.get()
    model_said = topics(comment)
    services.correct(comment, org.users["change_lead"], ["skills"], "neutral")
    services.correct(comment, org.users["change_lead"], ["voice"], "negative")
    latest = comment.corrections.first()
    assert latest.labels == ["voice"] and sorted(latest.model_labels) == model_said


LOCKERS = [
    "Heard a rumour the lockers are going when we move to hot desking",
    "Where do we put our bags if the lockers go with hot desking?",
    "No lockers on the new floor is a joke, where does my coat go",
    "Lockers being removed next month apparently, nobody told us",
    "Are we getting our lockers back after the hot desking refit?",
    "The lockers thing needs sorting before hot desking starts",
]
FILLER = [
    "The canteen closes at 2pm so the late shift gets nothing hot",
    "Please can we have more vegetarian options in the canteen",
    "The canteen coffee machine has been broken for weeks",
    "Canteen prices went up again this month",
    "The fire alarm test is on Wednesdays at 10am",
    "Who do I ask about the long service awards?",
    "The car park barrier is stuck again",
    "Car park is full by 8am every day",
    "The car park lighting is out near the back entrance",
]


def test_cluster_texts_finds_a_new_concern():
    clusters = cluster_texts(LOCKERS + FILLER)
    lockers = [kw for idx, kw in clusters if any("locker" in k for k in kw)]
    assert lockers, clusters
    members = next(idx for idx, kw in clusters if any("locker" in k for k in kw))
    assert sum(1 for i in members if i < len(LOCKERS)) >= 4


def test_cluster_texts_with_too_little_text():
    assert cluster_texts([]) == []
    assert cluster_texts(["one", "two"]) == []
    assert cluster_texts(["", "  ", "😀", "!!", "?", "..."]) == []


def test_emerging_themes_from_low_confidence_comments(org):
    services.submit_comments([item(n, t) for n, t in enumerate(LOCKERS + FILLER)])
    candidates = services.low_confidence_comments("employee")
    assert candidates.count() >= len(LOCKERS)
    themes = emerging_themes(candidates)
    assert themes
    locker_theme = next(t for t in themes if any("locker" in k for k in t.keywords))
    assert locker_theme.size >= 4
    assert 2 <= len(locker_theme.examples) <= 3
    assert all("locker" in e.lower() for e in locker_theme.examples)


def test_inline_classification_is_switched_off_again_when_the_block_ends(org):
    assert services.classifies_inline() is False
    with services.inline_classification():
        assert services.classifies_inline() is True
        services.submit_comments([item(1, "Nobody explained why.")])
    assert services.classifies_inline() is False
    assert Comment.objects.get().classified_at is not None


def test_inline_classification_restores_the_state_even_on_an_error(org):
    with pytest.raises(InputError), services.inline_classification():
        services.submit_comments([{"kind": "alien"}])
    assert services.classifies_inline() is False
    services.classify_inline(True)  # the old switch still works, and a block nested in it keeps it on
    try:
        with pytest.raises(RuntimeError), services.inline_classification():
            raise RuntimeError("chapter failed")
        assert services.classifies_inline() is True
    finally:
        services.classify_inline(False)
