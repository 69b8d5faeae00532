from allaboard.core.tests.routes import Route
from allaboard.org.models import Role

READERS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
SUMMARY = frozenset({Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER})


def _comment(org):
    from allaboard.textinsight.tests.factories import CommentFactory

    return {"pk": CommentFactory(unit=org.teams["LDS-T1"]).pk}


def _api_comment(org):
    return {"comment_id": _comment(org)["pk"]}


ROUTES = [
    Route("textinsight:summary", SUMMARY),
    Route("textinsight:comments", READERS),
    Route("textinsight:correct", READERS, kwargs=_comment),
    Route(
        "textinsight:correct",
        READERS,
        kwargs=_comment,
        method="post",
        data=lambda org: {"labels": ["why"], "sentiment": "negative"},
    ),
    Route("textinsight:quality", READERS),
    Route("textinsight:retrain", READERS, method="post"),
    Route("textinsight:emerging", READERS),
    Route("GET /textinsight/comments", READERS),
    Route(
        "POST /textinsight/comments/{comment_id}/correction",
        READERS,
        kwargs=_api_comment,
        data=lambda org: {"labels": ["voice"], "sentiment": "negative"},
    ),
    Route("GET /textinsight/summary", SUMMARY),
    Route("GET /textinsight/quality", READERS),
    Route("GET /textinsight/emerging", READERS),
    Route(
        "POST /textinsight/classify",
        READERS,
        data=lambda org: {"kind": "employee", "texts": ["Nobody asked us before choosing the desk."]},
    ),
]
