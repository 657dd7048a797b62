"""The weekly VKS 8.38: its slot and reminder offsets, each date's topic, the reminders'
outcomes and who said they will attend. Also the small key-value settings table."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, time

from catalog.schedule import DEFAULT_OFFSETS, Offset, Slot
from storage.db import Database
from storage.settings import SettingsRepo

FIELDS = ("topic", "link", "speaker")


@dataclass(frozen=True, slots=True)
class VksDate:
    date: date
    topic: str | None = None
    link: str | None = None
    speaker: str | None = None
    directions: tuple[str, ...] = ()
    cancelled: bool = False
    recording_id: int | None = None


def _record(row: sqlite3.Row) -> VksDate:
    return VksDate(
        date=date.fromisoformat(row["date"]),
        topic=row["topic"],
        link=row["link"],
        speaker=row["speaker"],
        directions=tuple(d for d in row["directions"].split("|") if d),
        cancelled=bool(row["cancelled"]),
        recording_id=row["recording_id"],
    )


class VksRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- settings ---------------------------------------------------------------------------

    async def get_setting(self, key: str) -> str | None:
        return await SettingsRepo(self.db).get(key)

    async def put_setting(self, key: str, value: str) -> None:
        await SettingsRepo(self.db).put(key, value)

    async def slot(self) -> Slot:
        raw = await self.get_setting("vks.slot")
        if raw is None:
            return Slot()
        data = json.loads(raw)
        return Slot(int(data["weekday"]), time.fromisoformat(data["start"]), int(data["minutes"]))

    async def set_slot(self, slot: Slot) -> None:
        value = {"weekday": slot.weekday, "start": slot.start.isoformat("minutes")}
        await self.put_setting("vks.slot", json.dumps({**value, "minutes": slot.minutes}))

    async def offsets(self) -> list[Offset]:
        raw = await self.get_setting("vks.offsets")
        if raw is None:
            return list(DEFAULT_OFFSETS)
        return [
            Offset(
                days=int(o.get("days", 0)),
                at=time.fromisoformat(o["at"]) if o.get("at") else None,
                minutes=int(o.get("minutes", 0)),
            )
            for o in json.loads(raw)
        ]

    async def set_offsets(self, offsets: list[Offset]) -> None:
        value = [
            {
                "days": o.days,
                "at": o.at.isoformat("minutes") if o.at else None,
                "minutes": o.minutes,
            }
            for o in offsets
        ]
        await self.put_setting("vks.offsets", json.dumps(value))

    # -- dates ------------------------------------------------------------------------------

    async def get(self, day: date) -> VksDate:
        row = await self.db.fetchone("SELECT * FROM vks_dates WHERE date = ?", (day.isoformat(),))
        return _record(row) if row else VksDate(day)

    async def many(self, days: list[date]) -> dict[date, VksDate]:
        if not days:
            return {}
        marks = ",".join("?" * len(days))
        rows = await self.db.fetchall(
            f"SELECT * FROM vks_dates WHERE date IN ({marks})",  # noqa: S608 - placeholders only
            [d.isoformat() for d in days],
        )
        found = {d: VksDate(d) for d in days}
        found.update({r.date: r for r in map(_record, rows)})
        return found

    async def _ensure(self, day: date, by: int | None) -> None:
        await self.db.execute(
            "INSERT INTO vks_dates (date, updated_by, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (date) DO NOTHING",
            (day.isoformat(), by, self.db.stamp()),
        )

    async def set_field(self, day: date, field: str, value: str | None, by: int) -> None:
        if field not in FIELDS:
            raise ValueError(f"unknown VKS field {field!r}")
        await self._ensure(day, by)
        await self.db.execute(
            # field is checked against FIELDS above, never user text.
            f"UPDATE vks_dates SET {field} = ?, updated_by = ?, updated_at = ? WHERE date = ?",  # noqa: S608
            (value, by, self.db.stamp(), day.isoformat()),
        )

    async def toggle_direction(self, day: date, code: str, by: int) -> tuple[str, ...]:
        current = list((await self.get(day)).directions)
        if code in current:
            current.remove(code)
        else:
            current.append(code)
        await self._ensure(day, by)
        await self.db.execute(
            "UPDATE vks_dates SET directions = ?, updated_by = ?, updated_at = ? WHERE date = ?",
            ("|".join(current), by, self.db.stamp(), day.isoformat()),
        )
        return tuple(current)

    async def set_directions(self, day: date, codes: list[str], by: int) -> tuple[str, ...]:
        """The date's directions become ``codes`` (in that order, once each)."""
        chosen = tuple(dict.fromkeys(codes))
        await self._ensure(day, by)
        await self.db.execute(
            "UPDATE vks_dates SET directions = ?, updated_by = ?, updated_at = ? WHERE date = ?",
            ("|".join(chosen), by, self.db.stamp(), day.isoformat()),
        )
        return chosen

    async def set_cancelled(self, day: date, cancelled: bool, by: int) -> None:
        await self._ensure(day, by)
        await self.db.execute(
            "UPDATE vks_dates SET cancelled = ?, updated_by = ?, updated_at = ? WHERE date = ?",
            (int(cancelled), by, self.db.stamp(), day.isoformat()),
        )

    async def set_recording(self, day: date, material_id: int, by: int) -> None:
        await self._ensure(day, by)
        await self.db.execute(
            "UPDATE vks_dates SET recording_id = ?, updated_by = ?, updated_at = ? WHERE date = ?",
            (material_id, by, self.db.stamp(), day.isoformat()),
        )

    # -- reminders --------------------------------------------------------------------------

    async def outcomes(self, day: date) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT offset_key, outcome FROM vks_reminders WHERE date = ?", (day.isoformat(),)
        )
        return {r["offset_key"]: r["outcome"] for r in rows}

    async def record_outcome(self, day: date, key: str, outcome: str) -> bool:
        """Record what became of a reminder; False if it already had an outcome."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT OR IGNORE INTO vks_reminders (date, offset_key, outcome, at)"
                " VALUES (?, ?, ?, ?)",
                (day.isoformat(), key, outcome, self.db.stamp()),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    # -- attendance -------------------------------------------------------------------------

    async def toggle_attendance(self, day: date, user_id: int) -> tuple[bool, int]:
        """Flip the user's "I will attend"; returns (attending now, total)."""

        def run(conn: sqlite3.Connection) -> tuple[bool, int]:
            cur = conn.execute(
                "DELETE FROM vks_attendance WHERE date = ? AND user_id = ?",
                (day.isoformat(), user_id),
            )
            attending = cur.rowcount == 0
            if attending:
                conn.execute(
                    "INSERT INTO vks_attendance (date, user_id, at) VALUES (?, ?, ?)",
                    (day.isoformat(), user_id, self.db.stamp()),
                )
            cur = conn.execute(
                "SELECT COUNT(*) FROM vks_attendance WHERE date = ?", (day.isoformat(),)
            )
            row = cur.fetchone()
            return attending, int(row[0]) if row else 0

        return await self.db.write(run)

    async def attendance(self, day: date) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM vks_attendance WHERE date = ?", (day.isoformat(),)
        )
        return int(row["n"]) if row else 0
