"""The default model on comments written for these tests (not taken from the corpus or the held-out set)."""

import pytest

from allaboard.errors import InputError
from allaboard.textinsight import engine, services

EMPLOYEE_CASES = [
    ("Still waiting for anyone to tell us what problem the new desk is supposed to fix.", "why"),
    ("I honestly think callers will get a worse service with all these extra screens.", "benefit"),
    ("Is the chatbot going to replace us? People are scared about redundancies.", "job"),
    ("We are short staffed and queues are huge while we learn the new system during peak.", "disruption"),
    ("I had one webinar and I still don't know how to transfer a chat to another team.", "skills"),
    ("I used to be the expert everyone came to, now I'm a beginner again and it stings.", "loss"),
    ("Nobody asked the people who actually take the calls before they picked this.", "voice"),
    ("Managers say take your time with customers then mark us down on handle time.", "leadership"),
    ("Another big launch, same as the last three. It will be forgotten by summer.", "fatigue"),
    ("The desk freezes every time I open a customer's history and I lose my notes.", "tools"),
    ("Really like the new knowledge base, happy to help others get used to it.", "support"),
    ("Can we please get the vending machine on the second floor fixed?", "other"),
]

CUSTOMER_CASES = [
    ("I was on hold for fifty minutes before anyone answered.", "waiting_time"),
    ("Third time calling about the same problem and it's still not sorted.", "first_contact_resolution"),
    ("The advisor clearly didn't know the policy and gave me wrong information.", "agent_knowledge"),
    ("The lady was so rude and dismissive, she didn't listen at all.", "empathy_attitude"),
    ("Your web chat is never available and the phone lines close at 5.", "channel_availability"),
    (
        "The chat told me one thing and the phone team told me something completely different.",
        "channel_consistency",
    ),
    (
        "Why do I need to send three forms of ID just to change my address? Ridiculous process.",
        "policy_process",
    ),
    ("My bill went up by 30 pounds this month and the tariff is a rip off.", "product_price"),
]


@pytest.mark.parametrize("text, expected", EMPLOYEE_CASES)
def test_known_employee_comments_get_their_resistance_source(db, text, expected):
    [prediction] = services.classify([text], "employee")
    assert expected in [code for code, _ in prediction.labels], prediction


@pytest.mark.parametrize("text, expected", CUSTOMER_CASES)
def test_known_customer_comments_get_their_theme(db, text, expected):
    [prediction] = services.classify([text], "customer")
    assert expected in [code for code, _ in prediction.labels], prediction


@pytest.mark.parametrize(
    "text, sentiment",
    [
        ("This is brilliant, the new desk has made my day so much easier. Thank you!", "positive"),
        ("Absolutely awful. It crashes constantly and nobody cares.", "negative"),
        ("When is the training for the new desk?", "neutral"),
    ],
)
def test_sentiment(db, text, sentiment):
    [prediction] = services.classify([text], "employee")
    assert prediction.sentiment == sentiment
    assert 0 < prediction.sentiment_confidence <= 1


def test_confidences_are_probabilities_and_other_stands_alone(db):
    predictions = services.classify([text for text, _ in EMPLOYEE_CASES], "employee")
    for p in predictions:
        assert p.labels and all(0 <= c <= 1 for _, c in p.labels)
        codes = [c for c, _ in p.labels]
        assert "other" not in codes or codes == ["other"]
        assert len(codes) <= engine.MAX_LABELS


@pytest.mark.parametrize(
    "text, note",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("😡😡😡👎", "no words"),
        ("🙂", "no words"),
        ("!!!???", "no words"),
        ("El nuevo sistema no funciona y nadie nos ha explicado por qué lo cambiaron.", "not in English"),
        ("Hindi gumagana ang bagong sistema at walang nagpaliwanag sa amin kung bakit.", "not in English"),
        ("Dydy'r system newydd ddim yn gweithio ac does neb wedi esbonio pam.", "not in English"),
    ],
)
def test_bad_input_gets_a_clear_result(db, text, note):
    [prediction] = services.classify([text], "employee")
    assert prediction.labels == [("other", prediction.labels[0][1])]
    assert prediction.labels[0][1] < 0.5
    assert note in prediction.note


def test_a_100kb_comment_is_read_from_its_beginning(db):
    text = "The desk freezes every time I open a customer's history. " + "blah " * 20_000
    assert len(text) > 100_000
    [prediction] = services.classify([text], "employee")
    assert "tools" in [c for c, _ in prediction.labels]
    assert "long comment" in prediction.note


def test_none_and_numbers_do_not_raise(db):
    predictions = services.classify([None, 12345, "ok"], "customer")
    assert len(predictions) == 3
    assert predictions[0].note == "empty comment"


def test_unknown_kind_is_an_input_error(db):
    with pytest.raises(InputError):
        services.classify(["hello"], "martian")


def test_empty_list(db):
    assert services.classify([], "employee") == []


def test_thresholds_are_tuned_per_label(db):
    _, model = engine.load_or_train("employee")
    assert set(model.thresholds) >= {"why", "tools", "support"}
    assert all(0.1 <= t <= 0.9 for t in model.thresholds.values())
    assert len(set(model.thresholds.values())) > 1  # tuned, not one fixed cut-off


def test_cached_model_is_reused(db, tmp_path, settings):
    key, model = engine.load_or_train("customer")
    again_key, again = engine.load_or_train("customer")
    assert key == again_key and again is model
    assert (engine.model_dir() / f"{key}.joblib").exists()
