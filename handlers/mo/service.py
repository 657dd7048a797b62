"""The МО directory's use cases: an admin's edit of one field, checked, and a whole new
directory from a file. No aiogram types here."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.importer import ImportFormatError
from catalog.organisations import MAX_STAFF, parse_staff
from handlers.mo import texts
from storage.organisations import OrgImportReport, OrgRepo

FILE_LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Edited:
    saved: bool
    problem: str = ""


def value_of(field: str, raw: str) -> tuple[str | int | None, str]:
    """The value to store for ``field`` from what an admin typed, or a problem to show."""
    value = " ".join(raw.split())
    if field == "name":
        return value, "" if 3 <= len(value) <= 250 else texts.REASONS["name"]
    if field == "short_name":
        return value, "" if 2 <= len(value) <= 60 else texts.REASONS["short_name"]
    if field == "district":
        if value == "-":
            return "", ""
        return value, "" if len(value) <= 100 else texts.REASONS["district"]
    if field == "staff":
        if value == "-":
            return None, ""
        staff = parse_staff(value)
        return staff, "" if staff is not None else texts.REASONS["staff"].format(max=MAX_STAFF)
    raise ValueError(field)


async def edit(orgs: OrgRepo, org_id: int, field: str, raw: str) -> Edited:
    value, problem = value_of(field, raw)
    if problem:
        return Edited(False, problem)
    if not await orgs.update(org_id, field, value):
        return Edited(False, texts.REASONS["taken"])
    return Edited(True)


async def replace_directory(orgs: OrgRepo, data: bytes, filename: str) -> OrgImportReport | str:
    """The report of an import, or why the file could not be read."""
    try:
        return await orgs.import_table(data, filename)
    except ImportFormatError as e:
        return str(e)
