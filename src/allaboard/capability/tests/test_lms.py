"""LMS exports (CSV/XLSX) with a column-mapping step: a bad file changes nothing and names every bad row."""

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from allaboard.capability import lms
from allaboard.capability.models import Enrolment, EnrolmentStatus, FormalTraining, LmsUpload
from allaboard.org.models import AuditEntry, Role

from .factories import CourseFactory, FormalCourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(db):
    return {
        "formal": FormalCourseFactory(
            name="Leading through change", lms_code="CM-101", duration_hours=Decimal("7")
        ),
        "empathy": CourseFactory(name="Empathy on the phone", lms_code="CX-12"),
    }


@pytest.fixture
def people(org):
    return org.people_in("GLA-T1")


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def test_a_good_export_imports_with_guessed_columns_and_re_imports_unchanged(courses, people):
    data = csv_bytes(
        [
            ["Employee ID", "Course Code", "Completion Status", "Completion Date", "Hours", "Score"],
            [people[0].employee_id, "CM-101", "Passed", "2025-03-04", "6.5", "88"],
            [people[1].employee_id, "cx-12", "completed", "04/03/2025", "", ""],
            [people[2].employee_id, "Leading through change", "In progress", "", "2", ""],
        ]
    )
    report, _ = lms.run(data, "lms.csv", None, actor=None)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    first = Enrolment.objects.get(person=people[0])
    assert first.status == EnrolmentStatus.COMPLETED and first.hours_attended == Decimal("6.50")
    assert Enrolment.objects.get(person=people[1]).hours_attended == courses["empathy"].duration_hours
    assert Enrolment.objects.get(person=people[2]).status == EnrolmentStatus.ATTENDED
    assert list(FormalTraining.objects.values_list("person_id", flat=True)) == [people[0].pk]
    again, _ = lms.run(data, "lms.csv", None, actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_bad_row_changes_nothing_and_every_bad_row_is_named(courses, people):
    data = csv_bytes(
        [
            ["employee_id", "course", "status", "completed_on", "score", "confidence_before"],
            [people[0].employee_id, "CM-101", "completed", "2025-03-04", "70", "2"],
            ["E-NOBODY", "CM-101", "completed", "2025-03-04", "", ""],
            [people[1].employee_id, "NO-SUCH", "completed", "2025-03-04", "", ""],
            [people[2].employee_id, "CM-101", "completed", "", "", ""],
            [people[3].employee_id, "CM-101", "graduated", "2025-03-04", "140", "9"],
            [people[4].employee_id, "=HYPERLINK(1)", "completed", "2025-31-12", "", ""],
        ]
    )
    report, _ = lms.run(data, "lms.csv", None, actor=None)
    assert not report.ok
    assert report.bad_lines == [3, 4, 5, 6, 7]
    reasons = {(e.line, e.column) for e in report.errors}
    assert {(3, "employee_id"), (4, "course"), (5, "completed_on"), (6, "status"), (6, "score")} <= reasons
    assert {(6, "confidence_before"), (7, "course"), (7, "completed_on")} <= reasons
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.filter(object_type="capability.Enrolment").exists()


def test_a_mapping_names_odd_columns(courses, people):
    data = csv_bytes([["Learner", "Module", "When"], [people[0].email.upper(), "CM-101", "2025-01-02"]])
    assert not lms.run(data, "lms.csv", None, actor=None)[0].ok  # nothing can be guessed
    report, _ = lms.run(
        data, "lms.csv", {"email": "learner", "course": "module", "completed_on": "when"}, actor=None
    )
    assert report.ok, report.errors
    assert Enrolment.objects.get().person == people[0]


def test_a_mapping_to_a_missing_column_is_refused(courses):
    data = csv_bytes([["employee_id", "course"], ["E1", "CM-101"]])
    report, _ = lms.run(data, "lms.csv", {"employee_id": "employee_id", "course": "course_code"}, actor=None)
    assert [(e.column, e.reason) for e in report.errors] == [
        ("course", "the file has no column 'course_code'")
    ]


def test_record_ids_update_the_same_attempt(courses, people):
    header = ["record_id", "employee_id", "course", "status", "completed_on"]
    lms.run(
        csv_bytes([header, ["R1", people[0].employee_id, "CM-101", "enrolled", ""]]),
        "a.csv",
        None,
        actor=None,
    )
    report, _ = lms.run(
        csv_bytes([header, ["R1", people[0].employee_id, "CM-101", "completed", "2025-05-01"]]),
        "b.csv",
        None,
        actor=None,
    )
    assert report.updated == 1 and Enrolment.objects.get().status == EnrolmentStatus.COMPLETED


def test_an_xlsx_export_imports(courses, people):
    book = Workbook()
    sheet = book.active
    sheet.append(["employee_id", "course_code", "completion_date"])
    sheet.append([people[0].employee_id, "CM-101", "2025-02-03"])
    buffer = io.BytesIO()
    book.save(buffer)
    report, _ = lms.run(buffer.getvalue(), "lms.xlsx", None, actor=None)
    assert report.ok, report.errors


def test_a_dry_run_changes_nothing(courses, people):
    data = csv_bytes(
        [["employee_id", "course", "completed_on"], [people[0].employee_id, "CM-101", "2025-02-03"]]
    )
    report, _ = lms.run(data, "lms.csv", None, actor=None, dry_run=True)
    assert report.ok and report.created == 1
    assert not Enrolment.objects.exists()


def test_a_file_that_is_not_a_table_is_refused(courses):
    report, table = lms.run(b"\x00\x01\x02", "lms.csv", None, actor=None)
    assert table is None and report.errors[0].column == "file"


def test_pages_upload_then_map_then_import(client_for, courses, people):
    client = client_for(Role.CHANGE_LEAD)
    data = csv_bytes([["Learner", "Module", "When"], [people[0].employee_id, "CM-101", "2025-01-02"]])
    response = client.post("/capability/import/", {"file": SimpleUploadedFile("lms.csv", data)})
    assert response.status_code == 302
    map_url = response["Location"]
    assert "learner" in client.get(map_url).content.decode()
    mapping = {"map_employee_id": "learner", "map_course": "module", "map_completed_on": "when"}
    checked = client.post(map_url, {**mapping, "check": "1"})
    assert checked.status_code == 200 and "Would import 1 rows" in checked.content.decode()
    assert not Enrolment.objects.exists()
    done = client.post(map_url, {**mapping, "import": "1"})
    assert done.status_code == 302
    assert Enrolment.objects.count() == 1 and not LmsUpload.objects.exists()


def test_pages_show_every_bad_row(client_for, courses, people):
    client = client_for(Role.ADMIN)
    data = csv_bytes([["employee_id", "course", "completed_on"], ["NOPE", "CM-101", "2025-01-02"]])
    map_url = client.post("/capability/import/", {"file": SimpleUploadedFile("lms.csv", data)})["Location"]
    response = client.post(
        map_url,
        {"map_employee_id": "employee_id", "map_course": "course", "map_completed_on": "completed_on"},
    )
    assert response.status_code == 400
    assert "no person with employee id &#x27;NOPE&#x27;" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_api_import_with_a_mapping(client_for, courses, people):
    data = csv_bytes([["Learner", "Module", "When"], [people[0].employee_id, "CM-101", "2025-01-02"]])
    response = client_for(Role.ADMIN).post(
        "/api/v1/capability/imports/lms",
        {
            "file": SimpleUploadedFile("lms.csv", data),
            "mapping": json.dumps({"employee_id": "learner", "course": "module", "completed_on": "when"}),
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


def test_api_import_of_a_bad_file_is_a_400_that_changes_nothing(client_for, courses):
    data = csv_bytes([["employee_id", "course", "completed_on"], ["NOPE", "CM-101", "2025-01-02"]])
    response = client_for(Role.ADMIN).post(
        "/api/v1/capability/imports/lms", {"file": SimpleUploadedFile("x.csv", data)}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 2
    assert not Enrolment.objects.exists()


def test_the_upload_page_refuses_a_file_that_is_not_a_table(client_for):
    response = client_for(Role.ADMIN).post(
        "/capability/import/", {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}
    )
    assert response.status_code == 400 and "not UTF-8" in response.content.decode()
    assert not LmsUpload.objects.exists()
