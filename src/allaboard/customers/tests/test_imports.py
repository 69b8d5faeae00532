"""Importing customer feedback files: mapping, duplicates, redaction, and hostile files that change nothing."""

import io
import zipfile

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.customers import imports
from allaboard.customers.models import Feedback, FeedbackStats, ImportBatch
from allaboard.org.models import AuditEntry
from allaboard.textinsight.redaction import current_redactor

MAPPING = {
    "external_id": "response_id",
    "date": "date",
    "channel": "channel",
    "team": "team",
    "agent": "agent",
    "csat": "csat",
    "nps": "nps",
    "ces": "ces",
    "comment": "comment",
}
HEADER = "response_id,date,channel,team,agent,csat,nps,ces,comment,region"


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def run(data: bytes, mapping=MAPPING, filename="feedback.csv", **kwargs):
    return imports.import_file(data, filename, mapping, queue_comments=False, **kwargs)


def nothing_stored():
    return (
        not Feedback.objects.exists()
        and not FeedbackStats.objects.exists()
        and not ImportBatch.objects.exists()
    )


def test_a_good_file_is_stored_with_its_statistics_and_extra_columns(org):
    agent = org.users["employee"].person
    data = csv(
        f"r1,2025-03-03,phone,LDS-T1,{agent.employee_id},5,10,7,Great help,North",
        "r2,03/03/2025,webchat,GLA-T1,,2,3,,,South",
    )
    report = run(data)
    assert report.ok and report.created == 2 and report.duplicates == 0
    first = Feedback.objects.get(external_id="r1")
    assert (first.channel, first.unit, first.person, first.csat, first.nps, first.ces) == (
        "voice",
        org.teams["LDS-T1"],
        agent,
        5,
        10,
        7,
    )
    assert first.attributes == {"region": "North"}
    assert Feedback.objects.get(external_id="r2").channel == "chat"
    assert FeedbackStats.objects.filter(grain="d").count() == 2
    assert AuditEntry.objects.filter(action="import", object_type="customers.ImportBatch").exists()


def test_the_agent_alone_places_the_feedback_in_their_team(org):
    agent = org.users["employee"].person
    report = run(csv(f"r1,2025-03-03,,,{agent.employee_id},4,,,,"))
    assert report.ok
    assert Feedback.objects.get().unit == agent.unit


def test_reimporting_the_same_file_changes_nothing_and_counts_duplicates(org):
    data = csv("r1,2025-03-03,phone,LDS-T1,,5,,,,", "r2,2025-03-04,phone,LDS-T1,,4,,,,")
    assert run(data).created == 2
    again = run(data)
    assert again.ok and again.created == 0 and again.duplicates == 2
    assert Feedback.objects.count() == 2
    assert FeedbackStats.objects.get(grain="m").n == 2


def test_ids_repeated_in_the_file_are_stored_once(org):
    report = run(csv("r1,2025-03-03,phone,LDS-T1,,5,,,,", "r1,2025-03-03,phone,LDS-T1,,1,,,,"))
    assert (report.created, report.duplicates) == (1, 1)
    assert Feedback.objects.get().csat == 5


def test_without_an_id_column_identical_rows_are_kept_and_a_reimport_is_skipped(org):
    mapping = {k: v for k, v in MAPPING.items() if k != "external_id"}
    data = csv(",2025-03-03,phone,LDS-T1,,5,,,,", ",2025-03-03,phone,LDS-T1,,5,,,,")
    assert run(data, mapping).created == 2
    assert run(data, mapping).duplicates == 2
    assert Feedback.objects.count() == 2


def test_comments_are_redacted_before_they_are_stored(org):
    agent = org.users["employee"].person
    text = f"{agent.given_name} {agent.family_name} was great, email me at jo@example.com or 07700 900123"
    assert run(csv(f'r1,2025-03-03,phone,LDS-T1,,5,,,"{text}",')).ok
    stored = Feedback.objects.get().comment
    assert agent.family_name not in stored and "jo@example.com" not in stored and "07700" not in stored
    assert "[name]" in stored and "[email]" in stored and "[phone]" in stored


def test_an_xlsx_file_is_read_like_a_csv(org):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Response ID", "Date", "Team", "CSAT"])
    sheet.append(["x1", "2025-03-03", "LDS-T1", 4])
    buffer = io.BytesIO()
    book.save(buffer)
    table = imports.read_table(buffer.getvalue(), "survey.xlsx")
    mapping = imports.guess_mapping(table.header)
    assert mapping == {"external_id": "response_id", "date": "date", "team": "team", "csat": "csat"}
    assert imports.import_table(table, mapping, queue_comments=False).created == 1


def test_the_mapping_is_guessed_from_common_headers():
    header = [
        "survey_response_id",
        "submitted_at",
        "contact_channel",
        "team_code",
        "agent_employee_id",
        "overall_satisfaction",
        "likelihood_to_recommend",
        "customer_effort",
        "verbatim",
        "region",
    ]
    assert imports.guess_mapping(header) == {
        "external_id": "survey_response_id",
        "date": "submitted_at",
        "channel": "contact_channel",
        "team": "team_code",
        "agent": "agent_employee_id",
        "csat": "overall_satisfaction",
        "nps": "likelihood_to_recommend",
        "ces": "customer_effort",
        "comment": "verbatim",
    }


def test_a_saved_mapping_wins_over_the_guess():
    header = ["id", "when", "q1", "team"]
    assert imports.guess_mapping(header, {"date": "when", "csat": "q1"})["csat"] == "q1"


# ---- hostile files: each changes nothing and says why --------------------------------------------------


def test_missing_required_columns_are_refused(org):
    report = run(b"response_id,csat\nr1,5\n", {"external_id": "response_id", "csat": "csat"})
    assert not report.ok and nothing_stored()
    assert {p.field for p in report.problems} >= {"date", "team"}


def test_a_mapping_to_a_column_the_file_lacks_is_refused(org):
    report = run(csv("r1,2025-03-03,phone,LDS-T1,,5,,,,"), MAPPING | {"csat": "satisfaction"})
    assert not report.ok and nothing_stored()
    assert "no column 'satisfaction'" in report.problems[0].reason


def test_two_fields_mapped_to_the_same_column_are_refused(org):
    report = run(csv("r1,2025-03-03,phone,LDS-T1,,5,9,,,"), MAPPING | {"nps": "csat"})
    assert not report.ok and nothing_stored()
    [problem] = report.problems
    assert problem.field == "nps" and "'csat' is already mapped to csat" in problem.reason


@pytest.mark.parametrize(
    "header",
    [
        "response_id,date,channel,team,agent,csat,nps,ces,comment,csat",  # the same name twice
        "response_id,date,channel,team,agent,CSAT,nps,ces,comment, csat ",  # the same once normalised
        "response_id,date,channel,team,agent,csat,nps,ces,comment,region,region",  # an unmapped column
    ],
)
def test_a_file_with_two_columns_of_the_same_name_is_refused(org, header):
    width = header.count(",") + 1
    row = ",".join(["r1", "2025-03-03", "phone", "LDS-T1", "", "5", "9", "", "ok", "North", "South"][:width])
    report = run(csv(row, header=header))
    assert not report.ok and nothing_stored()
    [problem] = [p for p in report.problems if p.field == "file"]
    assert problem.line == 1 and "columns named" in problem.reason
    assert not AuditEntry.objects.filter(action="import").exists()


def test_a_file_in_the_wrong_encoding_is_refused(org):
    data = "response_id,date,team,csat,comment\nr1,2025-03-03,LDS-T1,5,Très bien\n".encode("latin-1")
    report = run(data, {"external_id": "response_id", "date": "date", "team": "team", "csat": "csat"})
    assert not report.ok and nothing_stored()
    assert "not UTF-8" in report.problems[0].reason


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ('r1,2025-03-03,phone,=HYPERLINK("http://evil"),,5,,,,', "team", "formula"),
        ("r1,2025-03-03,phone,LDS-T1,,5,,,=1+2,", "comment", "formula"),
        ('r1,2025-03-03,phone,LDS-T1,,5,,,"@SUM(A1:A9)",', "comment", "formula"),
        ("=cmd|' /C calc'!A0,2025-03-03,phone,LDS-T1,,5,,,,", "external_id", "formula"),
        ("r1,2025-03-03,phone,LDS-T1,,5,,,,=WEBSERVICE(1)", "region", "formula"),
    ],
)
def test_formulas_are_refused(org, line, field, reason):
    report = run(csv(line))
    assert not report.ok and nothing_stored()
    assert any(field in p.field and reason in p.reason for p in report.problems), report.problems


def test_comments_that_only_look_like_maths_are_accepted(org):
    assert run(
        csv("r1,2025-03-03,phone,LDS-T1,,5,,,-- not great,", "r2,2025-03-03,phone,LDS-T1,,5,,,+1 to that,")
    ).ok


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ("5,11,8", "nps", "outside 0-10"),
        ("0,,", "csat", "outside 1-5"),
        ("6,,", "csat", "outside 1-5"),
        (",,8", "ces", "outside 1-7"),
        ("4.5,,", "csat", "whole number"),
        ("good,,", "csat", "whole number"),
        ("-1,,", "csat", "outside 1-5"),
    ],
)
def test_out_of_range_scores_are_refused(org, cells, field, reason):
    report = run(csv(f"r1,2025-03-03,phone,LDS-T1,,{cells},,"))
    assert not report.ok and nothing_stored()
    assert any(p.field.endswith(f"({field})") and reason in p.reason for p in report.problems), (
        report.problems
    )


def test_unknown_teams_agents_channels_and_bad_dates_are_all_named(org):
    report = run(
        csv(
            "r1,2025-03-03,phone,NOPE,,5,,,,",
            "r2,2025-03-03,phone,,E99999,5,,,,",
            "r3,2025-03-03,pigeon,LDS-T1,,5,,,,",
            "r4,31/02/2025,phone,LDS-T1,,5,,,,",
            "r5,2099-01-01,phone,LDS-T1,,5,,,,",
            "r6,2025-03-03,phone,LDS-T1,,,,,,",
            "r7,2025-03-03,phone,,,5,,,,",
        )
    )
    assert not report.ok and nothing_stored()
    reasons = {p.line: p.reason for p in report.problems}
    assert reasons[2] == "unknown team code 'NOPE'"
    assert "unknown agent" in reasons[3]
    assert "unknown channel 'pigeon'" in reasons[4]
    assert "not a date" in reasons[5]
    assert "in the future" in reasons[6]
    assert "no score" in reasons[7]
    assert "team code or the agent" in reasons[8]
    assert report.bad_line_ranges == "2-8"


def test_one_bad_row_among_good_ones_stores_nothing_and_names_only_that_row(org):
    lines = [f"r{i},2025-03-03,phone,LDS-T1,,5,,,," for i in range(50)]
    lines[30] = "r30,2025-03-03,phone,LDS-T1,,9,,,,"
    report = run(csv(*lines))
    assert not report.ok and nothing_stored()
    assert report.bad_lines == [32]


def test_a_file_over_the_size_limit_is_refused_before_reading(org):
    with override_settings(ALLABOARD_IMPORT_MAX_BYTES=2048):
        report = run(csv(*[f"r{i},2025-03-03,phone,LDS-T1,,5,,,," for i in range(200)]))
    assert not report.ok and nothing_stored()
    assert "larger than" in report.problems[0].reason


def test_a_file_with_too_many_rows_is_refused(org):
    with override_settings(ALLABOARD_IMPORT_MAX_ROWS=100):
        report = run(csv(*[f"r{i},2025-03-03,phone,LDS-T1,,5,,,," for i in range(101)]))
    assert not report.ok and nothing_stored()
    assert "more than 100 rows" in report.problems[0].reason


def test_a_zip_bomb_posing_as_xlsx_is_refused(org):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 60_000_000)
    report = run(buffer.getvalue(), filename="big.xlsx")
    assert not report.ok and nothing_stored()


def test_binary_junk_is_refused(org):
    report = run(b"\x00\x01\x02garbage\x00" * 100, filename="feedback.csv")
    assert not report.ok and nothing_stored()


def test_a_dry_run_counts_but_stores_nothing(org):
    report = run(csv("r1,2025-03-03,phone,LDS-T1,,5,,,,"), dry_run=True)
    assert report.ok and report.created == 1 and nothing_stored()


def test_thousands_of_bad_rows_are_all_named(org):
    lines = [f"r{i},2025-03-03,phone,LDS-T1,,7,,,," for i in range(3000)]
    report = run(csv(*lines))
    assert not report.ok and nothing_stored()
    assert len(report.bad_lines) == 3000 and report.bad_line_ranges == "2-3001"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=80))
def test_the_redaction_shortcut_never_skips_text_the_redactor_would_change(org, text):
    redactor = current_redactor()
    vocabulary = imports._name_words(redactor)
    if not imports._may_identify(text, vocabulary):
        assert redactor.redact(text) == text


def test_the_redaction_shortcut_catches_names_of_people_here(org):
    person = org.users["employee"].person
    vocabulary = imports._name_words(current_redactor())
    assert imports._may_identify(f"thanks to {person.given_name.lower()}", vocabulary)
    assert not imports._may_identify("thanks to the advisor", vocabulary)


def test_the_management_command_imports_a_large_file_with_a_saved_mapping(org, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "export.csv"
    path.write_bytes(b"ref,when,team_code,q1\nx1,2025-03-03,LDS-T1,5\nx2,2025-03-04,GLA-T1,3\n")
    call_command(
        "customers",
        "import",
        str(path),
        "--source",
        "Legacy survey",
        "--map",
        "csat=q1",
        "--map",
        "external_id=ref",
        "--map",
        "date=when",
    )
    assert Feedback.objects.count() == 2
    from allaboard.customers.models import FeedbackSource

    assert FeedbackSource.objects.get(name="Legacy survey").mapping["csat"] == "q1"
    call_command("customers", "rebuild-stats")
    assert FeedbackStats.objects.filter(grain="m").count() == 2
