"""Calendar logic for the weekly VKS 8.38 and scheduled posts: the slot, public holidays,
reminder offsets, an .ics invitation and the date-and-time phrases methodologists type.

Pure Python: times are computed in the configured zone and returned as aware datetimes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEEKDAY_NAMES = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
)
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


@dataclass(frozen=True, slots=True)
class Slot:
    """The weekly VKS: a weekday (0 = Monday), a start time and a nominal duration."""

    weekday: int = 2
    start: time = time(8, 38)
    minutes: int = 60

    def describe(self) -> str:
        return f"{WEEKDAY_NAMES[self.weekday]}, {self.start:%H:%M}"


@cache
def holidays() -> frozenset[date]:
    """Russia's official non-working weekdays shipped in ``data/holidays_ru.txt``."""
    text = resources.files("catalog.data").joinpath("holidays_ru.txt").read_text("utf-8")
    found: set[date] = set()
    for line in text.splitlines():
        value = line.split("#", 1)[0].strip()
        if value:
            found.add(date.fromisoformat(value))
    return frozenset(found)


def is_holiday(day: date) -> bool:
    return day in holidays()


def next_dates(slot: Slot, today: date, count: int) -> list[date]:
    """The next ``count`` slot dates from ``today`` on, holidays included (they are shown as
    such, so nobody wonders where a Wednesday went)."""
    first = today + timedelta(days=(slot.weekday - today.weekday()) % 7)
    return [first + timedelta(weeks=i) for i in range(count)]


def starts_at(slot: Slot, day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, slot.start, tzinfo=tz)


# -- reminder offsets -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Offset:
    """When a reminder goes out: ``days`` before at a fixed clock time, or ``minutes`` before
    the start. Its ``key`` is stable and names the reminder in the database."""

    days: int = 0
    at: time | None = None
    minutes: int = 0

    @property
    def key(self) -> str:
        if self.at is not None:
            return f"d{self.days}@{self.at:%H%M}"
        return f"m{self.minutes}"

    def moment(self, slot: Slot, day: date, tz: ZoneInfo) -> datetime:
        if self.at is not None:
            return datetime.combine(day - timedelta(days=self.days), self.at, tzinfo=tz)
        return starts_at(slot, day, tz) - timedelta(minutes=self.minutes)

    def describe(self) -> str:
        if self.at is not None:
            when = {0: "в тот же день", 1: "накануне"}.get(self.days, f"за {self.days} дн.")
            return f"{when} в {self.at:%H:%M}"
        if self.minutes % 60 == 0:
            return f"за {self.minutes // 60} ч до начала"
        return f"за {self.minutes} мин до начала"


DEFAULT_OFFSETS = (Offset(days=1, at=time(15, 0)), Offset(minutes=30))

_OFFSET_DAYS = re.compile(r"^(\d{1,2})\s*д\S*\s+(\d{1,2})[:.](\d{2})$")
_OFFSET_MINUTES = re.compile(r"^(\d{1,4})\s*(м|мин|ч|час|часа|часов)\.?$")


def parse_offsets(text: str) -> list[Offset] | None:
    """``"1д 15:00, 30м"`` -> the day before at 15:00 and 30 minutes before. None if any
    part is not understood; at most 5 reminders, at most 7 days ahead."""
    parts = [p.strip().lower() for p in re.split(r"[,;\n]+", text) if p.strip()]
    if not 1 <= len(parts) <= 5:
        return None
    found: list[Offset] = []
    for part in parts:
        if m := _OFFSET_DAYS.match(part):
            days, hour, minute = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if days > 7 or hour > 23 or minute > 59:
                return None
            found.append(Offset(days=days, at=time(hour, minute)))
        elif m := _OFFSET_MINUTES.match(part):
            amount = int(m.group(1)) * (60 if m.group(2).startswith("ч") else 1)
            if not 1 <= amount <= 7 * 24 * 60:
                return None
            found.append(Offset(minutes=amount))
        else:
            return None
    unique = {o.key: o for o in found}
    return list(unique.values())


def format_offsets(offsets: list[Offset]) -> str:
    return ", ".join(
        f"{o.days}д {o.at:%H:%M}" if o.at is not None else f"{o.minutes}м" for o in offsets
    )


def parse_slot(text: str) -> Slot | None:
    """``"ср 08:38"`` or ``"среда 8.38 60"`` (weekday, time, optional minutes)."""
    m = re.match(r"^\s*([а-яё]+)\s+(\d{1,2})[:.](\d{2})(?:\s+(\d{1,3}))?\s*$", text.lower())
    if not m:
        return None
    word = m.group(1)
    weekday = next((i for i, w in enumerate(WEEKDAYS) if word.startswith(w)), None)
    if weekday is None:
        weekday = next((i for i, w in enumerate(WEEKDAY_NAMES) if w.startswith(word)), None)
    hour, minute = int(m.group(2)), int(m.group(3))
    minutes = int(m.group(4) or 60)
    if weekday is None or hour > 23 or minute > 59 or not 15 <= minutes <= 240:
        return None
    return Slot(weekday, time(hour, minute), minutes)


# -- dates people type ------------------------------------------------------------------------

_WHEN = re.compile(
    r"^\s*(?:(сегодня|завтра|послезавтра)|(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?)"
    r"\s+(?:в\s+)?(\d{1,2})[:.](\d{2})\s*$"
)


def parse_when(text: str, now: datetime) -> datetime | None:
    """``"25.11 10:00"``, ``"25.11.2026 10:00"``, ``"завтра 9:30"`` in ``now``'s zone.

    A day and month without a year mean the next such date, so "05.01" typed in December
    is next January. Returns None for anything else or an impossible date.
    """
    m = _WHEN.match(text.lower())
    if not m or now.tzinfo is None:
        return None
    hour, minute = int(m.group(5)), int(m.group(6))
    if hour > 23 or minute > 59:
        return None
    today = now.date()
    try:
        if m.group(1):
            shift = {"сегодня": 0, "завтра": 1, "послезавтра": 2}[m.group(1)]
            day = today + timedelta(days=shift)
        else:
            d, mo = int(m.group(2)), int(m.group(3))
            if m.group(4):
                year = int(m.group(4))
                year += 2000 if year < 100 else 0
                day = date(year, mo, d)
            else:
                day = date(today.year, mo, d)
                if day < today:
                    day = date(today.year + 1, mo, d)
    except ValueError:
        return None
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


def human_date(day: date) -> str:
    """``"среда, 25 ноября"``."""
    return f"{WEEKDAY_NAMES[day.weekday()]}, {day.day} {MONTHS_GENITIVE[day.month - 1]}"


# -- .ics ---------------------------------------------------------------------------------


def _ics_escape(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """RFC 5545 lines are at most 75 octets; longer ones continue after CRLF and a space."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def render_ics(
    *,
    uid: str,
    start: datetime,
    minutes: int,
    summary: str,
    description: str = "",
    url: str | None = None,
    stamp: datetime,
) -> bytes:
    """A one-event calendar file that phones open in their calendar app."""
    fmt = "%Y%m%dT%H%M%SZ"
    utc = ZoneInfo("UTC")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//MCT Vologda//Training bot//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp.astimezone(utc):{fmt}}",
        f"DTSTART:{start.astimezone(utc):{fmt}}",
        f"DTEND:{(start + timedelta(minutes=minutes)).astimezone(utc):{fmt}}",
        f"SUMMARY:{_ics_escape(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_ics_escape(description)}")
    if url:
        lines.append(f"URL:{_ics_escape(url)}")
        lines.append(f"LOCATION:{_ics_escape(url)}")
    lines += [
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT15M",
        f"DESCRIPTION:{_ics_escape(summary)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    folded = [part for line in lines for part in _fold(line)]
    return ("\r\n".join(folded) + "\r\n").encode("utf-8")
