"""Questions and concerns: anonymous means no person anywhere; public answers build a searchable FAQ."""

from datetime import timedelta

import pytest
from django.utils import timezone

from allaboard.comms import services
from allaboard.comms.models import Delivery, Question
from allaboard.comms.tests.factories import QuestionFactory
from allaboard.errors import InputError
from allaboard.org.models import AuditEntry
from allaboard.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_question_stores_no_person_anywhere(org):
    employee = org.users["employee"]
    question, token = services.ask(employee, "Will my shifts change with the new desk?", anonymous=True)
    row = Question.objects.filter(pk=question.pk).values().get()
    assert row["asked_by_id"] is None and row["unit_id"] is None and token
    [entry] = AuditEntry.objects.filter(object_type="comms.Question")
    assert entry.actor_id is None and entry.actor_name != employee.username
    assert str(employee.person_id) not in str(entry.changes) and employee.username not in entry.object_repr
    services.answer(question, "No: shift patterns stay as they are.", org.users["change_lead"])
    assert not Delivery.objects.filter(person=employee.person).exists()  # no notification can find them


def test_the_anonymous_asker_comes_back_with_the_receipt_only(org):
    question, token = services.ask(org.users["employee"], "Is my job safe after go-live?", anonymous=True)
    assert services.questions_for_receipt(token) == question
    assert services.questions_for_receipt("not-the-token") is None
    assert token not in Question.objects.filter(pk=question.pk).values_list("receipt_hash", flat=True).get()


def test_a_named_asker_is_told_in_their_feed_when_answered(org):
    employee = org.users["employee"]
    question, token = services.ask(employee, "When is my training?")
    assert token == "" and question.asked_by == employee.person and question.unit == employee.person.unit
    services.answer(question, "Week of 3 March, in work time.", org.users["team_leader"])
    [item] = services.feed_for(employee.person)
    assert item.subject == "Your question has an answer" and "Week of 3 March" in item.text
    question.refresh_from_db()
    assert question.answered_by_name.endswith("Team leader")


def test_question_text_is_redacted_before_it_is_stored(org):
    question, _ = services.ask(org.users["employee"], "Call me on 07700 900123 or mail jo@example.com please")
    assert "07700 900123" not in question.text and "jo@example.com" not in question.text


def test_answered_questions_build_a_searchable_faq_per_programme(org):
    desk, other = ProgrammeFactory(), ProgrammeFactory()
    for text, answer, programme in [
        ("Will the new desk log calls?", "Yes, every call is logged.", desk),
        ("Do we keep our headsets?", "Yes.", desk),
        ("Is the canteen moving?", "No.", other),
    ]:
        services.answer(QuestionFactory(text=text, programme=programme), answer, org.users["change_lead"])
    QuestionFactory(text="Unanswered desk question", programme=desk)
    assert [q.text for q in services.faq(desk, "")] == [
        "Do we keep our headsets?",
        "Will the new desk log calls?",
    ]
    assert [q.text for q in services.faq(desk, "calls logged")] == ["Will the new desk log calls?"]
    assert [q.text for q in services.faq(None, "canteen")] == ["Is the canteen moving?"]


def test_questions_waiting_past_the_threshold_are_flagged_once_to_change_leads(org, settings):
    settings.ALLABOARD_COMMS_QUESTION_FLAG_DAYS = 5
    today = timezone.localdate()
    old = QuestionFactory(asked_on=today - timedelta(days=6))
    QuestionFactory(asked_on=today - timedelta(days=5))  # exactly 5 days: not yet
    answered = QuestionFactory(asked_on=today - timedelta(days=9), status="answered")
    assert list(services.overdue_questions(today)) == [old]
    assert services.flag_overdue_questions(today) == 1
    assert services.flag_overdue_questions(today) == 0
    lead = org.users["change_lead"].person
    [item] = services.feed_for(lead)
    assert item.subject == "1 question has waited more than 5 days"
    assert answered.flagged_on is None


def test_hiding_a_question_needs_a_reason_and_keeps_it_out_of_the_faq(org):
    question = QuestionFactory()
    with pytest.raises(InputError):
        services.hide(question, " ", org.users["change_lead"])
    services.hide(question, "Answered in person.", org.users["change_lead"])
    assert question.status == "hidden" and not services.faq().exists()


@pytest.mark.parametrize("text", ["", "why", "x" * 4001])
def test_bad_questions_are_refused(org, text):
    with pytest.raises(InputError):
        services.ask(org.users["employee"], text)
    assert not Question.objects.exists()


def test_a_login_without_a_person_must_ask_anonymously(org):
    with pytest.raises(InputError) as error:
        services.ask(org.users["admin"], "Who owns the rollout?")
    assert error.value.field == "anonymous"
