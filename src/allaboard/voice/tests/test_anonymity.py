"""Attacks on anonymity: nobody can find out, through any page, export or API route, who wrote an anonymous
idea, comment or consultation answer; consultation comments open by the number of people, not of comments;
ratings move in steps of k so that comparing two visits never reveals one rating."""

import re
from datetime import date, timedelta

import pytest

from allaboard.anonymity import min_comment_group_size, min_group_size
from allaboard.org.models import AuditEntry, Role, User
from allaboard.org.tests.factories import PersonFactory, UserFactory
from allaboard.voice import services
from allaboard.voice.models import ConsultationFeedback

from .factories import ConsultationFactory, IdeaFactory


def _login(person):
    found = User.objects.filter(person=person).first()
    return found or UserFactory(person=person, role=Role.EMPLOYEE, username=f"user{person.pk}")


@pytest.fixture
def writer(org):
    """Someone with names that appear nowhere else, who writes only anonymously."""
    person = PersonFactory(
        unit=org.teams["LDS-T1"], given_name="Zebedee", family_name="Quartermaine",
        employee_id="ZQ9917", email="zebedee.q@example.com",
    )  # fmt: skip
    UserFactory(person=person, role=Role.EMPLOYEE, username="zquartermaine")
    return person


def _marks(person) -> list[str]:
    return [person.given_name, person.family_name, person.employee_id, person.email, "zquartermaine"]


def _consultation_with_people(org, count: int, *, extra_comments_from=None):
    team = org.teams["LDS-T1"]
    consultation = ConsultationFactory(teams=[team])
    people = [PersonFactory(unit=team) for _ in range(count)]
    for person in people:
        services.give_feedback(
            _login(person), consultation, {"comment": f"From {person.pk}", "anonymous": True}
        )
    return consultation, people


def test_no_page_export_or_api_route_names_the_writer_of_anonymous_posts(org, writer, client_for):
    user = _login(writer)
    idea = services.submit_idea(user, {"programme": IdeaFactory().programme_id, "title": "Callback slots",
                                       "text": "Offer callbacks when the queue is long.", "anonymous": True}).idea  # fmt: skip
    named = IdeaFactory(title="Shorter wrap-up codes")
    services.comment(user, named, "Agreed, and it saves time.", anonymous=True)
    consultation, _ = _consultation_with_people(org, min_comment_group_size())
    consultation.teams.add(writer.unit)
    services.give_feedback(user, consultation, {"comment": "The rota is unfair to part-timers.", "rating": 2,
                                                "anonymous": True})  # fmt: skip
    services.change_status(org.users[Role.CHANGE_LEAD], idea, "under_review", "Costing it.")
    comment = named.comments.get(anonymous=True)
    services.report(org.users[Role.EMPLOYEE], "comment", comment.pk, "Off topic")
    services.report(org.users[Role.EMPLOYEE], "feedback", ConsultationFeedback.objects.last().pk, "Harsh")
    urls = [
        "/voice/", f"/voice/ideas/{idea.pk}/", f"/voice/ideas/{named.pk}/", "/voice/consultations/",
        f"/voice/consultations/{consultation.pk}/", "/voice/moderation/", "/voice/ideas/export.csv",
        "/voice/champions/", "/org/audit/", "/api/v1/voice/ideas", f"/api/v1/voice/ideas/{idea.pk}",
        f"/api/v1/voice/ideas/{named.pk}", "/api/v1/voice/consultations", "/api/v1/voice/champions",
    ]  # fmt: skip
    seen_posts = 0
    for role in Role.values:
        client = client_for(role)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue
            # People pickers (an action's owner) list everyone by design; the posts are what is attacked.
            text = re.sub(r"<select.*?</select>", "", response.content.decode(), flags=re.S)
            seen_posts += "part-timers" in text or "saves time" in text or "Callback slots" in text
            for mark in _marks(writer):
                assert mark not in text, f"{mark!r} on {url} as {role}"
    assert seen_posts > 20  # the attacked posts were really on the pages read


def test_anonymous_posts_leave_no_trace_in_the_audit_log(org, writer):
    user = _login(writer)
    idea = services.submit_idea(user, {"programme": IdeaFactory().programme_id, "title": "Quiet room",
                                       "text": "A quiet room for breaks.", "anonymous": True}).idea  # fmt: skip
    services.comment(user, idea, "I would use it daily.", anonymous=True)
    consultation = ConsultationFactory(teams=[writer.unit])
    services.give_feedback(user, consultation, {"comment": "Fine", "anonymous": True})
    assert not AuditEntry.objects.filter(object_type__startswith="voice.").exists()
    services.comment(user, idea, "Named this time.", anonymous=False)
    assert AuditEntry.objects.get(action="comment").actor == user  # named posts are audited as before


def test_one_person_writing_many_comments_does_not_open_the_comments(org, client_for):
    k = min_comment_group_size()
    consultation, people = _consultation_with_people(org, k - 1)
    chatty = _login(people[0])
    for n in range(5):
        services.give_feedback(chatty, consultation, {"comment": f"Again {n}", "anonymous": True})
    assert consultation.feedback.exclude(comment="").count() == k - 1 + 5  # more comments than k ...
    assert services.participant_count(consultation) == k - 1  # ... from fewer people than k
    assert not services.visible_feedback_comments(consultation).exists()
    page = client_for(Role.ADMIN).get(f"/voice/consultations/{consultation.pk}/").content.decode()
    assert "Again 0" not in page and f"{k - 1} people have given feedback" in page
    services.give_feedback(
        _login(PersonFactory(unit=org.teams["LDS-T1"])), consultation, {"comment": "Tenth"}
    )
    page = client_for(Role.ADMIN).get(f"/voice/consultations/{consultation.pk}/").content.decode()
    assert "Again 0" in page and "Tenth" in page


def test_the_comment_threshold_is_never_below_the_group_minimum(org, settings):
    settings.ALLABOARD_MIN_COMMENT_GROUP_SIZE = 2
    consultation, _ = _consultation_with_people(org, min_group_size() - 1)
    assert not services.comments_shown(consultation)


def test_ratings_move_in_steps_of_k_so_a_later_visit_reveals_no_single_rating(org):
    # k = 5 (ALLABOARD_MIN_GROUP_SIZE default). Ratings 5, 4, 4, 3, 4: mean 20 / 5 = 4.0 by hand.
    assert min_group_size() == 5
    team = org.teams["LDS-T1"]
    consultation = ConsultationFactory(teams=[team])
    raters = [PersonFactory(unit=team) for _ in range(11)]
    for person, rating in zip(raters[:4], [5, 4, 4, 3], strict=True):
        services.give_feedback(_login(person), consultation, {"rating": rating})
    assert not services.rating_summary(consultation).shown  # 4 raters: nothing
    services.give_feedback(_login(raters[4]), consultation, {"rating": 4})
    first = services.rating_summary(consultation)
    assert (first.shown_n, first.interval.estimate, first.counts[4]) == (5, 4.0, 3)
    # A sixth person rates 1. Someone who saw the page before and after learns nothing: it has not moved.
    services.give_feedback(_login(raters[5]), consultation, {"rating": 1})
    second = services.rating_summary(consultation)
    assert (second.n, second.shown_n, second.interval.estimate, second.counts) == (6, 5, 4.0, first.counts)
    # Four more (1, 2, 2, 5): at ten raters the figures move on, by five people at once.
    for person, rating in zip(raters[6:10], [1, 2, 2, 5], strict=True):
        services.give_feedback(_login(person), consultation, {"rating": rating})
    third = services.rating_summary(consultation)
    # 5+4+4+3+4+1+1+2+2+5 = 31, over 10 people: 3.1 by hand.
    assert (third.shown_n, round(third.interval.estimate, 6)) == (10, 3.1)


def test_the_api_shows_no_mean_between_steps(org, client_for):
    team = org.teams["LDS-T1"]
    consultation = ConsultationFactory(teams=[team], opens=date.today() - timedelta(days=1))
    for rating in (5, 4, 4, 3, 4, 1):
        services.give_feedback(_login(PersonFactory(unit=team)), consultation, {"rating": rating})
    [row] = [c for c in client_for(Role.CHANGE_LEAD).get("/api/v1/voice/consultations").json()
             if c["id"] == consultation.pk]  # fmt: skip
    assert row["ratings"] == 6 and row["mean_rating"] == 4.0
