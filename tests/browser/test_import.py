"""An admin uploads a people file with one bad row: the report names the row, and nothing changes."""

import re

import pytest
from playwright.sync_api import expect

from allaboard.org.models import AuditEntry, Person

pytestmark = pytest.mark.browser

PEOPLE_CSV = (
    "employee_id,email,given_name,family_name,team,job_role,manager\n"
    "BW900001,nia.roberts@brightwater.example,Nia,Roberts,LDS-D2-T02,Customer service advisor,\n"
    "BW900002,sam.okafor@brightwater.example,Sam,Okafor,LDS-D9-T99,Customer service advisor,\n"
    "BW900003,nia.roberts@brightwater.example,Ella,Hughes,LDS-D2-T02,Customer service advisor,BW000000\n"
)


def test_admin_import_with_bad_rows_reports_each_row_and_changes_nothing(page, demo, login, screenshot):
    people_before = Person.objects.count()
    audit_before = AuditEntry.objects.count()
    login(page, "admin")
    page.get_by_role("link", name="Import people").click()

    page.get_by_label("What the file holds").select_option("people")
    page.get_by_label(re.compile(r"^File")).set_input_files(
        {"name": "new-starters.csv", "mimeType": "text/csv", "buffer": PEOPLE_CSV.encode()}
    )
    page.get_by_role("button", name="Upload").click()

    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible()
    expect(report.get_by_role("heading")).to_have_text("The file has problems")
    expect(report).to_contain_text("new-starters.csv: Nothing was imported: 3 problems on 2 lines.")
    rows = report.get_by_role("row")
    expect(rows.filter(has_text="unknown unit code 'LDS-D9-T99'")).to_contain_text("3")
    expect(rows.filter(has_text="already appears on line 2")).to_contain_text("4")
    expect(rows.filter(has_text="unknown manager 'BW000000'")).to_contain_text("4")
    screenshot(page, "import-report")

    assert Person.objects.count() == people_before
    assert not Person.objects.filter(employee_id__in=["BW900001", "BW900002", "BW900003"]).exists()
    assert AuditEntry.objects.count() == audit_before


def test_admin_import_of_a_good_file_says_what_it_did(page, demo, login):
    good = "\n".join(PEOPLE_CSV.splitlines()[:2]) + "\n"
    login(page, "admin")
    page.goto("/org/import/")

    page.get_by_label(re.compile(r"^File")).set_input_files(
        {"name": "new-starter.csv", "mimeType": "text/csv", "buffer": good.encode()}
    )
    page.get_by_role("button", name="Upload").click()

    report = page.get_by_test_id("import-report")
    expect(report.get_by_role("heading")).to_have_text("Done")
    expect(report).to_contain_text("Imported 1 rows: 1 created, 0 updated, 0 unchanged.")
    assert Person.objects.get(employee_id="BW900001").unit.code == "LDS-D2-T02"
