"""The idea box: anonymity, votes (also concurrent), the status pipeline with reasons, the answer promise,
merging, ideas that become actions, and bad input changing nothing."""

import json
import threading
from datetime import date, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, connections, transaction

from allaboard.comms.models import Delivery
from allaboard.errors import InputError
from allaboard.org.models import AuditEntry, Person, Role
from allaboard.org.tests.factories import PersonFactory
from allaboard.playbook.models import Action
from allaboard.programmes.tests.factories import ProgrammeFactory
from allaboard.textinsight.models import Comment
from allaboard.voice import services
from allaboard.voice.models import (
    AnonymousKey,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    VoiceSettings,
    add_working_days,
)

from .factories import IdeaFactory, IdeaVoteFactory, VoiceSettingsFactory


def _deliveries_about(idea):
    ct = ContentType.objects.get_for_model(Idea)
    return Delivery.objects.filter(source_type=ct, source_id=str(idea.pk))


def _employee(org):
    return org.users[Role.EMPLOYEE]


# ---- anonymity -------------------------------------------------------------------------------------------


def test_an_anonymous_idea_carries_no_person_id_anywhere(org, client_for):
    programme = ProgrammeFactory()
    author = _employee(org).person
    client = client_for(Role.EMPLOYEE)
    response = client.post(
        "/api/v1/voice/ideas",
        json.dumps(
            {
                "programme_id": programme.pk,
                "title": "Callback slots for billing queries",
                "text": "Offer customers a callback slot when the queue is long.",
                "anonymous": True,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key and body["idea"]["author"] is None and body["idea"]["team"] is None
    idea = Idea.objects.get(pk=body["idea"]["id"])
    # database row
    assert idea.author_id is None and idea.unit_id is None and idea.anonymous
    # the key: only a hash, and no person
    stored = AnonymousKey.objects.get(idea=idea)
    assert stored.key_hash != key and not hasattr(stored, "person_id")
    assert services.ideas_for_key(key) == idea
    # text insight gets the text without a team
    assert Comment.objects.get(source="voice.idea", source_id=str(idea.pk)).unit_id is None
    # others act on it: vote, comment, answer
    voter_user = org.users[Role.TEAM_LEADER]
    services.vote(voter_user, idea)
    services.comment(_employee(org), idea, "And I wrote it", anonymous=True)
    services.change_status(org.users[Role.CHANGE_LEAD], idea, "under_review", "Costing the callback tool.")
    # API output, list and detail, as every role: no author, no team, no name
    for role in Role.values:
        for url in ("/api/v1/voice/ideas", f"/api/v1/voice/ideas/{idea.pk}"):
            text = client_for(role).get(url).content.decode()
            assert author.full_name not in text and (author.email or "@@") not in text
        detail = client_for(role).get(f"/api/v1/voice/ideas/{idea.pk}").json()
        assert detail["author"] is None and detail["team"] is None
        assert all(c["author"] == "Anonymous" for c in detail["comments"])
    # the page
    page = client_for(Role.ADMIN).get(f"/voice/ideas/{idea.pk}/").content.decode()
    assert author.full_name not in page
    # export
    csv_text = client_for(Role.CHANGE_LEAD).get("/voice/ideas/export.csv").content.decode()
    row = next(line for line in csv_text.splitlines() if "Callback slots" in line)
    assert author.full_name not in row and author.unit.name not in row
    # notifications: the author is never told as the author; nothing about it names them
    assert not _deliveries_about(idea).filter(person=author).exists()
    assert _deliveries_about(idea).filter(person=voter_user.person).exists()
    assert all(author.full_name not in d.text + d.subject for d in Delivery.objects.all())
    # the audit log has no trace of the anonymous idea or comment (a time to the second could be matched)
    entries = AuditEntry.objects.filter(object_type="voice.Idea", object_id=str(idea.pk))
    assert not entries.filter(action__in=["create", "comment"]).exists()
    assert all(author.full_name not in json.dumps(e.changes) for e in entries)
    assert not AuditEntry.objects.filter(actor=_employee(org)).exists()
    assert IdeaComment.objects.get(idea=idea).author_id is None
    # the author follows it with the key
    mine = client.post("/voice/ideas/mine/", {"key": key}).content.decode()
    assert "Costing the callback tool." in mine and "And I wrote it" in mine


def test_the_database_refuses_an_anonymous_idea_with_an_author(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        IdeaFactory(anonymous=True, author=_employee(org).person)


def test_a_wrong_key_opens_nothing(org, client_for):
    IdeaFactory(anonymous=True, author=None, unit=None)
    assert services.ideas_for_key("idea-wrong") is None
    assert client_for(Role.EMPLOYEE).post("/voice/ideas/mine/", {"key": "idea-wrong"}).status_code == 400


def test_a_named_idea_keeps_its_author_and_redacts_names(org):
    colleague = org.teams["GLA-T1"].members.first()
    submitted = services.submit_idea(
        _employee(org),
        {
            "programme": ProgrammeFactory().pk,
            "title": "Shared notes",
            "text": f"Ask {colleague.full_name} at {colleague.email} how Glasgow does notes.",
        },
    )
    idea = submitted.idea
    assert submitted.key == "" and idea.author == _employee(org).person and idea.unit == idea.author.unit
    assert colleague.family_name not in idea.text and "[email]" in idea.text
    assert idea.answer_due == add_working_days(idea.created_on, 10)


# ---- votes -----------------------------------------------------------------------------------------------


def test_one_vote_per_person(org):
    idea = IdeaFactory()
    user = _employee(org)
    assert services.vote(user, idea) is True
    assert services.vote(user, idea) is False
    assert IdeaVote.objects.filter(idea=idea).count() == 1
    assert services.unvote(user, idea) is True
    assert IdeaVote.objects.filter(idea=idea).count() == 0


def test_a_login_without_a_person_cannot_vote_and_nothing_changes(org):
    idea = IdeaFactory()
    with pytest.raises(InputError):
        services.vote(org.users[Role.ADMIN], idea)
    assert not IdeaVote.objects.exists()


def test_voting_on_a_closed_idea_is_refused(org):
    idea = IdeaFactory(status=IdeaStatus.DONE)
    with pytest.raises(InputError):
        services.vote(_employee(org), idea)
    assert not IdeaVote.objects.exists()


def test_the_vote_threshold_moves_an_idea_to_review_with_a_reason(org):
    idea = IdeaFactory()
    VoiceSettingsFactory(programme=idea.programme, vote_threshold=3)
    voters = [PersonFactory(unit=org.teams["LDS-T2"]) for _ in range(3)]
    for person in voters[:2]:
        services.vote(type("U", (), {"person": person})(), idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW
    services.vote(type("U", (), {"person": voters[2]})(), idea)
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNDER_REVIEW
    change = IdeaStatusChange.objects.get(idea=idea)
    assert change.automatic and "3 votes" in change.reason
    # an automatic move is not a first answer: the promise still stands
    assert idea.first_answered_on is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_count_once_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL; SQLite serialises writes")
    from allaboard.org.tests.factories import build_org_tree

    org = build_org_tree()
    idea = IdeaFactory()
    VoiceSettings.objects.create(programme=idea.programme, vote_threshold=2)
    same = _employee(org)
    others = [PersonFactory(unit=org.teams["LDS-T2"]) for _ in range(6)]
    barrier = threading.Barrier(12)
    errors = []

    def run(person):
        try:
            barrier.wait(timeout=20)
            services.vote(type("U", (), {"person": person})(), Idea.objects.get(pk=idea.pk))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(same.person,)) for _ in range(6)]
    threads += [threading.Thread(target=run, args=(p,)) for p in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert IdeaVote.objects.filter(idea=idea, person=same.person).count() == 1
    assert IdeaVote.objects.filter(idea=idea).count() == 7
    # the automatic move to review happened exactly once
    assert IdeaStatusChange.objects.filter(idea=idea, automatic=True).count() == 1


# ---- the status pipeline -----------------------------------------------------------------------------------


def test_every_status_change_needs_a_reason_and_nothing_changes_without_one(org):
    idea = IdeaFactory()
    lead = org.users[Role.CHANGE_LEAD]
    for reason in ("", "   ", None):
        with pytest.raises(InputError) as err:
            services.change_status(lead, idea, "under_review", reason)
        assert err.value.field == "reason"
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW and not IdeaStatusChange.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        IdeaStatusChange.objects.create(
            idea=idea, from_status="new", to_status="declined", reason="", on=date.today()
        )


def test_the_pipeline_order_is_enforced(org):
    idea = IdeaFactory()
    lead = org.users[Role.CHANGE_LEAD]
    with pytest.raises(InputError):
        services.change_status(lead, idea, "done", "Skipping ahead")
    with pytest.raises(InputError):
        services.change_status(lead, idea, "merged", "Not through a merge")
    with pytest.raises(InputError):
        services.change_status(lead, idea, "nonsense", "No")
    for status in ("under_review", "accepted", "in_progress", "done"):
        services.change_status(lead, idea, status, f"Now {status}")
    assert list(IdeaStatusChange.objects.filter(idea=idea).values_list("to_status", flat=True)) == [
        "under_review",
        "accepted",
        "in_progress",
        "done",
    ]
    with pytest.raises(InputError):
        services.change_status(lead, idea, "declined", "Closed already")


def test_only_admins_and_change_leads_answer_ideas(org):
    from django.core.exceptions import PermissionDenied

    idea = IdeaFactory()
    for role in (Role.TEAM_LEADER, Role.SPONSOR, Role.EMPLOYEE):
        with pytest.raises(PermissionDenied):
            services.change_status(org.users[role], idea, "declined", "No")
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.NEW


def test_author_and_voters_hear_every_step_with_its_reason(org):
    author = PersonFactory(unit=org.teams["LDS-T1"])
    idea = IdeaFactory(author=author)
    IdeaVoteFactory(idea=idea, person=_employee(org).person)
    services.change_status(org.users[Role.CHANGE_LEAD], idea, "declined", "The new desk already does this.")
    told = _deliveries_about(idea)
    assert set(told.values_list("person_id", flat=True)) == {author.pk, _employee(org).person_id}
    assert all(d.text == "The new desk already does this." for d in told)
    assert set(told.values_list("channel", flat=True)) == {"feed", "email"}  # through comms, both ways
    idea.refresh_from_db()
    assert idea.first_answered_on == date.today()


# ---- the promise -------------------------------------------------------------------------------------------


def test_overdue_ideas_are_flagged_to_the_change_lead_once(org):
    today = date.today()
    late = IdeaFactory(created_on=today - timedelta(days=30), answer_due=today - timedelta(days=5))
    IdeaFactory(created_on=today, answer_due=today + timedelta(days=14))
    assert list(services.overdue_ideas(today)) == [late]
    assert services.flag_overdue(today) == 1
    lead = org.users[Role.CHANGE_LEAD].person
    assert Delivery.objects.filter(person=lead, purpose="voice_overdue", channel="feed").count() == 1
    assert services.flag_overdue(today) == 0


def test_on_time_rate_counts_answers_within_the_promise(org):
    today = date.today()
    on_time = IdeaFactory(created_on=today - timedelta(days=30), answer_due=today - timedelta(days=16))
    on_time.first_answered_on = today - timedelta(days=20)
    on_time.save()
    late = IdeaFactory(created_on=today - timedelta(days=30), answer_due=today - timedelta(days=16))
    late.first_answered_on = today - timedelta(days=2)
    late.save()
    IdeaFactory(
        created_on=today - timedelta(days=30), answer_due=today - timedelta(days=16)
    )  # never answered
    IdeaFactory(created_on=today, answer_due=today + timedelta(days=14))  # not due yet
    rate = services.on_time_rate(on=today)
    assert (rate.answered_on_time, rate.due) == (1, 3)
    assert rate.interval.low < 1 / 3 < rate.interval.high


def test_the_answer_promise_comes_from_the_setting_when_a_programme_has_no_rule(org, settings):
    settings.ALLABOARD_VOICE_ANSWER_DAYS = 3
    programme = ProgrammeFactory()
    friday = date(2026, 11, 20)
    made = services.submit_idea(_employee(org), {"programme": programme.pk, "title": "Quieter floor",
                                                 "text": "Move the printer away from the desks."}, on=friday)  # fmt: skip
    assert made.idea.answer_due == date(2026, 11, 25)  # Mon, Tue, Wed
    VoiceSettingsFactory(programme=programme, answer_days=1)
    made = services.submit_idea(_employee(org), {"programme": programme.pk, "title": "Shorter codes",
                                                 "text": "One click wrap-up codes."}, on=friday)  # fmt: skip
    assert made.idea.answer_due == date(2026, 11, 23)  # the programme's own rule wins


def test_working_days_skip_weekends():
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 10) == date(2026, 12, 4)


# ---- merging -----------------------------------------------------------------------------------------------


def test_merging_moves_votes_and_a_person_who_voted_for_both_counts_once(org):
    programme = ProgrammeFactory()
    target = IdeaFactory(programme=programme, title="Callback slots")
    duplicate = IdeaFactory(programme=programme, title="Let customers book a callback")
    both, only_dup, only_target = (PersonFactory(unit=org.teams["LDS-T2"]) for _ in range(3))
    for person in (both, only_target):
        IdeaVoteFactory(idea=target, person=person)
    for person in (both, only_dup):
        IdeaVoteFactory(idea=duplicate, person=person)
    moved = services.merge(org.users[Role.CHANGE_LEAD], duplicate, target, "Same idea, fewer words.")
    assert moved == 1
    assert set(target.votes.values_list("person_id", flat=True)) == {both.pk, only_dup.pk, only_target.pk}
    duplicate.refresh_from_db()
    assert duplicate.status == IdeaStatus.MERGED and duplicate.merged_into == target
    assert not duplicate.votes.exists()
    assert IdeaStatusChange.objects.get(idea=duplicate).reason == "Same idea, fewer words."


def test_merging_into_another_programme_or_itself_changes_nothing(org):
    a, b = IdeaFactory(), IdeaFactory()
    IdeaVoteFactory(idea=a)
    for target in (b, a):
        with pytest.raises(InputError):
            services.merge(org.users[Role.CHANGE_LEAD], a, target)
    a.refresh_from_db()
    assert a.status == IdeaStatus.NEW and a.votes.count() == 1


# ---- what became of it -------------------------------------------------------------------------------------


def test_an_accepted_idea_becomes_an_action_and_followers_hear_each_later_step(org):
    lead = org.users[Role.CHANGE_LEAD]
    idea = IdeaFactory(author=PersonFactory(unit=org.teams["LDS-T1"]))
    IdeaVoteFactory(idea=idea, person=_employee(org).person)
    with pytest.raises(InputError):
        services.make_action(lead, idea, {})  # not accepted yet
    services.change_status(lead, idea, "accepted", "Cheap and quick.")
    owner = org.teams["LDS-T1"].leader
    action = services.make_action(
        lead,
        idea,
        {"owner": owner.pk, "teams": [org.teams["LDS-T1"].pk], "due": date.today() + timedelta(days=20)},
    )
    assert isinstance(action, Action) and Idea.objects.get(pk=idea.pk).action == action
    before = _deliveries_about(idea).count()
    action.status = "in_progress"
    action.save()
    assert services.follow_outcomes() == 1
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.IN_PROGRESS
    assert IdeaStatusChange.objects.filter(idea=idea, automatic=True, to_status="in_progress").exists()
    assert _deliveries_about(idea).count() > before
    assert services.follow_outcomes() == 0  # told once
    action.status = "done"
    action.save()
    services.follow_outcomes()
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.DONE


def test_an_accepted_idea_can_become_an_experiment(org):
    lead = org.users[Role.CHANGE_LEAD]
    idea = IdeaFactory(status=IdeaStatus.ACCEPTED)
    experiment = services.make_experiment(
        lead,
        idea,
        {
            "hypothesis": "Callback slots cut repeat calls.",
            "measure": "repeat calls",
            "teams": [org.teams["LDS-T1"].pk],
            "starts": date.today().isoformat(),
            "ends": (date.today() + timedelta(days=28)).isoformat(),
        },
    )
    idea.refresh_from_db()
    assert idea.experiment == experiment and experiment.title == idea.title


# ---- bad input changes nothing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        {"programme_id": 999999, "title": "x", "text": "y"},
        {"title": "x", "text": "y"},
        {"programme_id": "abc", "title": "x", "text": "y"},
        {"programme_id": 0, "title": "", "text": "y"},
        {"programme_id": 0, "title": "x" * 201, "text": "y"},
        {"programme_id": 0, "title": "x", "text": "y", "category": "nonsense"},
    ],
)
def test_bad_ideas_are_refused_with_a_clear_error_and_nothing_is_written(org, client_for, payload):
    programme = ProgrammeFactory()
    if payload.get("programme_id") == 0:
        payload = {**payload, "programme_id": programme.pk}
    audit_before = AuditEntry.objects.count()
    response = client_for(Role.EMPLOYEE).post(
        "/api/v1/voice/ideas", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"]
    assert not Idea.objects.exists() and not AnonymousKey.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_bad_status_answer_through_the_api_changes_nothing(org, client_for):
    idea = IdeaFactory()
    client = client_for(Role.CHANGE_LEAD)
    for payload in (
        {"status": "done", "reason": "x"},
        {"status": "declined", "reason": ""},
        {"status": "declined"},
    ):
        response = client.post(
            f"/api/v1/voice/ideas/{idea.pk}/status", json.dumps(payload), content_type="application/json"
        )
        assert response.status_code == 400
    idea.refresh_from_db()
    assert idea.status == "new" and not IdeaStatusChange.objects.exists() and not Delivery.objects.exists()


def test_similar_ideas_are_suggested_while_typing(org, client_for):
    programme = ProgrammeFactory()
    match = IdeaFactory(
        programme=programme, title="Callback slots when queues are long", text="Offer a callback."
    )
    IdeaFactory(programme=programme, title="Standing desks", text="Some of us would like standing desks.")
    found = services.similar_ideas("customers could book a callback slot", programme_id=programme.pk)
    assert [i for i, _ in found][:1] == [match]
    html = (
        client_for(Role.EMPLOYEE)
        .get("/voice/ideas/similar/", {"title": "book a callback slot"})
        .content.decode()
    )
    assert "Callback slots when queues are long" in html and "Standing desks" not in html


def test_submitting_through_the_page_shows_the_key_once(org, client_for):
    programme = ProgrammeFactory()
    response = client_for(Role.EMPLOYEE).post(
        "/voice/ideas/new/",
        {
            "programme": programme.pk,
            "category": "tools",
            "title": "Dark mode",
            "text": "Easier on the eyes.",
            "anonymous": "on",
        },
    )
    assert response.status_code == 200 and "only once" in response.content.decode()
    idea = Idea.objects.get()
    assert idea.author_id is None
    assert Person.objects.filter(pk=_employee(org).person_id).exists()


def test_the_similarity_index_is_fitted_once_and_refreshed_when_ideas_change(org, monkeypatch):
    from allaboard.voice import similarity

    programme = ProgrammeFactory()
    IdeaFactory(programme=programme, title="Callback slots when queues are long", text="Offer a callback.")
    fits = []
    real = similarity.SimilarityIndex.__init__

    def counting(self, ids, texts):
        fits.append(len(ids))
        real(self, ids, texts)

    monkeypatch.setattr(similarity.SimilarityIndex, "__init__", counting)
    for query in ("book a callback", "callback slot please", "a callback when busy"):
        assert services.similar_ideas(query, programme_id=programme.pk)
    assert fits == [1]
    IdeaFactory(programme=programme, title="Standing desks for long shifts", text="Standing desks.")
    found = services.similar_ideas("standing desks please", programme_id=programme.pk)
    assert fits == [1, 2] and found[0][0].title == "Standing desks for long shifts"


def test_the_daily_command_flags_overdue_ideas_and_celebrates_milestones(org):
    from io import StringIO

    from django.core.management import call_command

    from allaboard.programmes.tests.factories import MilestoneFactory

    IdeaFactory(created_on=date.today() - timedelta(days=30), answer_due=date.today() - timedelta(days=3))
    MilestoneFactory(done=True, due=date.today() - timedelta(days=1))
    out = StringIO()
    call_command("voice_daily", stdout=out)
    assert "1 overdue ideas flagged" in out.getvalue() and "1 milestones celebrated" in out.getvalue()
    assert Delivery.objects.filter(purpose="voice_overdue").exists()
