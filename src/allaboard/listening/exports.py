"""CSV and XLSX exports of results, with exactly what the pages show: the same k, the same hidden cuts.

Text cells pass through tabular.safe_cell, so a unit or question named "=HYPERLINK(...)" cannot run as a
formula in a spreadsheet. Numbers are written as numbers.
"""

import csv
import io

from allaboard.errors import InputError
from allaboard.tabular import safe_cell

from . import results

KINDS = ("items", "heatmap", "participation")


def rows_for(user, wave, what: str, unit_id=None, cut: str = "") -> tuple[list[str], list[list]]:
    """(header, rows) of one export."""
    if what not in KINDS:
        raise InputError("what", f"must be one of {', '.join(KINDS)}")
    if what == "participation":
        mine, rows = results.participation(user, wave, unit_id)
        header = ["Unit", "Invited", "Answered", "Participation", "Below 60%"]
        out = []
        for row in [mine, *rows]:
            if row.shown:
                out.append([row.unit.name, row.invited, row.responded, round(row.rate or 0, 4), row.low])
            else:
                out.append([row.unit.name, f"fewer than {wave.survey.k} invited", "", "", ""])
        return header, out
    if what == "heatmap":
        heat = results.heatmap(user, wave, unit_id, cut)
        header = ["Unit", "Respondents", *(results.I.scale_title(s) for s in heat.scales), "Note"]
        out = []
        for row in [r for r in (heat.organisation, heat.parent) if r] + heat.rows:
            out.append(
                [
                    row.unit.name,
                    row.respondents or "",
                    *((round(row.cells[s], 3) if row.cells.get(s) is not None else "") for s in heat.scales),
                    row.reason,
                ]
            )
        return header, out
    view = results.overview(user, wave, unit_id, cut)
    header = ["Question", "Scale", "Reverse-scored", "Answers", "Mean", "95% low", "95% high", "Favourable"]
    if not view.data.visible:
        return header, [[f"{view.scope.unit.name}: {view.data.reason}", "", "", "", "", "", "", ""]]
    out = []
    for item in view.items:
        if item.reason:
            out.append([item.question.text, "", item.question.reverse, item.reason, "", "", "", ""])
            continue
        mean = item.mean
        out.append(
            [
                item.question.text,
                results.I.scale_title(item.question.scale) if item.question.scale else "",
                item.question.reverse,
                item.n,
                round(mean.estimate, 3) if mean else "",
                round(mean.low, 3) if mean and mean.low is not None else "",
                round(mean.high, 3) if mean and mean.high is not None else "",
                round(item.favourable, 4) if item.favourable is not None else "",
            ]
        )
    return header, out


def _cell(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    return safe_cell(value)


def to_csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(header: list[str], rows: list[list], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = safe_cell(title)[:31].replace("'", "") or "Results"
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
