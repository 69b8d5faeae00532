"""People and unit imports: good files apply in one go and are idempotent; bad files change nothing."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from allaboard.org.imports import run_import
from allaboard.org.models import AuditEntry, Person, Unit

HEADER = "employee_id,email,given_name,family_name,team,job_role,manager,channel,start_date\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(r + "\n" for r in rows)).encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def snapshot():
    return sorted(
        Person.objects.values_list(
            "employee_id",
            "email",
            "given_name",
            "family_name",
            "unit_id",
            "manager_id",
            "job_role_id",
            "channel",
            "start_date",
        )
    )


GOOD = csv_bytes(
    "N001,ann.lee@example.com,Ann,Lee,LDS-T1,Team leader,,voice,2020-01-15",
    "N002,bo.kim@example.com,Bo,Kim,LDS-T1,Customer service advisor,N001,voice,2023-05-01",
    "N003,cy.ray@example.com,Cy,Ray,LDS-T1,Customer service advisor,ann.lee@example.com,chat,2024-02-29",
)


def test_good_file_creates_everyone_with_their_manager(org):
    report = run_import("people", GOOD, "people.csv")
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    bo = Person.objects.get(employee_id="N002")
    assert bo.manager.employee_id == "N001"
    assert Person.objects.get(employee_id="N003").manager.email == "ann.lee@example.com"
    assert bo.unit.code == "LDS-T1"


def test_reimporting_the_same_file_changes_nothing(org):
    run_import("people", GOOD, "people.csv")
    before = snapshot()
    report = run_import("people", GOOD, "people.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_a_changed_row_updates_only_that_person(org):
    run_import("people", GOOD, "people.csv")
    changed = GOOD.replace(b"Bo,Kim,LDS-T1", b"Bo,Kim,GLA-T1")
    report = run_import("people", changed, "people.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Person.objects.get(employee_id="N002").unit.code == "GLA-T1"


def test_people_match_by_email_when_the_file_has_no_employee_id(org):
    run_import("people", GOOD, "people.csv")
    by_email = csv_bytes(
        "ann.lee@example.com,Ann,Lee-Smith,LDS-T1", header="email,given_name,family_name,team\n"
    )
    report = run_import("people", by_email, "people.csv")
    assert report.ok and report.updated == 1
    assert Person.objects.get(employee_id="N001").family_name == "Lee-Smith"


@pytest.mark.parametrize(
    ("rows", "line", "column", "reason"),
    [
        (["N001,a@example.com,Ann,Lee,NOPE,,,voice,"], 2, "team", "unknown unit code"),
        (["N001,a@example.com,Ann,Lee,LDS-T1,,N999,voice,"], 2, "manager", "unknown manager"),
        (
            ["N001,a@example.com,Ann,Lee,LDS-T1,,,voice,", "N002,a@example.com,Bo,Kim,LDS-T1,,,voice,"],
            3,
            "email",
            "already appears on line 3",
        ),
        (
            ["N001,a@example.com,Ann,Lee,LDS-T1,,,voice,", "N001,b@example.com,Bo,Kim,LDS-T1,,,voice,"],
            3,
            "employee_id",
            "already appears on line 3",
        ),
        (['N001,a@example.com,=HYPERLINK("http://x"),Lee,LDS-T1,,,voice,'], 2, "given_name", "formula"),
        (["N001,a@example.com,@SUM(A1),Lee,LDS-T1,,,voice,"], 2, "given_name", "formula"),
        (["N001,not-an-email,Ann,Lee,LDS-T1,,,voice,"], 2, "email", "not a valid email"),
        (["N001,a@example.com,Ann,Lee,LDS-T1,,,pigeon,"], 2, "channel", "not one of"),
        (["N001,a@example.com,Ann,Lee,LDS-T1,,,voice,31/31/2020"], 2, "start_date", "not a date"),
        (["N001,a@example.com,,Lee,LDS-T1,,,voice,"], 2, "given_name", "is empty"),
        (["N001,a@example.com,Ann,Lee,LDS-T1,,N001,voice,"], 2, "manager", "own manager"),
    ],
)
def test_a_bad_row_is_named_and_nothing_changes(org, rows, line, column, reason):
    before = snapshot()
    good_row = "N050,ok@example.com,Ok,Row,LDS-T2,,,voice,"
    report = run_import("people", csv_bytes(good_row, *rows), "people.csv")
    assert not report.ok
    shifted = line + 1  # the good row comes first
    assert any(e.line == shifted and e.column == column and reason in e.reason for e in report.errors), (
        report.errors
    )
    assert snapshot() == before


def test_every_bad_row_is_reported_not_just_the_first(org):
    report = run_import(
        "people",
        csv_bytes(
            "N001,a@example.com,Ann,Lee,NOPE,,,voice,",
            "N002,b@example.com,Bo,Kim,LDS-T1,,,voice,",
            "N003,bad-email,Cy,Ray,LDS-T1,,,voice,",
            "N004,d@example.com,Di,Fox,LDS-T1,,N404,voice,",
        ),
        "people.csv",
    )
    assert report.bad_lines == [2, 4, 5]


def test_missing_required_columns_are_named(org):
    report = run_import("people", b"employee_id,given_name\nN1,Ann\n", "people.csv")
    assert {e.column for e in report.errors} == {"family_name", "team"}
    assert all(e.line == 1 for e in report.errors)


def test_a_file_that_is_not_utf8_is_refused_with_advice(org):
    latin1 = "employee_id,given_name,family_name,team\nN1,Zoë,Brontë,LDS-T1\n".encode("latin-1")
    report = run_import("people", latin1, "people.csv")
    assert not report.ok and "not UTF-8" in report.errors[0].reason and "CSV UTF-8" in report.errors[0].reason
    assert not Person.objects.filter(employee_id="N1").exists()


def test_a_file_over_the_size_limit_is_refused_before_parsing(org, settings):
    settings.ALLABOARD_IMPORT_MAX_BYTES = 1024 * 1024
    big = HEADER.encode() + b"x" * (2 * 1024 * 1024)
    report = run_import("people", io.BytesIO(big), "huge.csv")
    assert not report.ok and "larger than" in report.errors[0].reason


def test_a_50_megabyte_file_changes_nothing(org):
    row = b"N001,a@example.com,Ann,Lee,LDS-T1,,,voice,2020-01-01\n"
    big = HEADER.encode() + row * (50 * 1024 * 1024 // len(row) + 1)
    before = snapshot()
    report = run_import("people", io.BytesIO(big), "fifty.csv")
    assert not report.ok and "larger than" in report.errors[0].reason
    assert snapshot() == before


def test_binary_garbage_is_refused(org):
    report = run_import("people", b"\x00\x01\x02garbage\x00", "people.csv")
    assert not report.ok


def test_a_damaged_xlsx_is_refused(org):
    report = run_import("people", b"PK\x03\x04 this is not really a zip", "people.xlsx")
    assert not report.ok and "XLSX" in report.errors[0].reason


def test_xlsx_import_works_and_sees_formulas(org):
    data = xlsx_bytes(
        [
            ["Employee ID", "Email", "First name", "Surname", "Team", "Start"],
            ["X1", "x1@example.com", "Xi", "Lu", "GLA-T2", "2021-03-04"],
            ["X2", "x2@example.com", "=1+1", "Mo", "GLA-T2", "2021-03-04"],
        ]
    )
    report = run_import("people", data, "people.xlsx")
    assert not report.ok and report.bad_lines == [3]
    ok = xlsx_bytes(
        [
            ["employee_id", "email", "given_name", "family_name", "team"],
            ["X1", "x1@example.com", "Xi", "Lu", "GLA-T2"],
        ]
    )
    assert run_import("people", ok, "people.xlsx").created == 1


def test_a_bad_manager_cycle_in_units_is_refused(org):
    report = run_import("units", b"code,name,kind,parent\nA,A,team,B\nB,B,team,A\n", "units.csv")
    assert not report.ok and any("loop" in e.reason for e in report.errors)
    assert not Unit.objects.filter(code__in=["A", "B"]).exists()


def test_units_import_builds_a_tree_in_any_row_order(org):
    report = run_import(
        "units", b"code,name,kind,parent\nT9,Team 9,team,D9\nD9,Dept 9,department,LDS\n", "u.csv"
    )
    assert report.ok, report.errors
    team = Unit.objects.get(code="T9")
    assert team.parent.code == "D9" and team.parent.parent.code == "LDS"
    assert team.path.startswith(org.sites["LDS"].path)


def test_dry_run_reports_but_changes_nothing(org):
    before = snapshot()
    report = run_import("people", GOOD, "people.csv", dry_run=True)
    assert report.ok and report.created == 3
    assert snapshot() == before


def test_an_import_is_audited(org):
    run_import("people", GOOD, "people.csv", actor=org.users["admin"])
    entry = AuditEntry.objects.get(action="import")
    assert entry.actor == org.users["admin"] and entry.changes["created"] == 3


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=12), max_size=8))
def test_any_file_either_applies_fully_or_changes_nothing(org, rows):
    """Whatever the content, the import never crashes and never half-writes."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.strip().split(","))
    writer.writerows(rows)
    before = snapshot()
    report = run_import("people", buffer.getvalue().encode(), "fuzz.csv")
    after = snapshot()
    if report.ok:
        assert len(after) == len(before) + report.created
    else:
        assert after == before
