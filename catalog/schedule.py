"""Calendar logic for the weekly VKS 8.38 and scheduled posts: the slot, non-working days
(Russia's, from the ``holidays`` package, with the centre's own on top), reminder offsets, an
.ics invitation (through ``icalendar``) and the date-and-time phrases methodologists type.

Pure Python: times are computed in the configured zone and returned as aware datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
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


# -- non-working days ----------------------------------------------------------------------
#
# Russia's public holidays and the government's moved days off come from the ``holidays``
# package, year by year, so the calendar never runs out; ``data/holidays_local.txt`` keeps only
# what the centre decides on top of it (an extra day off, a working day). The package is
# imported on the first question, not at start-up (it costs ~0.1 s and ~15 MB), and each year
# is built once.

LOCAL_DAYS = "holidays_local.txt"
LOCAL_DAY_OFF = "выходной день учебного центра"
_LOCAL_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(выходной|рабочий|off|work)$")


@dataclass(frozen=True, slots=True)
class Year:
    """One year's non-working weekdays (with their names) and its working weekend days."""

    days_off: Mapping[date, str]
    working_weekends: frozenset[date]


def parse_local_days(text: str) -> dict[date, bool]:
    """``2027-12-30 выходной`` / ``2027-12-26 рабочий`` lines (``off``/``work`` too; a comment
    after ``#``) -> {day: is a day off}."""
    found: dict[date, bool] = {}
    for number, line in enumerate(text.splitlines(), 1):
        value = " ".join(line.split("#", 1)[0].split()).lower()
        if not value:
            continue
        m = _LOCAL_LINE.match(value)
        if m is None:
            raise ValueError(f"{LOCAL_DAYS}, line {number}: «{line.strip()}» is not understood")
        found[date.fromisoformat(m.group(1))] = m.group(2) in ("выходной", "off")
    return found


@cache
def _local_days() -> Mapping[date, bool]:
    text = resources.files("catalog.data").joinpath(LOCAL_DAYS).read_text("utf-8")
    return MappingProxyType(parse_local_days(text))


def build_year(year: int, local: Mapping[date, bool]) -> Year:
    """Russia's calendar of ``year`` with the centre's own days (``local``) applied."""
    import holidays as library  # the one import, on the first use (see above)

    russia = library.country_holidays("RU", years=year, language="ru")
    days_off = {d: str(name) for d, name in russia.items() if d.weekday() < 5}
    working = {d for d in russia.weekend_workdays if d.year == year}
    for day, off in local.items():
        if day.year != year:
            continue
        if off:
            working.discard(day)
            if day.weekday() < 5:
                days_off.setdefault(day, LOCAL_DAY_OFF)
        else:
            days_off.pop(day, None)
            if day.weekday() >= 5:
                working.add(day)
    return Year(MappingProxyType(days_off), frozenset(working))


@lru_cache(maxsize=16)
def year_calendar(year: int) -> Year:
    """This year's calendar as the bot uses it, built once."""
    return build_year(year, _local_days())


def days_off(year: int) -> frozenset[date]:
    """The weekdays of ``year`` nobody works: public holidays and the moved days off."""
    return frozenset(year_calendar(year).days_off)


def is_holiday(day: date) -> bool:
    """A weekday that is a public holiday or a day off moved onto it."""
    return day in year_calendar(day.year).days_off


def holiday_name(day: date) -> str | None:
    """«День народного единства», «Выходной (перенесено с 20.02.2027)»; None on other days."""
    return year_calendar(day.year).days_off.get(day)


def is_working_day(day: date) -> bool:
    """A weekday that is no holiday, or a weekend day the government (or the centre) made a
    working one, like Saturday 2027-02-20."""
    if day.weekday() >= 5:
        return day in year_calendar(day.year).working_weekends
    return not is_holiday(day)


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
    """A one-event calendar file that phones open in their calendar app.

    Times are written in UTC (``…Z``), so no VTIMEZONE is needed, which some phones reject
    when it is missing and others misread; the link goes both into URL and into LOCATION,
    because LOCATION is what phones show; a reminder 15 minutes before."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//MCT Vologda//Training bot//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", (start + timedelta(minutes=minutes)).astimezone(UTC))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
        event.add("location", url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(minutes=-15))
    alarm.add("description", summary)
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
