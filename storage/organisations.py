"""The directory of medical organisations, and each tutor's remembered organisation."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from importlib import resources

from catalog.importer import read_table
from catalog.organisations import (
    COLUMNS,
    REQUIRED,
    OrgPlan,
    OrgQuery,
    OrgType,
    TermIndex,
    Terms,
    best_reading,
    parse,
    search_terms,
)
from storage.db import Database

EDITABLE = ("name", "short_name", "district", "staff")


@dataclass(frozen=True, slots=True)
class Organisation:
    id: int
    name: str
    short_name: str
    district: str
    type: OrgType
    staff: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class OrgMatches:
    """Organisations found, and the query as it was understood: the keyboard layout switched,
    typos fixed, words spelt as the directory spells them («cjrjkmcrfz» -> «Сокольская»)."""

    orgs: list[Organisation]
    understood: str

    def changed(self, query: str) -> bool:
        """Whether the text understood differs from what was typed, beyond case and spaces."""
        return " ".join(query.lower().split()) != " ".join(self.understood.lower().split())


@dataclass(frozen=True, slots=True)
class OrgImportReport:
    created: int
    updated: int
    deactivated: int
    plan: OrgPlan


def _org(row: sqlite3.Row) -> Organisation:
    return Organisation(
        id=row["id"],
        name=row["name"],
        short_name=row["short_name"],
        district=row["district"],
        type=OrgType(row["type"]) if row["type"] in OrgType._value2member_map_ else OrgType.OTHER,
        staff=row["staff"],
        active=bool(row["active"]),
    )


def shipped_organisations() -> bytes:
    return resources.files("catalog.data").joinpath("organisations.csv").read_bytes()


@dataclass(frozen=True, slots=True)
class _Directory:
    entries: tuple[tuple[Organisation, Terms], ...]
    index: TermIndex


@dataclass(slots=True)
class _Cache:
    directory: _Directory | None = None
    # Counts writes: a directory read while one happened is not kept.
    writes: int = 0

    def dropped(self) -> None:
        self.directory = None
        self.writes += 1


class OrgRepo:
    """Small enough (about a hundred rows) to match in Python. The directory and its index are
    built once and shared by every OrgRepo of the database, and dropped on every write."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache = db.shared("organisations", _Cache)

    async def ensure_seeded(self) -> None:
        """Load the shipped directory once; later imports and edits are kept."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM organisations")
        if row and row["n"]:
            return
        await self.import_table(shipped_organisations(), "organisations.csv")

    async def _directory(self) -> _Directory:
        directory = self._cache.directory
        if directory is None:
            writes = self._cache.writes
            rows = await self.db.fetchall("SELECT * FROM organisations ORDER BY short_name")
            orgs = [_org(r) for r in rows]
            entries = tuple((o, search_terms(o.name, o.short_name, o.district)) for o in orgs)
            directory = _Directory(entries, TermIndex([terms for _, terms in entries]))
            if writes == self._cache.writes:
                self._cache.directory = directory
        return directory

    async def _all(self) -> tuple[tuple[Organisation, Terms], ...]:
        return (await self._directory()).entries

    async def all(self, *, active_only: bool = True) -> list[Organisation]:
        return [o for o, _ in await self._all() if o.active or not active_only]

    async def get(self, org_id: int) -> Organisation | None:
        for org, _ in await self._all():
            if org.id == org_id:
                return org
        return None

    async def find(self, query: str, limit: int = 8) -> list[Organisation]:
        return (await self.find_understood(query, limit)).orgs

    async def find_understood(self, query: str, limit: int = 8) -> OrgMatches:
        """The best matches and the query as understood, for the form to echo."""
        found = await self._directory()
        directory, index = found.entries, found.index
        wanted = OrgQuery.of(query, index)
        scored = []
        for position in index.candidates(wanted):
            org, terms = directory[position]
            score, reading = best_reading(wanted, terms, org.name) if org.active else (0, 0)
            if score > 0:
                scored.append((score, org, terms, reading))
        scored.sort(key=lambda found: (-found[0], found[1].short_name))
        if not scored:
            return OrgMatches([], " ".join(query.split()))
        _, _, terms, reading = scored[0]
        understood = index.understood(wanted, reading, terms)
        return OrgMatches([o for _, o, _, _ in scored[:limit]], understood)

    async def import_table(self, data: bytes, filename: str) -> OrgImportReport:
        """Replace the directory with a table: rows are matched by short name, new ones are
        added, and organisations missing from the table become inactive.

        Nothing is changed when the table has problems or no valid rows: a directory half
        replaced would be worse than the old one.
        """
        plan = parse(read_table(data, filename, REQUIRED, COLUMNS))
        if plan.problems or not plan.rows:
            return OrgImportReport(0, 0, 0, plan)
        stamp = self.db.stamp()

        def run(conn: sqlite3.Connection) -> tuple[int, int, int]:
            known = {
                r[0].lower(): r[1]
                for r in conn.execute("SELECT short_name, id FROM organisations").fetchall()
            }
            created = updated = 0
            keep: list[int] = []
            for org in plan.rows:
                values = (org.name, org.district, org.type.value, org.staff, stamp)
                if (org_id := known.get(org.short_name.lower())) is not None:
                    conn.execute(
                        "UPDATE organisations SET name = ?, district = ?, type = ?, staff = ?,"
                        " updated_at = ?, active = 1, short_name = ? WHERE id = ?",
                        (*values, org.short_name, org_id),
                    )
                    updated += 1
                else:
                    cur = conn.execute(
                        "INSERT INTO organisations (name, district, type, staff, updated_at,"
                        " short_name) VALUES (?, ?, ?, ?, ?, ?)",
                        (*values, org.short_name),
                    )
                    org_id = cur.lastrowid
                    created += 1
                assert org_id is not None
                keep.append(org_id)
            marks = ",".join("?" * len(keep))
            cur = conn.execute(
                f"UPDATE organisations SET active = 0, updated_at = ?"  # noqa: S608
                f" WHERE active = 1 AND id NOT IN ({marks})",
                (stamp, *keep),
            )
            return created, updated, cur.rowcount

        created, updated, deactivated = await self.db.write(run)
        self._cache.dropped()
        return OrgImportReport(created, updated, deactivated, plan)

    async def export_rows(self) -> list[list[object]]:
        rows: list[list[object]] = [list(COLUMNS)]
        for org in await self.all():
            rows.append([org.name, org.short_name, org.district, org.type.value, org.staff])
        return rows

    async def update(self, org_id: int, field: str, value: str | int | None) -> bool:
        """Change one editable field; False if there is no such organisation or the short name
        is taken by another one."""
        if field not in EDITABLE:
            raise ValueError(field)
        sql = f"UPDATE organisations SET {field} = ?, updated_at = ? WHERE id = ?"  # noqa: S608
        stamp = self.db.stamp()
        try:
            changed = await self.db.write(
                lambda conn: conn.execute(sql, (value, stamp, org_id)).rowcount
            )
        except sqlite3.IntegrityError:
            return False
        self._cache.dropped()
        return bool(changed)

    async def remembered(self, user_id: int) -> Organisation | None:
        row = await self.db.fetchone("SELECT organisation_id FROM users WHERE id = ?", (user_id,))
        if row is None or row["organisation_id"] is None:
            return None
        org = await self.get(row["organisation_id"])
        return org if org is not None and org.active else None
