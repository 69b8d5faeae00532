"""Answering through the public pages: one response per link, partial answers kept, clear pages for
links that no longer take answers, and a plain statement of what managers can and cannot see."""

import datetime

from django.utils import timezone

from allaboard.listening import links, services
from allaboard.listening.models import Answer, Draft, Invitation, Response, TeamLink, WaveStatus
from allaboard.listening.tests.conftest import issue_link
from allaboard.org.models import Person


def url(token: str) -> str:
    return f"/listening/a/{token}/"


def test_the_answer_page_says_what_managers_can_and_cannot_see(pulse, client):
    page = client.get(url(issue_link(pulse.invitations()[0])))
    html = page.content.decode()
    assert page.status_code == 200
    assert "What your manager can and cannot see" in html
    assert "cannot</strong> see who answered, who did not, or anything you said" in html
    assert "groups of at least 5 people" in html and "groups of at least 10 people" in html
    # same-origin: the one-time link never leaves our site in a Referer header, yet browsers still send an
    # Origin the CSRF check accepts (no-referrer made Chromium post "Origin: null", and the answer was refused).
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"


def test_every_option_has_a_label_and_every_question_a_legend(pulse, client):
    html = client.get(url(issue_link(pulse.invitations()[0]))).content.decode()
    for question in pulse.questions():
        assert html.count(f'name="q{question.pk}"') >= 1
        if question.kind == "agree5":
            for value in range(1, 6):
                assert f'<label for="q{question.pk}-{value}">' in html
        else:
            assert f'<label for="q{question.pk}" ' in html
    assert html.count("<legend>") == len(pulse.questions())


def test_a_link_takes_one_response_and_then_says_it_was_used(pulse, client):
    token = issue_link(pulse.invitations()[0])
    first = client.post(url(token), pulse.answers(4))
    assert first.status_code == 200 and "Thank you" in first.content.decode()
    second = client.post(url(token), pulse.answers(1))
    assert second.status_code == 200 and "You have answered" in second.content.decode()
    assert Response.objects.count() == 1
    assert set(Answer.objects.exclude(value=None).values_list("value", flat=True)) == {4.0}


def test_the_response_carries_no_person_and_only_the_day(pulse):
    invitation = pulse.invitations()[0]
    response = pulse.answer(invitation, 4)
    columns = {f.name for f in Response._meta.get_fields()}
    assert not columns & {"person", "invitation", "created", "submitted_at"}
    assert isinstance(response.submitted_on, datetime.date) and not isinstance(
        response.submitted_on, datetime.datetime
    )
    assert Invitation.objects.get(pk=invitation.pk).responded


def test_partial_answers_are_saved_and_shown_again_when_the_link_is_reopened(pulse, client):
    token = issue_link(pulse.invitations()[0])
    [first, second, *_] = [q for q in pulse.questions() if q.kind == "agree5"]
    saved = client.post(url(token) + "save/", {f"q{first.pk}": "2", f"q{second.pk}": "bogus"})
    assert saved.status_code == 200 and saved.content.decode().startswith("Saved 1 answer ")
    html = client.get(url(token)).content.decode()
    assert f'id="q{first.pk}-2" name="q{first.pk}" value="2" checked' in html
    assert f'name="q{second.pk}" value="1" checked' not in html
    assert Response.objects.count() == 0  # a draft is not a response


def test_submitting_deletes_the_draft(pulse, client):
    token = issue_link(pulse.invitations()[0])
    question = pulse.questions()[0]
    client.post(url(token) + "save/", {f"q{question.pk}": "3"})
    assert Draft.objects.filter(key_hash=links.draft_hash(token)).exists()
    client.post(url(token), {f"q{question.pk}": "3"})
    assert not Draft.objects.exists()


def test_a_used_link_cannot_save_drafts(pulse, client):
    token = issue_link(pulse.invitations()[0])
    client.post(url(token), pulse.answers(4))
    assert client.post(url(token) + "save/", pulse.answers(2)).status_code == 400


def test_an_answer_off_the_scale_is_refused_and_nothing_is_written(pulse, client):
    token = issue_link(pulse.invitations()[0])
    page = client.post(url(token), {**pulse.answers(4), f"q{pulse.questions()[0].pk}": "9"})
    assert page.status_code == 400 and "choose one of the options" in page.content.decode()
    assert Response.objects.count() == 0 and not pulse.invitations()[0].responded


def test_an_empty_answer_is_refused(pulse, client):
    page = client.post(url(issue_link(pulse.invitations()[0])), {})
    assert page.status_code == 400 and "answer at least one question" in page.content.decode()


def test_an_unknown_or_replaced_link_gets_a_clear_page(pulse, client):
    invitation = pulse.invitations()[0]
    old = issue_link(invitation)
    issue_link(invitation)  # a reminder made a new link
    for token in (old, "not-a-real-token"):
        page = client.get(url(token))
        assert page.status_code == 404 and "This link does not work" in page.content.decode()


def test_a_closed_wave_says_so_and_takes_no_answers(pulse, client):
    token = issue_link(pulse.invitations()[0])
    pulse.close()
    page = client.get(url(token))
    assert "has closed" in page.content.decode()
    client.post(url(token), pulse.answers(4))
    assert Response.objects.count() == 0


def test_a_link_past_its_closing_day_is_expired_even_before_the_worker_closes_the_wave(pulse):
    token = issue_link(pulse.invitations()[0])
    state = services.personal_link(token, pulse.wave.closes + datetime.timedelta(days=1))
    assert state.kind == services.CLOSED
    assert pulse.wave.status == WaveStatus.OPEN


def test_a_wave_not_yet_open_says_when_it_opens(org):
    lead = org.users["change_lead"]
    today = timezone.localdate()
    survey = services.create_survey(lead, {"name": "Later", "instruments": ["adkar"]})
    wave = services.schedule_wave(lead, survey, today + datetime.timedelta(days=5))
    person = org.people_in("LDS-T1")[0]
    invitation = Invitation.objects.create(
        wave=wave, person=person, unit=person.unit, token_hash=links.invite_hash("early")
    )
    assert invitation.pk
    assert services.personal_link("early", today).kind == services.NOT_OPEN


def test_each_person_answers_in_their_language_and_the_answer_is_stored_with_it(pulse, client):
    question = pulse.questions()[0]
    services.add_translation(pulse.survey.created_by, question, "cy", "Rwy'n deall pam rydym yn newid.")
    invitation = pulse.invitations()[0]
    Person.objects.filter(pk=invitation.person_id).update(language="cy")
    token = issue_link(invitation)
    html = client.get(url(token)).content.decode()
    assert "Rwy&#x27;n deall pam rydym yn newid." in html and 'lang="cy"' in html
    client.post(url(token), {f"q{question.pk}": "5", "language": "cy"})
    assert Response.objects.get().language == "cy"


def test_a_team_link_takes_one_response_per_browser_and_no_more_than_its_capacity(org, pulse, client):
    from django.test import Client

    link = TeamLink.objects.create(
        wave=pulse.wave,
        unit=org.teams["GLA-T2"],
        salt="s" * 32,
        token_hash=links.team_hash(links.team_token("s" * 32)),
        capacity=2,
    )
    team_url = f"/listening/t/{links.team_token(link.salt)}/"
    answers = pulse.answers(4)
    browser = Client()
    assert "Thank you" in browser.post(team_url, answers).content.decode()
    assert "You have answered" in browser.post(team_url, answers).content.decode()
    assert "Thank you" in Client().post(team_url, answers).content.decode()
    full = Client().get(team_url).content.decode()
    assert "already taken as many answers" in full
    link.refresh_from_db()
    assert link.responses == 2 and Response.objects.filter(unit=org.teams["GLA-T2"]).count() == 2
