"""Reading uploaded CSV/XLSX tables safely, and writing exports that cannot run formulas.

Shared by every import (people, customer feedback, LMS exports, usage data) and every export.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class FileProblem(ValueError):
    """The file as a whole cannot be read (too big, wrong encoding, not a table)."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]  # cell values as text; row i is line i + 2 of the file (1 is the header)


def normalise_header(name: str) -> str:
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def read_table(
    data: bytes | io.IOBase, filename: str, *, max_bytes: int | None = None, max_rows: int | None = None
) -> Table:
    """Read a CSV (UTF-8, comma/semicolon/tab) or XLSX file into text cells, refusing what is unsafe to parse."""
    max_bytes = max_bytes or settings.ALLABOARD_IMPORT_MAX_BYTES
    max_rows = max_rows or settings.ALLABOARD_IMPORT_MAX_ROWS
    raw = data if isinstance(data, bytes) else data.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise FileProblem(
            f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit; split it into smaller files."
        )
    if not raw.strip():
        raise FileProblem("The file is empty.")
    if raw[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        table = _read_xlsx(raw, max_rows)
    else:
        table = _read_csv(raw, max_rows)
    if not any(table.header):
        raise FileProblem("The first row must hold the column names.")
    return table


def _read_csv(raw: bytes, max_rows: int) -> Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"The file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}). "
            "Save it as 'CSV UTF-8' and upload it again."
        ) from None
    if "\x00" in text:
        raise FileProblem("The file contains binary data; upload a CSV or XLSX file.")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, [])
        rows = []
        for row in reader:
            if len(rows) >= max_rows:
                raise FileProblem(f"The file has more than {max_rows:,} rows; split it into smaller files.")
            rows.append(row)
    except csv.Error as exc:
        raise FileProblem(f"The CSV could not be read: {exc}.") from None
    return Table([normalise_header(h) for h in header], [r for r in rows if any(c.strip() for c in r)])


def _read_xlsx(raw: bytes, max_rows: int) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            # Refuse zip bombs before openpyxl inflates them.
            if sum(i.file_size for i in archive.infolist()) > 40 * len(raw) + 50_000_000:
                raise FileProblem("The XLSX file expands to an unreasonable size; it was not read.")
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many types for a damaged file
        raise FileProblem("The file is not a readable XLSX workbook.") from None
    sheet = workbook.worksheets[0]
    rows: list[list[str]] = []
    header: list[str] = []
    for index, values in enumerate(sheet.iter_rows(values_only=True)):
        cells = [_cell_text(v) for v in values]
        if index == 0:
            header = [normalise_header(c) for c in cells]
            continue
        if len(rows) >= max_rows:
            raise FileProblem(f"The file has more than {max_rows:,} rows; split it into smaller files.")
        if any(c.strip() for c in cells):
            rows.append(cells)
    workbook.close()
    while header and not header[-1]:
        header.pop()
    return Table(header, rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def looks_like_formula(value: str) -> bool:
    """True for text a spreadsheet would run as a formula (CSV injection)."""
    return value.startswith(FORMULA_PREFIXES) and len(value) > 1


def parse_date(value: str) -> date:
    """ISO dates (2025-03-31) and dd/mm/yyyy; raises ValueError with a readable message."""
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD")


def safe_cell(value) -> str:
    """A value made safe for a spreadsheet: text that would start a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
