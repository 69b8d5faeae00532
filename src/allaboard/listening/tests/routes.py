"""Every listening page and API operation, with who may use it (core/tests/test_route_permissions.py)."""

import datetime

from django.utils import timezone

from allaboard.core.tests.routes import ALL_ROLES, LEADERS, ORG_WIDE, Route
from allaboard.org.models import Role

EDITORS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})


def _today():
    return timezone.localdate()


def _survey(org=None, **kwargs):
    from .factories import QuestionFactory, SurveyFactory

    survey = SurveyFactory(**kwargs)
    QuestionFactory(survey=survey, key="a1", scale="awareness")
    QuestionFactory(survey=survey, key="a2", scale="awareness")
    QuestionFactory(survey=survey, key="open", kind="open", scale="", text="What worries you?")
    return survey


def _wave(org=None, status="closed", **kwargs):
    from .factories import WaveFactory

    survey = _survey()
    today = _today()
    return WaveFactory(
        survey=survey,
        status=status,
        opens=today - datetime.timedelta(days=3),
        closes=today + datetime.timedelta(days=5),
        **kwargs,
    )


def _published_wave(org):
    """A closed wave whose organisation-wide comments may be shown, with one comment from LDS-T1."""
    from .factories import AnswerFactory, ResponseFactory, TallyFactory

    wave = _wave(org, published=True)
    team = org.teams["LDS-T1"]
    tree = {}
    for unit in [team, *team.ancestors()]:
        tree[str(unit.pk)] = unit.parent_id
    wave.hierarchy = tree
    wave.save()
    TallyFactory(wave=wave, unit=org.root, rollup=True, respondents=20, visible=True, comments_visible=True)
    TallyFactory(wave=wave, unit=team, rollup=True, respondents=2, visible=False, comments_visible=False)
    response = ResponseFactory(wave=wave, unit=team)
    question = wave.survey.questions.get(key="open")
    answer = AnswerFactory(response=response, question=question, value=None, text="The new desk worries me.")
    return wave, answer


def _wave_id(org):
    return {"wave_id": _wave(org).pk}


def _wave_pk(org):
    return {"pk": _wave(org).pk}


def _link(org):
    """An open wave and a personal link to it, token 'route-test-token'."""
    from allaboard.listening import links

    from .factories import InvitationFactory

    wave = _wave(org, status="open")
    person = org.people_in("LDS-T2")[0]
    InvitationFactory(
        wave=wave, person=person, unit=person.unit, token_hash=links.invite_hash(f"route-{wave.pk}")
    )
    return {"token": f"route-{wave.pk}"}


def _team_link(org):
    from allaboard.listening import links

    from .factories import TeamLinkFactory

    wave = _wave(org, status="open")
    link = TeamLinkFactory(wave=wave, unit=org.teams["LDS-T2"])
    return {"token": links.team_token(link.salt)}


def _team_link_pk(org):
    from .factories import TeamLinkFactory

    return {"pk": TeamLinkFactory(wave=_wave(org, status="open"), unit=org.teams["LDS-T1"]).pk}


def _answer(org):
    return {"answer_id": _published_wave(org)[1].pk}


def _latest_question() -> int:
    """The last question made (by the route's kwargs, which run before its data)."""
    from allaboard.listening.models import Question

    return Question.objects.latest("pk").pk


def _question(org):
    survey = _survey()
    return {"pk": survey.pk, "question_id": survey.questions.first().pk}


ROUTES = [
    Route("listening:surveys", LEADERS),
    Route("listening:survey_new", EDITORS),
    Route(
        "listening:survey_new",
        EDITORS,
        method="post",
        data=lambda org: {
            "name": "Route pulse",
            "instruments": ["adkar"],
            "window_days": 10,
            "recurrence_weeks": 0,
        },
    ),
    Route("listening:survey", LEADERS, kwargs=lambda org: {"pk": _survey().pk}),
    Route("listening:survey_edit", EDITORS, kwargs=lambda org: {"pk": _survey().pk}),
    Route(
        "listening:question_add",
        EDITORS,
        kwargs=lambda org: {"pk": _survey().pk},
        method="post",
        data=lambda org: {"kind": "agree5", "text": "I feel heard."},
    ),
    Route("listening:question_remove", EDITORS, kwargs=_question, method="post"),
    Route("listening:translate", EDITORS, kwargs=lambda org: {"pk": _survey().pk}),
    Route(
        "listening:translate",
        EDITORS,
        kwargs=lambda org: {"pk": _survey().pk},
        method="post",
        data=lambda org: {"language": "cy"},
    ),
    Route(
        "listening:wave_new",
        EDITORS,
        kwargs=lambda org: {"pk": _survey().pk},
        method="post",
        data=lambda org: {"opens": str(_today() + datetime.timedelta(days=30))},
    ),
    Route("listening:trends", LEADERS, kwargs=lambda org: {"pk": _published_wave(org)[0].survey_id}),
    Route("listening:wave", LEADERS, kwargs=_wave_pk),
    Route("listening:participation", LEADERS, kwargs=_wave_pk),
    Route("listening:heatmap", LEADERS, kwargs=_wave_pk),
    Route("listening:reliability", LEADERS, kwargs=_wave_pk),
    Route("listening:drivers", LEADERS, kwargs=_wave_pk),
    Route("listening:comments", LEADERS, kwargs=_wave_pk),
    Route("listening:export", LEADERS, kwargs=lambda org: {"pk": _wave(org).pk, "fmt": "csv"}),
    Route("listening:export", LEADERS, kwargs=lambda org: {"pk": _wave(org).pk, "fmt": "xlsx"}),
    Route(
        "listening:wave_open",
        EDITORS,
        kwargs=lambda org: {"pk": _wave(org, status="scheduled").pk},
        method="post",
    ),
    Route(
        "listening:wave_close",
        EDITORS,
        kwargs=lambda org: {"pk": _wave(org, status="open").pk},
        method="post",
    ),
    Route(
        "listening:wave_resend",
        EDITORS,
        kwargs=lambda org: {"pk": _wave(org, status="open").pk},
        method="post",
        data=lambda org: {"person": org.people_in("LDS-T1")[0].pk},
    ),
    Route("listening:team_links", LEADERS, kwargs=_wave_pk),
    Route("listening:team_link_print", LEADERS, kwargs=_team_link_pk),
    Route(
        "listening:comment_reply",
        ORG_WIDE,
        kwargs=_answer,
        method="post",
        data=lambda org: {"kind": "thanks"},
    ),
    Route("listening:resend_mine", ALL_ROLES, method="post"),
    Route("listening:answer", ALL_ROLES, kwargs=_link, public=True),
    Route("listening:answer_save", ALL_ROLES, kwargs=_link, method="post", public=True),
    Route("listening:team_answer", ALL_ROLES, kwargs=_team_link, public=True),
    Route("listening:team_answer_save", ALL_ROLES, kwargs=_team_link, method="post", public=True),
    # API
    Route("GET /listening/instruments", LEADERS),
    Route("GET /listening/surveys", LEADERS),
    Route(
        "POST /listening/surveys", EDITORS, data=lambda org: {"name": "API pulse", "instruments": ["adkar"]}
    ),
    Route("GET /listening/surveys/{survey_id}", LEADERS, kwargs=lambda org: {"survey_id": _survey().pk}),
    Route(
        "PATCH /listening/surveys/{survey_id}",
        EDITORS,
        kwargs=lambda org: {"survey_id": _survey().pk},
        data=lambda org: {"intro": "Why we ask."},
    ),
    Route(
        "POST /listening/surveys/{survey_id}/questions",
        EDITORS,
        kwargs=lambda org: {"survey_id": _survey().pk},
        data=lambda org: {"kind": "open", "text": "Anything else?"},
    ),
    Route(
        "POST /listening/surveys/{survey_id}/translations",
        EDITORS,
        kwargs=lambda org: {"survey_id": _survey().pk},
        data=lambda org: {
            "question_id": _latest_question(),
            "language": "cy",
            "text": "Beth sy'n eich poeni?",
        },
    ),
    Route(
        "POST /listening/surveys/{survey_id}/waves",
        EDITORS,
        kwargs=lambda org: {"survey_id": _survey().pk},
        data=lambda org: {"opens": str(_today() + datetime.timedelta(days=30))},
    ),
    Route(
        "POST /listening/waves/{wave_id}/open",
        EDITORS,
        kwargs=lambda org: {"wave_id": _wave(org, status="scheduled").pk},
    ),
    Route(
        "POST /listening/waves/{wave_id}/close",
        EDITORS,
        kwargs=lambda org: {"wave_id": _wave(org, status="open").pk},
    ),
    Route("GET /listening/waves/{wave_id}/participation", LEADERS, kwargs=_wave_id),
    Route("GET /listening/waves/{wave_id}/results", LEADERS, kwargs=_wave_id),
    Route("GET /listening/waves/{wave_id}/heatmap", LEADERS, kwargs=_wave_id),
    Route("GET /listening/waves/{wave_id}/reliability", LEADERS, kwargs=_wave_id),
    Route("GET /listening/waves/{wave_id}/drivers", LEADERS, kwargs=_wave_id),
    Route("GET /listening/waves/{wave_id}/comments", LEADERS, kwargs=_wave_id),
    Route(
        "GET /listening/surveys/{survey_id}/trends", LEADERS, kwargs=lambda org: {"survey_id": _survey().pk}
    ),
    Route(
        "POST /listening/comments/{answer_id}/replies",
        ORG_WIDE,
        kwargs=_answer,
        data=lambda org: {"kind": "on_it"},
    ),
]
