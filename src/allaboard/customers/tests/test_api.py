"""POST /api/v1/customer-feedback: batches, idempotency, refusals that name every bad record, never a 500;
and the read endpoints."""

import json
import uuid
from datetime import date, timedelta

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.customers import stats as S
from allaboard.customers.models import STAT_FIELDS, Feedback, FeedbackStats, ImportBatch
from allaboard.org.models import ApiToken

from .factories import add_many

URL = "/api/v1/customer-feedback"


@pytest.fixture
def api(client_for):
    client = client_for("change_lead")

    def post(body, raw: bool = False):
        data = body if raw else json.dumps(body)
        return client.post(URL, data, content_type="application/json")

    return post


def record(external_id: str, **fields) -> dict:
    return {"external_id": external_id, "date": "2025-03-03", "team": "LDS-T1", "csat": 5} | fields


def test_a_batch_is_stored_and_a_resend_is_skipped(api, org):
    body = {"records": [record("a1", nps=9, channel="chat"), record("a2", ces=6, comment="Easy")]}
    first = api(body)
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 2 and first.json()["duplicates"] == 0
    second = api(body)
    assert second.status_code == 200
    assert (second.json()["created"], second.json()["duplicates"]) == (0, 2)
    assert Feedback.objects.count() == 2
    assert FeedbackStats.objects.filter(grain="m").aggregate(n=Sum("n"))["n"] == 2


def test_a_token_from_an_integration_works(client, org):
    _, key = ApiToken.issue(org.users["admin"], "survey tool")
    response = client.post(
        URL,
        json.dumps({"records": [record("t1")]}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    assert ImportBatch.objects.get().via == "api"


def test_a_bad_batch_is_refused_whole_and_every_bad_record_is_named(api, org):
    body = {
        "records": [
            record("ok-1"),
            record("bad-1", csat=9),
            record("ok-2"),
            record("bad-2", team="NOPE", nps="eleven"),
            {"date": "2025-03-03", "team": "LDS-T1", "csat": 4},
            record("bad-4", date="yesterday"),
            "not an object",
        ]
    }
    response = api(body)
    assert response.status_code == 400
    errors = {(e["field"], e["reason"]) for e in response.json()["errors"]}
    fields = {field for field, _ in errors}
    assert fields == {
        "records[1].csat",
        "records[3].team",
        "records[3].nps",
        "records[4].external_id",
        "records[5].date",
        "records[6]",
    }
    assert ("records[1].csat", "9 is outside 1-5") in errors
    assert not Feedback.objects.exists() and not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ('{"items": []}', "records"),
        ('{"records": {"a": 1}}', "records"),
        ("[1, 2]", "records"),
        (json.dumps({"records": [record("x", csat=True)]}), "records[0].csat"),
        (json.dumps({"records": [record("x", comment="nul\u0000byte")]}), "records[0].comment"),
        (
            '{"records": [{"external_id": "x", "date": "2025-03-03", "team": "LDS-T1", "comment": "\\ud800"}]}',
            "records[0].comment",
        ),
        (json.dumps({"records": [record("x", colour="blue")]}), "records[0].colour"),
        (json.dumps({"records": [record("x", attributes={"a": {"nested": 1}})]}), "records[0].attributes.a"),
        (json.dumps({"records": [record("x", attributes=[1, 2])]}), "records[0].attributes"),
        (json.dumps({"records": [record("x" * 101)]}), "records[0].external_id"),
        (json.dumps({"records": [record("x", nps=1e400)]}), "records[0].nps"),
        (json.dumps({"records": [record("x", date=20250303)]}), "records[0].date"),
    ],
)
def test_hostile_bodies_get_400_with_the_field_never_500(api, org, body, field):
    response = api(body, raw=True)
    assert response.status_code == 400, response.content
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not Feedback.objects.exists()


def test_more_records_than_the_limit_are_refused(api, org, settings):
    settings.ALLABOARD_CUSTOMERS_API_MAX_RECORDS = 5
    response = api({"records": [record(f"r{i}") for i in range(6)]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "records"


def test_ten_thousand_records_fit_in_one_request(api, org):
    response = api({"records": [record(f"big-{i}", nps=i % 11) for i in range(10_000)]})
    assert response.status_code == 200
    assert response.json()["created"] == 10_000
    assert FeedbackStats.objects.get(grain="d").nps_10 == 909


POOL = [f"id-{i}" for i in range(12)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=st.lists(
        st.lists(
            st.tuples(st.sampled_from(POOL), st.integers(1, 5), st.integers(0, 10)), min_size=1, max_size=20
        ),
        min_size=1,
        max_size=5,
    )
)
def test_any_sequence_of_batches_stores_each_id_once_and_keeps_statistics_exact(api, org, batches):
    prefix = uuid.uuid4().hex[:8]  # the database is shared between examples: each has its own ids
    first_seen: dict[str, tuple[int, int]] = {}
    for batch in batches:
        response = api({"records": [record(f"{prefix}-{i}", csat=c, nps=n) for i, c, n in batch]})
        assert response.status_code == 200
        new = [(i, c, n) for i, c, n in batch if i not in first_seen]
        fresh_ids = {i for i, _, _ in new}
        assert response.json()["created"] == len(fresh_ids)
        assert response.json()["duplicates"] == len(batch) - len(fresh_ids)
        for i, c, n in batch:
            first_seen.setdefault(i, (c, n))
    stored = {f.external_id: (f.csat, f.nps) for f in Feedback.objects.filter(external_id__startswith=prefix)}
    assert stored == {f"{prefix}-{i}": v for i, v in first_seen.items()}
    totals = FeedbackStats.objects.filter(grain="d").aggregate(**{f: Sum(f) for f in STAT_FIELDS})
    recount = S.Sums()
    for f in Feedback.objects.all():
        recount.add(f.nps, f.csat, f.ces, bool(f.comment))
    assert S.Sums.from_row(totals) == recount


# ---- reading -----------------------------------------------------------------------------------------------


@pytest.fixture
def scores(org):
    today = date.today()
    add_many(org.teams["LDS-T1"], [(10, 5, 7)] * 6 + [(0, 1, 1)] * 2, day=today)
    add_many(org.teams["GLA-T1"], [(8, 4, 5)] * 3, day=today - timedelta(days=1))
    return org


def test_summary_returns_the_figures_with_intervals(client_for, scores):
    body = client_for("sponsor").get(f"{URL}/summary").json()
    nps = body["figures"]["nps"]
    assert body["figures"]["volume"] == 11
    assert nps["estimate"] == pytest.approx(100 * (6 - 2) / 11)
    assert nps["low"] < nps["estimate"] < nps["high"] and nps["reliable"] is False
    assert body["min_sample"] == 30


def test_breakdown_by_site_and_channel(client_for, scores):
    client = client_for("change_lead")
    sites = {r["label"]: r["figures"]["volume"] for r in client.get(f"{URL}/breakdown?by=site").json()}
    assert sites == {"Lds": 8, "Gla": 3}
    assert client.get(f"{URL}/breakdown?by=channel").json()[0]["key"] == "voice"
    assert client.get(f"{URL}/breakdown?by=planet").status_code == 400


def test_trend_per_week(client_for, scores):
    points = client_for("change_lead").get(f"{URL}/trend?period=week").json()
    assert sum(p["figures"]["volume"] for p in points) == 11
    assert client_for("change_lead").get(f"{URL}/trend?period=fortnight").status_code == 400


def test_bad_query_values_are_400(client_for, scores):
    client = client_for("change_lead")
    assert client.get(f"{URL}/summary?start=2025-05-01&end=2025-01-01").status_code == 400
    assert client.get(f"{URL}/summary?channel=pigeon").status_code == 400
    assert client.get(f"{URL}/summary?start=notadate").status_code == 400
    assert client.get(f"{URL}/themes?month=2025-13").status_code == 400
