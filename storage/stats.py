"""Reports over downloads, searches and training sessions.

Reports read through a connection of their own (``Database.report_reader``): a quarter's
aggregates scan tens of thousands of rows, and on the shared reader they would make every
search behind them wait.

Periods are calendar days in the centre's time zone; timestamps are stored in UTC, so a
period becomes the half-open UTC interval [local midnight of its first day, local midnight
after its last day).
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from catalog.model import KIND_TITLES, Kind
from catalog.stats import Period, coverage
from catalog.text import stems
from storage.catalog import CHANNELS
from storage.db import Database, Params

# How many rows a report lists before it says "and N more".
TOP = 10
NEVER_SHOWN = 30
FAILED_SHOWN = 20
# Raw events in one export: enough for a year of the centre's traffic, and the XLSX stays
# well under the 50 MB a bot may upload.
MAX_RAW_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class Counted:
    key: str
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class DownloadReport:
    total: int
    users: int
    top: list[Counted]
    by_topic: list[Counted]
    by_kind: list[Counted]
    by_channel: list[Counted]
    never: list[Counted]  # every active material not downloaded in the period

    @property
    def empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True, slots=True)
class FailedSearch:
    query: str  # the most frequent normalised form in its group
    count: int
    users: int


@dataclass(slots=True)
class TrainingRow:
    key: str
    title: str
    sessions: int = 0
    people: int = 0
    hours: float = 0.0
    staff: int | None = None

    @property
    def coverage(self) -> float | None:
        return coverage(self.people, self.staff)


@dataclass(frozen=True, slots=True)
class TrainingReport:
    sessions: int
    people: int
    hours: float
    # Sessions in the period whose results nobody has recorded yet: not counted above.
    awaiting: int
    by_format: list[TrainingRow]
    by_org: list[TrainingRow]  # the region's МО with staff, trained or not, most covered first
    open_sessions: TrainingRow  # sessions open to every МО: counted, but no one's coverage

    @property
    def empty(self) -> bool:
        return self.sessions == 0 and self.awaiting == 0


@dataclass(frozen=True, slots=True)
class YearCoverage:
    year: int
    people: int
    staff: int
    by_org: dict[int, int] = field(default_factory=dict)  # organisation id -> people

    @property
    def percent(self) -> float:
        return self.people / self.staff * 100 if self.staff else 0.0


def bounds(period: Period, tz: ZoneInfo) -> tuple[str, str]:
    """The period as a half-open interval of stored (UTC ISO) timestamps."""
    return utc_iso(period.start, tz), utc_iso(period.end + timedelta(days=1), tz)


def utc_iso(day: date, tz: ZoneInfo) -> str:
    moment = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    return moment.isoformat(timespec="seconds")


class StatsRepo:
    """Use as ``async with StatsRepo.open(db, tz) as stats``."""

    def __init__(self, conn: aiosqlite.Connection, tz: ZoneInfo) -> None:
        self.conn = conn
        self.tz = tz

    @classmethod
    @asynccontextmanager
    async def open(cls, db: Database, tz: ZoneInfo) -> AsyncIterator[StatsRepo]:
        async with db.report_reader() as conn:
            yield cls(conn, tz)

    async def _all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def _one(self, sql: str, params: Params = ()) -> sqlite3.Row:
        rows = await self._all(sql, params)
        return rows[0]

    async def topic_title(self, code: str) -> str | None:
        rows = await self._all("SELECT title FROM topics WHERE code = ?", (code,))
        return str(rows[0]["title"]) if rows else None

    async def material_title(self, material_id: int) -> str | None:
        if not 0 < material_id < 2**62:
            return None
        rows = await self._all("SELECT title FROM materials WHERE id = ?", (material_id,))
        return str(rows[0]["title"]) if rows else None

    # -- downloads ---------------------------------------------------------------------------

    async def totals(self, period: Period) -> tuple[int, int]:
        """Downloads and the distinct people behind them."""
        row = await self._one(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS u FROM downloads"
            " WHERE at >= ? AND at < ?",
            bounds(period, self.tz),
        )
        return int(row["n"]), int(row["u"])

    async def _summary(self, period: Period) -> tuple[int, int, list[Counted]]:
        """Totals and channels in one pass over the period's index range. Counting channels
        with sums instead of GROUP BY spares SQLite a sort of every row in the period."""
        sums = ", ".join(f"SUM(channel = '{c}') AS c_{c}" for c in CHANNELS)
        row = await self._one(
            f"SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS u, {sums}"  # noqa: S608
            " FROM downloads WHERE at >= ? AND at < ?",
            bounds(period, self.tz),
        )
        channels = [Counted(c, c, int(row[f"c_{c}"])) for c in CHANNELS if row[f"c_{c}"]]
        return int(row["n"]), int(row["u"]), channels

    async def by_channel(self, period: Period) -> list[Counted]:
        return (await self._summary(period))[2]

    async def per_material(self, period: Period) -> dict[int, int]:
        """Downloads of each material: one seek per material in its (material, time) index,
        which reads only the period's rows and needs no sort, however long the period."""
        start, end = bounds(period, self.tz)
        rows = await self._all(
            "SELECT id, (SELECT COUNT(*) FROM downloads d WHERE d.material_id = m.id"
            "  AND d.at >= :start AND d.at < :end) AS n FROM materials m",
            {"start": start, "end": end},
        )
        return {int(r["id"]): int(r["n"]) for r in rows if r["n"]}

    async def _materials(self) -> list[sqlite3.Row]:
        return await self._all(
            "SELECT id, title, kind, status, published_at FROM materials ORDER BY id"
        )

    async def never_downloaded(
        self, period: Period, counts: dict[int, int] | None = None
    ) -> list[Counted]:
        """Active materials published by the period's end that nobody downloaded in it."""
        if counts is None:
            counts = await self.per_material(period)
        last_day = period.end.isoformat()
        return [
            Counted(str(m["id"]), str(m["title"]), 0)
            for m in await self._materials()
            if m["status"] == "active"
            and str(m["published_at"])[:10] <= last_day
            and int(m["id"]) not in counts
        ]

    async def downloads(self, period: Period) -> DownloadReport:
        """Everything /stats shows about downloads in the period."""
        total, users, channels = await self._summary(period)
        counts = await self.per_material(period)
        materials = await self._materials()
        topics = await self._all(
            "SELECT mt.material_id, mt.topic_code, t.title FROM material_topics mt"
            " JOIN topics t ON t.code = mt.topic_code ORDER BY t.position, t.code"
        )
        titles = {int(m["id"]): str(m["title"]) for m in materials}
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
        per_topic: Counter[str] = Counter()
        topic_titles: dict[str, str] = {}
        for t in topics:
            topic_titles[t["topic_code"]] = t["title"]
            per_topic[t["topic_code"]] += counts.get(int(t["material_id"]), 0)
        per_kind: Counter[str] = Counter()
        for m in materials:
            per_kind[m["kind"]] += counts.get(int(m["id"]), 0)
        return DownloadReport(
            total=total,
            users=users,
            top=[Counted(str(i), titles.get(i, f"№{i}"), n) for i, n in top],
            by_topic=_ranked(per_topic, topic_titles),
            by_kind=_ranked(per_kind, {k.value: KIND_TITLES[k] for k in Kind}),
            by_channel=channels,
            never=await self.never_downloaded(period, counts),
        )

    async def weekly(
        self, weeks: list[date], *, topic: str | None = None, material_id: int | None = None
    ) -> list[int]:
        """Downloads in each week starting on the given Mondays (consecutive)."""
        if not weeks:
            return []
        start = utc_iso(weeks[0], self.tz)
        end = utc_iso(weeks[-1] + timedelta(weeks=1), self.tz)
        # Weeks are counted in whole days from the first local Monday: exact for a zone with
        # a fixed offset, which Moscow has had since 2014.
        bucket = "CAST((julianday(d.at) - julianday(:start)) / 7 AS INTEGER)"
        join, extra = "", ""
        params: dict[str, Any] = {"start": start, "end": end}
        if topic is not None:
            join = " JOIN material_topics mt ON mt.material_id = d.material_id"
            extra, params["topic"] = " AND mt.topic_code = :topic", topic
        if material_id is not None:
            extra, params["material"] = " AND d.material_id = :material", material_id
        rows = await self._all(
            f"SELECT {bucket} AS w, COUNT(*) AS n FROM downloads d{join}"  # noqa: S608
            f" WHERE d.at >= :start AND d.at < :end{extra} GROUP BY w",
            params,
        )
        series = [0] * len(weeks)
        for r in rows:
            if 0 <= r["w"] < len(weeks):
                series[int(r["w"])] += int(r["n"])
        return series

    async def raw_downloads(self, period: Period, limit: int = MAX_RAW_ROWS) -> list[list[Any]]:
        """One row per download for the export, oldest first, local times, no personal ids:
        who downloaded stays in the database."""
        rows = await self._all(
            "SELECT d.at, d.material_id, m.title, m.kind, d.channel,"
            " (SELECT group_concat(t.title, '; ') FROM material_topics mt"
            "  JOIN topics t ON t.code = mt.topic_code WHERE mt.material_id = d.material_id)"
            " AS topics"
            " FROM downloads d JOIN materials m ON m.id = d.material_id"
            " WHERE d.at >= ? AND d.at < ? ORDER BY d.at, d.id LIMIT ?",
            (*bounds(period, self.tz), limit),
        )
        kinds = {k.value: KIND_TITLES[k] for k in Kind}
        return [
            [
                datetime.fromisoformat(r["at"]).astimezone(self.tz).replace(tzinfo=None),
                int(r["material_id"]),
                r["title"],
                kinds.get(r["kind"], r["kind"]),
                r["topics"] or "",
                r["channel"],
            ]
            for r in rows
        ]

    # -- searches ----------------------------------------------------------------------------

    async def failed_searches(
        self, period: Period, limit: int | None = FAILED_SHOWN
    ) -> list[FailedSearch]:
        """Searches that found nothing, most frequent first. Queries that differ only in word
        endings («больничный лист», «больничные листы») count as one."""
        rows = await self._all(
            "SELECT normalised, COUNT(*) AS n, group_concat(DISTINCT user_id) AS people"
            " FROM searches WHERE results = 0 AND at >= ? AND at < ? GROUP BY normalised",
            bounds(period, self.tz),
        )
        groups: dict[str, list[sqlite3.Row]] = defaultdict(list)
        for r in rows:
            if r["normalised"]:
                key = " ".join(sorted(stems(r["normalised"], keep_stop_words=True)))
                groups[key or r["normalised"]].append(r)
        found = []
        for members in groups.values():
            people: set[str] = set()
            for m in members:
                people.update((m["people"] or "").split(","))
            people.discard("")
            shown = max(members, key=lambda m: (m["n"], m["normalised"]))
            found.append(
                FailedSearch(
                    str(shown["normalised"]), sum(int(m["n"]) for m in members), len(people)
                )
            )
        found.sort(key=lambda f: (-f.count, f.query))
        return found if limit is None else found[:limit]

    # -- training ----------------------------------------------------------------------------

    async def training(self, period: Period) -> TrainingReport:
        rows = await self._all(
            "SELECT s.format, s.organisation_id, s.participants, s.hours FROM sessions s"
            " WHERE s.starts_at >= ? AND s.starts_at < ?",
            bounds(period, self.tz),
        )
        orgs = await self._all(
            "SELECT id, name, short_name, staff FROM organisations"
            " WHERE active = 1 OR id IN (SELECT organisation_id FROM sessions"
            "  WHERE starts_at >= ? AND starts_at < ?)",
            bounds(period, self.tz),
        )
        by_org = {
            int(o["id"]): TrainingRow(str(o["id"]), str(o["short_name"]), staff=o["staff"])
            for o in orgs
        }
        by_format: dict[str, TrainingRow] = {}
        open_sessions = TrainingRow("", "")
        sessions = people = awaiting = 0
        hours = 0.0
        for r in rows:
            if r["participants"] is None:
                awaiting += 1
                continue
            sessions += 1
            people += int(r["participants"])
            hours += float(r["hours"] or 0)
            fmt = by_format.setdefault(r["format"], TrainingRow(r["format"], r["format"]))
            org = by_org.get(r["organisation_id"]) if r["organisation_id"] else open_sessions
            for target in (fmt, org):
                if target is not None:
                    target.sessions += 1
                    target.people += int(r["participants"])
                    target.hours += float(r["hours"] or 0)
        listed = [o for o in by_org.values() if o.sessions or o.staff]
        listed.sort(key=lambda o: (-(o.coverage or 0.0), -o.people, o.title))
        return TrainingReport(
            sessions=sessions,
            people=people,
            hours=hours,
            awaiting=awaiting,
            by_format=sorted(by_format.values(), key=lambda f: (-f.people, f.key)),
            by_org=listed,
            open_sessions=open_sessions,
        )

    async def coverage_by_year(self, first: int, last: int) -> list[YearCoverage]:
        """People trained per year against the staff of the МО known today, for the region
        and for each МО. Sessions open to every МО count for no one's coverage."""
        rows = await self._all(
            "SELECT starts_at, organisation_id, participants FROM sessions"
            " WHERE participants IS NOT NULL AND organisation_id IS NOT NULL"
        )
        staff_row = await self._one(
            "SELECT COALESCE(SUM(staff), 0) AS s FROM organisations WHERE active = 1"
        )
        per_year: dict[int, Counter[int]] = {y: Counter() for y in range(first, last + 1)}
        for r in rows:
            year = datetime.fromisoformat(r["starts_at"]).astimezone(self.tz).year
            if year in per_year:
                per_year[year][int(r["organisation_id"])] += int(r["participants"])
        return [
            YearCoverage(year, sum(c.values()), int(staff_row["s"]), dict(c))
            for year, c in per_year.items()
        ]

    async def first_session_year(self) -> int | None:
        row = await self._one("SELECT MIN(starts_at) AS first FROM sessions")
        if row["first"] is None:
            return None
        return datetime.fromisoformat(row["first"]).astimezone(self.tz).year

    async def raw_sessions(self, period: Period) -> list[list[Any]]:
        rows = await self._all(
            "SELECT s.id, s.starts_at, s.format, s.participants, s.hours, s.planned_hours,"
            " s.request_id, t.title AS topic, o.short_name AS org"
            " FROM sessions s LEFT JOIN topics t ON t.code = s.topic_code"
            " LEFT JOIN organisations o ON o.id = s.organisation_id"
            " WHERE s.starts_at >= ? AND s.starts_at < ? ORDER BY s.starts_at, s.id",
            bounds(period, self.tz),
        )
        return [
            [
                int(r["id"]),
                datetime.fromisoformat(r["starts_at"]).astimezone(self.tz).replace(tzinfo=None),
                r["topic"] or "",
                r["org"] or "",
                r["format"],
                r["participants"],
                r["hours"],
                r["planned_hours"],
                r["request_id"],
            ]
            for r in rows
        ]

    async def org_staff(self) -> dict[int, tuple[str, int | None]]:
        rows = await self._all("SELECT id, short_name, staff FROM organisations WHERE active = 1")
        return {int(r["id"]): (str(r["short_name"]), r["staff"]) for r in rows}


def _ranked(counts: Counter[str], titles: dict[str, str]) -> list[Counted]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], titles.get(kv[0], kv[0])))
    return [Counted(k, titles.get(k, k), n) for k, n in ordered if n]
