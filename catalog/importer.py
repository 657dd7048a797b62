"""Bulk import and export of the catalog as CSV or XLSX, with a per-row report.

Parsing and validation are pure; storage applies the valid rows. Valid rows go in, invalid rows
are reported with their row number, field and problem, so nothing is silently half-done.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.model import FieldError, MaterialInput, check_kind, split_list, validate

COLUMNS = (
    "id",
    "title",
    "description",
    "kind",
    "topics",
    "audience",
    "tags",
    "url",
    "published_at",
)
REQUIRED = ("title", "kind", "topics")
MAX_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # as a spreadsheet shows it: the header is row 1
    field: str
    message: str


@dataclass(slots=True)
class ParsedRow:
    row: int
    material_id: int | None
    material: MaterialInput


@dataclass(slots=True)
class ImportPlan:
    rows: list[ParsedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


class ImportFormatError(ValueError):
    """The file as a whole cannot be read; the message is Russian and says why."""


def read_table(
    data: bytes,
    filename: str,
    required: tuple[str, ...] = REQUIRED,
    columns: tuple[str, ...] = COLUMNS,
) -> Iterator[dict[str, str]]:
    """Rows of a CSV (UTF-8 or Windows-1251, comma or semicolon) or XLSX table as dicts keyed
    by lower-case column names; the header must name every ``required`` column."""
    if filename.lower().endswith(".xlsx"):
        yield from _read_xlsx(data, required, columns)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise ImportFormatError("файл не в кодировке UTF-8 или Windows-1251") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _check_header(reader.fieldnames or [], required, columns)
    for record in reader:
        yield {k.strip().lower(): (v or "") for k, v in record.items() if k}


def _read_xlsx(
    data: bytes, required: tuple[str, ...], columns: tuple[str, ...]
) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFormatError("не удалось открыть файл как XLSX") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, ())]
    _check_header(header, required, columns)
    for values in rows:
        record = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        yield record
    book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return str(value.date().isoformat() if hasattr(value, "hour") else value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_header(
    header: Iterable[str], required: tuple[str, ...], columns: tuple[str, ...]
) -> None:
    names = {h.strip().lower() for h in header if h}
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportFormatError(
            "в первой строке нет столбцов: "
            + ", ".join(missing)
            + ". Нужны столбцы: "
            + ",".join(columns)
        )


def parse(records: Iterable[dict[str, str]], known_topics: set[str]) -> ImportPlan:
    result = ImportPlan()
    for index, record in enumerate(records):
        row = index + 2
        if index >= MAX_ROWS:
            result.problems.append(
                RowProblem(row, "", f"больше {MAX_ROWS} строк, остальное пропущено")
            )
            break
        if not any(v.strip() for v in record.values()):
            continue
        try:
            material_id = _id(record.get("id", ""))
            material = MaterialInput(
                title=record.get("title", ""),
                kind=check_kind(record.get("kind", "")),
                topics=split_list(record.get("topics")),
                description=record.get("description", ""),
                audience=split_list(record.get("audience")),
                tags=split_list(record.get("tags")),
                url=record.get("url", "").strip() or None,
                published_at=record.get("published_at", "").strip() or _today(),
            )
            result.rows.append(ParsedRow(row, material_id, validate(material, known_topics)))
        except FieldError as e:
            result.problems.append(RowProblem(row, e.field, str(e)))
    return result


def _id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) < 2**62:
        raise FieldError("id", f"id «{value[:20]}» должен быть целым положительным числом")
    return int(value)


def _today() -> str:
    from datetime import date

    return date.today().isoformat()


def export_rows(materials: Iterable[dict[str, Any]]) -> list[list[str]]:
    rows = [list(COLUMNS)]
    for m in materials:
        rows.append([str(m.get(c, "") or "") for c in COLUMNS])
    return rows


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], sheet_name: str = "Каталог") -> bytes:
    return to_xlsx_book([(sheet_name, rows)])


def to_xlsx_book(sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> bytes:
    """Sheets with a frozen header row each; dates stay dates, numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for sheet_name, rows in sheets:
        sheet = book.create_sheet(sheet_name)
        sheet.freeze_panes = "A2"
        if rows:
            for index, title in enumerate(rows[0]):
                width = max(len(str(r[index] or "")) for r in rows[:200] if index < len(r))
                letter = get_column_letter(index + 1)
                sheet.column_dimensions[letter].width = min(max(width, len(str(title))) + 2, 60)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
