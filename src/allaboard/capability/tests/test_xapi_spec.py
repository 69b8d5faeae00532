"""xAPI 1.0.3 statements exactly as the specification prints them, and its rules for rejecting statements.

Source: the xAPI specification 1.0.3, Part Two "Experience API (xAPI) Data" (github.com/adlnet/xAPI-Spec,
xAPI-Data.md): the simplest possible statement (2.4.s2), Appendix A's example statements, and Appendix D's
statement to sign. The LRS rejection rules are 2.2.s4 (nulls, strings for numbers or booleans, formats, key
case, keys not allowed), 2.4.1 (UUID in standard string form) and 2.4.2.1 (exactly one identifier).

The spec's examples use verbs and activities that are not training records (created, sent-a-statement,
attempted, experienced): they are valid xAPI, so they are refused only for their verb. Adapted to one of
our courses and people, the same statements are stored.
"""

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboard.capability.models import Enrolment, EnrolmentStatus, XapiStatement
from allaboard.capability.xapi_checks import check_statement
from allaboard.errors import InputError
from allaboard.org.models import Role

from .factories import FormalCourseFactory

URL = "/api/v1/xapi/statements"

SIMPLEST = {  # 2.4.s2
    "id": "12345678-1234-5678-1234-567812345678",
    "actor": {"mbox": "mailto:xapi@adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
    "object": {"id": "http://example.adlnet.gov/xapi/example/activity"},
}
SIMPLE = {  # Appendix A, first example
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "timestamp": "2015-11-18T12:17:00+00:00",
    "actor": {"objectType": "Agent", "name": "Project Tin Can API", "mbox": "mailto:user@example.com"},
    "verb": {"id": "http://example.com/xapi/verbs#sent-a-statement", "display": {"en-US": "sent"}},
    "object": {
        "id": "http://example.com/xapi/activity/simplestatement",
        "definition": {
            "name": {"en-US": "simple statement"},
            "description": {
                "en-US": "A simple Experience API statement. Note that the LRS does not need to have any prior "
                "information about the Actor (learner), the verb, or the Activity/object."
            },
        },
    },
}
ATTEMPTED = {  # Appendix A, "Completion with Verb named attempted and Duration expressed in seconds"
    "id": "7ccd3322-e1a5-411a-a67d-6a735c76f119",
    "timestamp": "2015-12-18T12:17:00+00:00",
    "actor": {"objectType": "Agent", "name": "Example Learner", "mbox": "mailto:example.learner@adlnet.gov"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}},
    "object": {
        "id": "http://example.adlnet.gov/xapi/example/simpleCBT",
        "definition": {
            "name": {"en-US": "simple CBT course"},
            "description": {"en-US": "A fictitious example CBT course."},
        },
    },
    "result": {"score": {"scaled": 0.95}, "success": True, "completion": True, "duration": "PT1234S"},
}
LONG = {  # Appendix A, the long example "showcasing most of the properties available"
    "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
    "actor": {
        "name": "Team PB",
        "mbox": "mailto:teampb@example.com",
        "member": [
            {
                "name": "Andrew Downes",
                "account": {"homePage": "http://www.example.com", "name": "13936749"},
                "objectType": "Agent",
            },
            {"name": "Toby Nichols", "openid": "http://toby.openid.example.org/", "objectType": "Agent"},
            {
                "name": "Ena Hills",
                "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9",
                "objectType": "Agent",
            },
        ],
        "objectType": "Group",
    },
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/attended",
        "display": {"en-GB": "attended", "en-US": "attended"},
    },
    "result": {
        "extensions": {
            "http://example.com/profiles/meetings/resultextensions/minuteslocation": "X:\\meetings\\minutes\\examplemeeting.one"
        },
        "success": True,
        "completion": True,
        "response": "We agreed on some example actions.",
        "duration": "PT1H0M0S",
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities": {
            "parent": [{"id": "http://www.example.com/meetings/series/267", "objectType": "Activity"}],
            "category": [
                {
                    "id": "http://www.example.com/meetings/categories/teammeeting",
                    "objectType": "Activity",
                    "definition": {
                        "name": {"en": "team meeting"},
                        "description": {"en": "A category of meeting used for regular team meetings."},
                        "type": "http://example.com/expapi/activities/meetingcategory",
                    },
                }
            ],
            "other": [
                {"id": "http://www.example.com/meetings/occurances/34257", "objectType": "Activity"},
                {"id": "http://www.example.com/meetings/occurances/3425567", "objectType": "Activity"},
            ],
        },
        "instructor": {
            "name": "Andrew Downes",
            "account": {"homePage": "http://www.example.com", "name": "13936749"},
            "objectType": "Agent",
        },
        "team": {"name": "Team PB", "mbox": "mailto:teampb@example.com", "objectType": "Group"},
        "platform": "Example virtual meeting software",
        "language": "tlh",
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
    },
    "timestamp": "2013-05-18T05:32:34.804+00:00",
    "stored": "2013-05-18T05:32:34.804+00:00",
    "authority": {
        "account": {"homePage": "http://cloud.scorm.com/", "name": "anonymous"},
        "objectType": "Agent",
    },
    "version": "1.0.0",
    "object": {
        "id": "http://www.example.com/meetings/occurances/34534",
        "definition": {
            "extensions": {
                "http://example.com/profiles/meetings/activitydefinitionextensions/room": {
                    "name": "Kilby",
                    "id": "http://example.com/rooms/342",
                }
            },
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "description": {
                "en-GB": "An example meeting that happened on a specific occasion with certain people present.",
                "en-US": "An example meeting that happened on a specific occasion with certain people present.",
            },
            "type": "http://adlnet.gov/expapi/activities/meeting",
            "moreInfo": "http://virtualmeeting.example.com/345256",
        },
        "objectType": "Activity",
    },
}
SIGNED = {  # Appendix D, the statement before signing
    "version": "1.0.0",
    "id": "33cff416-e331-4c9d-969e-5373a1756120",
    "actor": {"mbox": "mailto:example@example.com", "name": "Example Learner", "objectType": "Agent"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
    "object": {
        "id": "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
        "objectType": "Activity",
        "definition": {
            "name": {"en-US": "Tax Tips & Information : How to File a Tax Return "},
            "description": {
                "en-US": "Filing a tax return will require filling out either a 1040, 1040A or 1040EZ form"
            },
        },
    },
    "timestamp": "2013-04-01T12:00:00Z",
}


def post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("example", [SIMPLEST, SIMPLE, ATTEMPTED, SIGNED], ids=["2.4", "A1", "A2", "D"])
def test_the_specifications_examples_are_valid_xapi(example):
    check_statement(copy.deepcopy(example), None)  # raises nothing


def test_the_long_example_is_valid_xapi_but_its_actor_is_a_group():
    with pytest.raises(InputError) as error:
        check_statement(copy.deepcopy(LONG), None)
    assert error.value.field == "actor.objectType"
    check_statement({**copy.deepcopy(LONG), "actor": LONG["context"]["instructor"]}, None)


@pytest.mark.django_db
@pytest.mark.parametrize("example", [SIMPLEST, SIMPLE, ATTEMPTED, SIGNED], ids=["2.4", "A1", "A2", "D"])
def test_the_examples_are_refused_only_for_a_verb_that_is_not_a_training_record(client_for, example):
    response = post(client_for(Role.ADMIN), example)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "verb.id"
    assert not XapiStatement.objects.exists()


@pytest.fixture
def ours(org):
    course = FormalCourseFactory(xapi_activity_id="http://example.adlnet.gov/xapi/example/simpleCBT")
    return course, org.users[Role.EMPLOYEE].person


@pytest.mark.django_db
def test_appendix_a_completion_adapted_to_our_course_is_stored(client_for, ours):
    course, agent = ours
    body = copy.deepcopy(ATTEMPTED)
    body["verb"] = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
    body["actor"]["mbox"] = f"mailto:{agent.email}"
    response = post(client_for(Role.ADMIN), body)
    assert response.status_code == 200, response.content
    enrolment = Enrolment.objects.get(person=agent, course=course)
    assert enrolment.status == EnrolmentStatus.COMPLETED and str(enrolment.completed_on) == "2015-12-18"
    assert enrolment.hours_attended == Decimal("0.34")  # PT1234S = 1234 / 3600 h = 0.3428 h
    assert enrolment.score == Decimal("95.00")


@pytest.mark.django_db
def test_the_long_example_with_a_person_as_actor_records_an_hour_attended(client_for, ours):
    course, agent = ours
    body = copy.deepcopy(LONG)
    body["actor"] = {
        "objectType": "Agent",
        "account": {"homePage": "http://www.example.com", "name": agent.employee_id},
    }
    body["object"]["id"] = course.xapi_activity_id
    response = post(client_for(Role.ADMIN), body)
    assert response.status_code == 200, response.content
    enrolment = Enrolment.objects.get(person=agent)
    assert enrolment.status == EnrolmentStatus.ATTENDED and enrolment.hours_attended == Decimal("1.00")


def _base():
    body = copy.deepcopy(ATTEMPTED)
    body["verb"]["id"] = "http://adlnet.gov/expapi/verbs/completed"
    return body


def _set(path: str, value):
    def change(body):
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _drop(path: str):
    def change(body):
        *parents, last = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        del target[last]

    return change


REJECTED = [
    # 2.2.s4.b1.b1: null values
    ("null response", _set("result.response", None), "result.response"),
    ("null name", _set("actor.name", None), "actor.name"),
    # b2, b3: strings where numbers or booleans are required
    ("string score", _set("result.score.scaled", "0.95"), "result.score.scaled"),
    ("string boolean", _set("result.success", "true"), "result.success"),
    # b4: formats
    ("uuid in braces", _set("id", "{7ccd3322-e1a5-411a-a67d-6a735c76f119}"), "id"),
    ("uuid without hyphens", _set("id", "7ccd3322e1a5411aa67d6a735c76f119"), "id"),
    ("uuid as urn", _set("id", "urn:uuid:7ccd3322-e1a5-411a-a67d-6a735c76f119"), "id"),
    ("empty mbox", _set("actor.mbox", ""), "actor.mbox"),
    ("bad language tag", _set("verb.display", {"english (us)": "completed"}), "verb.display.english (us)"),
    ("date only timestamp", _set("timestamp", "2015-12-18"), "timestamp"),
    ("minus zero offset", _set("timestamp", "2015-12-18T12:17:00-00:00"), "timestamp"),
    ("no such day", _set("timestamp", "2015-02-30T12:17:00Z"), "timestamp"),
    ("registration not a uuid", _set("context", {"registration": "abc"}), "context.registration"),
    # b5, b6: case of keys and of enumerated values
    ("key in the wrong case", lambda b: b.update(Actor=b.pop("actor")), "Actor"),
    ("objectType in the wrong case", _set("actor.objectType", "agent"), "actor.objectType"),
    # b7: keys not allowed
    ("unknown key", _set("grade", "A"), "grade"),
    ("unknown result key", _set("result.grade", "A"), "result.grade"),
    ("unknown score key", _set("result.score.percent", 95), "result.score.percent"),
    # b8: IRIs without a scheme
    ("object id without scheme", _set("object.id", "example.adlnet.gov/xapi/example/simpleCBT"), "object.id"),
    ("verb id without scheme", _set("verb.id", "completed"), "verb.id"),
    # 2.4.2.1: exactly one identifier
    ("two identifiers", _set("actor.account", {"homePage": "http://lms.example.com", "name": "E1"}), "actor"),
    ("no identifier", _drop("actor.mbox"), "actor"),
    # required properties and versions
    ("no verb", _drop("verb"), "verb"),
    ("version 2", _set("version", "2.0.0"), "version"),
    ("raw above max", _set("result.score", {"raw": 30, "max": 20}), "result.score.raw"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_statements_breaking_a_rule_of_the_specification_are_refused_naming_the_field(
    client_for, ours, change, field
):
    _course, agent = ours
    body = _base()
    body["actor"]["mbox"] = f"mailto:{agent.email}"
    change(body)
    response = post(client_for(Role.ADMIN), [_base() | {"id": "0d3f1b5e-1111-4a2b-8c3d-000000000001"}, body])
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == f"statements[1].{field}"
    assert not XapiStatement.objects.exists() and not Enrolment.objects.exists()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(
        [
            "id",
            "actor",
            "actor.mbox",
            "verb",
            "verb.display",
            "object",
            "object.definition",
            "result",
            "result.score",
            "result.score.raw",
            "context",
            "timestamp",
            "version",
        ]
    ),
    value=JSON,
)
def test_any_value_anywhere_is_accepted_or_refused_with_a_named_field(path, value):
    body = _base()
    _set(path, value)(body)
    try:
        check_statement(body, 0)
    except InputError as error:
        assert error.field.startswith("statements[0]")
