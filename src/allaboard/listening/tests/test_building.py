"""Building a survey through the pages and the API: instruments from the library, custom questions of
every kind, translations, and the rule that questions are fixed once a wave has opened."""

import datetime

import pytest
from django.utils import timezone

from allaboard.listening import instruments as I
from allaboard.listening import results, services
from allaboard.listening.models import Question, QuestionTranslation, Survey
from allaboard.listening.tests.conftest import issue_link


def test_the_library_ships_every_instrument_the_issue_names_with_scales_and_reverse_items():
    assert set(I.LIBRARY) == {"adkar", "readiness", "fear", "leadership", "customer", "agility", "open"}
    adkar = I.instrument("adkar")
    assert [s for s in I.ADKAR if s in adkar.scales] == list(I.ADKAR)
    for element in I.ADKAR:
        assert 2 <= sum(1 for item in adkar.items if item.scale == element) <= 3
    assert sum(item.outcome for item in adkar.items) == 1
    readiness = set(I.instrument("readiness").scales)
    assert {"appropriateness", "leadership_support", "confidence", "personal_benefit"} <= readiness
    assert {"job_security", "role_clarity", "workload"} <= set(I.instrument("fear").scales)
    fear = {item.key: item.reverse for item in I.instrument("fear").items}
    assert fear["fear_job1"] and not fear["fear_job2"]  # "I worry that this change puts my job at risk."
    assert all(item.kind == I.OPEN for item in I.instrument("open").items)


def test_every_instrument_item_has_a_unique_key_and_a_known_kind():
    keys = [item.key for instrument in I.LIBRARY.values() for item in instrument.items]
    assert len(keys) == len(set(keys))
    for instrument in I.LIBRARY.values():
        for item in instrument.items:
            assert item.kind in I.KINDS
            assert not item.reverse or item.kind in I.RATED


def test_a_change_lead_builds_a_survey_from_instruments_on_the_page(org, client_for):
    client = client_for("change_lead")
    page = client.post(
        "/listening/new/",
        {
            "name": "Readiness check",
            "instruments": ["adkar", "fear", "open"],
            "window_days": 7,
            "recurrence_weeks": 4,
        },
    )
    survey = Survey.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/listening/{survey.pk}/"
    expected = [item.key for key in ("adkar", "fear", "open") for item in I.instrument(key).items]
    assert list(survey.questions.values_list("key", flat=True)) == expected
    reverse = set(survey.questions.filter(reverse=True).values_list("key", flat=True))
    assert reverse == {
        item.key for key in ("adkar", "fear") for item in I.instrument(key).items if item.reverse
    }
    assert survey.recurrence_weeks == 4 and survey.window_days == 7


def test_an_unknown_instrument_is_refused_and_nothing_is_written(org):
    with pytest.raises(services.InputError, match="no instrument 'adkr'"):
        services.create_survey(org.users["change_lead"], {"name": "x", "instruments": ["adkar", "adkr"]})
    assert not Survey.objects.exists() and not Question.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "agree5", "text": "My workload will grow.", "scale": "Workload", "reverse": "on"},
        {"kind": "scale10", "text": "How ready do you feel?"},
        {"kind": "single", "text": "Your shift?", "choices": "Early\nLate\nNight"},
        {"kind": "multi", "text": "What would help?", "choices": "Training\nTime\nA buddy"},
        {"kind": "open", "text": "Anything else?"},
    ],
)
def test_custom_questions_of_every_kind_are_added_on_the_page(org, client_for, data):
    survey = services.create_survey(org.users["change_lead"], {"name": "Custom"})
    page = client_for("change_lead").post(f"/listening/{survey.pk}/questions/", data)
    assert page.status_code == 302
    question = survey.questions.get()
    assert (question.kind, question.text) == (data["kind"], data["text"])
    assert question.choices == [c for c in data.get("choices", "").splitlines() if c]
    assert question.reverse is bool(data.get("reverse"))
    assert question.scale == data.get("scale", "").lower()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"kind": "single", "text": "Pick", "choices": "Only one"}, "give 2 to 12 choices"),
        ({"kind": "open", "text": "Why?", "is_outcome": "on"}, "the outcome must be a rated question"),
        ({"kind": "agree5", "text": "Choices?", "choices": "a\nb"}, "only choice questions have choices"),
        ({"kind": "sliders", "text": "New kind"}, "kind"),
    ],
)
def test_a_bad_custom_question_is_refused_with_a_message_and_nothing_is_added(org, client_for, data, message):
    survey = services.create_survey(org.users["change_lead"], {"name": "Custom"})
    client = client_for("change_lead")
    page = client.post(f"/listening/{survey.pk}/questions/", data, follow=True)
    assert message in page.content.decode()
    assert not survey.questions.exists()


def test_questions_are_fixed_once_a_wave_has_opened(org, pulse, client_for):
    before = pulse.survey.questions.count()
    page = client_for("change_lead").post(
        f"/listening/{pulse.survey.pk}/questions/", {"kind": "open", "text": "Late?"}, follow=True
    )
    assert "fixed once the survey has opened" in page.content.decode()
    assert pulse.survey.questions.count() == before


def test_an_admin_adds_a_translation_on_the_page_and_the_survey_offers_it(org, client_for):
    survey = services.create_survey(org.users["change_lead"], {"name": "Pulse", "instruments": ["adkar"]})
    questions = list(survey.questions.all())
    client = client_for("admin")
    assert client.get(f"/listening/{survey.pk}/translate/?language=cy").status_code == 200
    page = client.post(
        f"/listening/{survey.pk}/translate/",
        {"language": "cy", **{f"text_{q.pk}": f"Cymraeg {q.key}" for q in questions}},
    )
    assert page.status_code == 302
    survey.refresh_from_db()
    assert survey.language_list == ["en", "cy"]
    assert QuestionTranslation.objects.filter(language="cy").count() == len(questions)
    assert questions[0].text_in("cy") == (f"Cymraeg {questions[0].key}", [])
    assert questions[0].text_in("pl") == (questions[0].text, [])  # no Polish: English


def test_a_translation_must_keep_every_choice_in_order(org):
    survey = services.create_survey(org.users["change_lead"], {"name": "Pulse"})
    question = services.add_question(
        org.users["change_lead"], survey, {"kind": "single", "text": "Shift?", "choices": ["Early", "Late"]}
    )
    with pytest.raises(services.InputError, match="give all 2 choices"):
        services.add_translation(org.users["change_lead"], question, "cy", "Shifft?", ["Cynnar"])
    assert not QuestionTranslation.objects.exists()


def test_custom_choice_and_0_to_10_answers_are_counted_in_the_results(org):
    lead = org.users["change_lead"]
    survey = services.create_survey(lead, {"name": "Custom"})
    shift = services.add_question(
        lead, survey, {"kind": "single", "text": "Shift?", "choices": ["Early", "Late"]}
    )
    helps = services.add_question(
        lead, survey, {"kind": "multi", "text": "Help?", "choices": ["Training", "Time", "Buddy"]}
    )
    ready = services.add_question(lead, survey, {"kind": "scale10", "text": "Ready?"})
    today = timezone.localdate()
    wave = services.schedule_wave(lead, survey, today, today + datetime.timedelta(days=5))
    services.open_wave(wave, today)
    answers = [
        ("0", ["0", "1"], "10"),
        ("0", ["1"], "8"),
        ("1", ["1", "2"], "7"),
        ("1", [], "2"),
        ("0", ["0"], "9"),
        ("1", ["2"], "5"),
    ]
    for invitation, (s, m, r) in zip(wave.invitations.filter(unit__code="LDS-T1"), answers, strict=True):
        state = services.personal_link(issue_link(invitation), today)
        data = {f"q{shift.pk}": s, f"q{ready.pk}": r}
        if m:
            data[f"q{helps.pk}"] = m
        services.submit(state, data, today)
    services.close_wave(wave)
    wave.refresh_from_db()
    view = results.overview(lead, wave, org.teams["LDS-T1"].pk)
    by_text = {i.question.text: i for i in view.items}
    assert [(label, count) for label, count, _ in by_text["Shift?"].distribution] == [
        ("Early", 3),
        ("Late", 3),
    ]
    # Five people ticked something: Training 2, Time 3, Buddy 2; one skipped the question.
    assert by_text["Help?"].n == 5
    assert [(label, count) for label, count, _ in by_text["Help?"].distribution] == [
        ("Training", 2),
        ("Time", 3),
        ("Buddy", 2),
    ]
    # 10, 8, 7, 2, 9, 5: mean 41/6; favourable on 0-10 is 8 to 10, 3 of 6.
    assert by_text["Ready?"].mean.estimate == pytest.approx(41 / 6)
    assert by_text["Ready?"].favourable == pytest.approx(3 / 6)


def test_a_choice_question_ticked_by_fewer_than_k_is_not_shown(org):
    lead = org.users["change_lead"]
    survey = services.create_survey(lead, {"name": "Custom", "instruments": ["adkar"]})
    helps = services.add_question(lead, survey, {"kind": "multi", "text": "Help?", "choices": ["A", "B"]})
    today = timezone.localdate()
    wave = services.schedule_wave(lead, survey, today, today + datetime.timedelta(days=5))
    services.open_wave(wave, today)
    first = survey.questions.first()
    for i, invitation in enumerate(wave.invitations.filter(unit__code="LDS-T1")):
        data = {f"q{first.pk}": "4", **({f"q{helps.pk}": ["0"]} if i < 4 else {})}
        services.submit(services.personal_link(issue_link(invitation), today), data, today)
    services.close_wave(wave)
    wave.refresh_from_db()
    view = results.overview(lead, wave, org.teams["LDS-T1"].pk)
    [item] = [i for i in view.items if i.question.pk == helps.pk]
    assert view.data.respondents == 6 and item.n == 0 and item.distribution == [] and item.reason


def test_the_api_builds_the_same_survey_as_the_page(org, client_for):
    client = client_for("change_lead")
    response = client.post(
        "/api/v1/listening/surveys",
        {"name": "API pulse", "instruments": ["adkar", "open"], "languages": ["en", "cy"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    survey = Survey.objects.get(pk=response.json()["id"])
    expected = [item.key for key in ("adkar", "open") for item in I.instrument(key).items]
    assert list(survey.questions.values_list("key", flat=True)) == expected
    assert survey.language_list == ["en", "cy"]
