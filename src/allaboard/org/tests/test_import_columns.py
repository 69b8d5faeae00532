"""A people file that leaves a column out keeps what is stored in it; a blank cell clears it."""

from datetime import date

from allaboard.org.imports import run_import
from allaboard.org.models import Person


def _import(text: str):
    report = run_import("people", text.encode(), "people.csv")
    assert report.ok, [str(e) for e in report.errors]
    return report


def test_a_file_without_end_date_does_not_bring_leavers_back(org):
    _import(
        "employee_id,given_name,family_name,team,start_date,end_date\n"
        "N1,Ann,Lee,LDS-T1,2020-01-06,2026-03-31\n"
    )

    report = _import("employee_id,given_name,family_name,team\nN1,Ann,Lee,LDS-T1\n")

    person = Person.objects.get(employee_id="N1")
    assert (person.start_date, person.end_date) == (date(2020, 1, 6), date(2026, 3, 31))
    assert report.unchanged == 1


def test_a_blank_end_date_clears_it(org):
    _import("employee_id,given_name,family_name,team,end_date\nN1,Ann,Lee,LDS-T1,2026-03-31\n")

    _import("employee_id,given_name,family_name,team,end_date\nN1,Ann,Lee,LDS-T1,\n")

    assert Person.objects.get(employee_id="N1").end_date is None
