"""Training requests as a domain: formats, audiences, statuses, and the parsing of what a tutor
types (dates in words, phone numbers, head counts). Pure: no aiogram, no database."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from catalog.schedule import is_working_day as is_working_day
from catalog.text import clean

MIN_PARTICIPANTS = 1
MAX_PARTICIPANTS = 500
# A preferred window longer than this is not a preference; dates further ahead are guesses.
MAX_RANGE_DAYS = 92
MAX_AHEAD_DAYS = 400


class Format(StrEnum):
    WEBINAR = "webinar"
    VKS = "vks"
    DESANT = "desant"
    CENTRE = "centre"


class Audience(StrEnum):
    DOCTORS = "doc"
    NURSES = "nurse"
    IT = "it"
    STATISTICIANS = "stat"
    HR = "hr"
    ECONOMISTS = "econ"
    HEADS = "head"


class Status(StrEnum):
    NEW = "new"
    TAKEN = "taken"
    CHANGES = "changes"  # back with the tutor, who edits and resubmits
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Waiting for the methodologists (the SLA clock runs)."""
        return self in (Status.NEW, Status.TAKEN)

    @property
    def is_final(self) -> bool:
        return self in (Status.APPROVED, Status.REJECTED)


class Action(StrEnum):
    """What happened to a request, for its audit trail."""

    CREATED = "created"
    TAKEN = "taken"
    APPROVED = "approved"
    CHANGES = "changes"
    REJECTED = "rejected"
    RESUBMITTED = "resubmitted"
    SLA_REMINDER = "sla_reminder"
    ERASED = "erased"
    HELD = "held"  # the actual participants and hours of its session were recorded


# -- phone ------------------------------------------------------------------------------------

# Russian numbers after +7: geographic codes start with 3, 4 or 8, mobile ones with 9.
_PHONE_FIRST = "3489"


def normalise_phone(text: str) -> str | None:
    """A Russian phone number as +7XXXXXXXXXX, or None when it is not one.

    Accepts the ways people write them: +7 (921) 123-45-67, 8 921 1234567, 9211234567,
    8 (8172) 12-34-56.
    """
    raw = text.strip()
    if len(raw) > 40 or re.search(r"[^\d\s()+\-.]", raw):
        return None
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    elif len(digits) != 10:
        return None
    if raw.startswith("+") and not raw.startswith("+7"):
        return None
    if digits[0] not in _PHONE_FIRST:
        return None
    return "+7" + digits


def mask_phone(phone: str | None) -> str:
    """Enough of a number to tell two apart in a log, never the whole of it."""
    if not phone:
        return "-"
    return phone[:2] + "*" * max(len(phone) - 4, 0) + phone[-2:]


def split_contact(text: str) -> tuple[str, str] | None:
    """«Иванова Мария, +7 921 123-45-67» -> (name, +79211234567); None if either is missing
    or the number is not a Russian one."""
    match = re.search(r"(\+?\d[\d\s()\-.]{8,}\d)", text)
    if match is None:
        return None
    phone = normalise_phone(match.group(1))
    name = (text[: match.start()] + " " + text[match.end() :]).strip(" ,;:-–—\n\t")
    name = re.sub(r"\s+", " ", name)
    if phone is None or not re.search(r"[A-Za-zА-Яа-яЁё]{2}", name):
        return None
    return name, phone


# -- participants -----------------------------------------------------------------------------


def parse_participants(text: str) -> int | None:
    """The head count in «25», «25 человек», «около 30»; None when there is no number."""
    numbers = re.findall(r"\d+", text.strip()[:50])
    if len(numbers) != 1 or len(numbers[0]) > 6:
        return None
    return int(numbers[0])


# -- dates ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


_MONTHS = ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
_MONTH = r"(янв|фев|мар|апр|ма[йяе]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*"
_DAY_MONTH = re.compile(rf"(\d{{1,2}})\s*{_MONTH}")
_NUMERIC = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?")
_SEPARATORS = re.compile(r"\s*(?:-|–|—|по|до)\s*")


def _month_of(word: str) -> int:
    for index, prefix in enumerate(_MONTHS):
        if word.startswith(prefix):
            return index + 1
    raise ValueError(word)


def _in_future(day: int, month: int, today: date, year: int | None = None) -> date | None:
    """A day and month without a year mean their next occurrence from today."""
    try:
        if year is not None:
            return date(year if year > 100 else 2000 + year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _month_range(month: int, today: date) -> DateRange:
    year = today.year if month >= today.month else today.year + 1
    start = max(date(year, month, 1), today)
    return DateRange(start, date(year, month, calendar.monthrange(year, month)[1]))


def parse_dates(text: str, today: date) -> DateRange | None:
    """A preferred window from what a tutor types, or None if it cannot be understood.

    Understands «с 1 по 5 декабря», «1-5 декабря», «с 28 ноября по 3 декабря», «12 декабря»,
    «01.12–05.12», «12.12.2026», «на следующей неделе», «на этой неделе», «в декабре»,
    «в следующем месяце», «завтра». Day and month alone mean their next occurrence. A window
    in the past, more than 92 days long, or more than a year ahead is refused.
    """
    phrase = re.sub(r"\s+", " ", clean(text[:200])).strip(" .!")
    found = _parse(phrase, today)
    if found is None:
        return None
    if found.end < found.start and found.end.replace(year=found.end.year + 1) >= found.start:
        # «с 28 декабря по 5 января»: the end is in the next year.
        found = DateRange(found.start, found.end.replace(year=found.end.year + 1))
    if found.end < found.start or found.start < today or found.days > MAX_RANGE_DAYS:
        return None
    if (found.start - today).days > MAX_AHEAD_DAYS:
        return None
    return found


def _parse(phrase: str, today: date) -> DateRange | None:
    monday = today - timedelta(days=today.weekday())
    if re.fullmatch(r"(на )?следующей неделе|след(ующая)?\.? неделя", phrase):
        start = monday + timedelta(weeks=1)
        return DateRange(start, start + timedelta(days=4))
    if re.fullmatch(r"(на )?этой неделе|эта неделя", phrase):
        friday = monday + timedelta(days=4)
        return DateRange(today, friday if friday >= today else today)
    if re.fullmatch(r"(в )?следующем месяце|следующий месяц", phrase):
        nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return DateRange(nxt, nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1]))
    if phrase == "завтра":
        return DateRange(today + timedelta(days=1), today + timedelta(days=1))
    if phrase == "послезавтра":
        return DateRange(today + timedelta(days=2), today + timedelta(days=2))
    if whole := re.fullmatch(rf"(в )?{_MONTH}", phrase):
        return _month_range(_month_of(whole.group(2)), today)
    phrase = re.sub(r"^(с|со)\s+", "", phrase)
    parts = _SEPARATORS.split(phrase, maxsplit=1)
    if len(parts) == 1:
        day = _one_date(parts[0], None, today)
        return DateRange(day, day) if day else None
    first, second = parts
    end = _one_date(second, None, today)
    if end is None:
        return None
    # «1-5 декабря»: the first part borrows the month (and year) of the second.
    begin = _one_date(first, end, today)
    return DateRange(begin, end) if begin else None


def _one_date(part: str, borrow: date | None, today: date) -> date | None:
    part = part.strip()
    if m := re.fullmatch(_DAY_MONTH.pattern + r"(?:\s+(\d{4}))?(?:\s*г\.?)?", part):
        year = int(m.group(3)) if m.group(3) else None
        return _in_future(int(m.group(1)), _month_of(m.group(2)), today, year)
    if m := _NUMERIC.fullmatch(part):
        year = int(m.group(3)) if m.group(3) else None
        return _in_future(int(m.group(1)), int(m.group(2)), today, year)
    if borrow is not None and (m := re.fullmatch(r"(\d{1,2})", part)):
        try:
            return borrow.replace(day=int(m.group(1)))
        except ValueError:
            return None
    return None


# -- working days -----------------------------------------------------------------------------


def add_working_days(moment: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same time of day ``days`` working days later: weekends and public holidays are not
    counted (a working Saturday is), so a request filed on Friday evening with a two-day SLA is
    due Tuesday evening."""
    local = moment.astimezone(tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, local.time(), tzinfo=tz)


def day_before(day: date, at: time, tz: ZoneInfo) -> datetime:
    """When a tutor is reminded of a session: the previous calendar day at ``at``."""
    return datetime.combine(day - timedelta(days=1), at, tzinfo=tz)


# -- what methodologists type -----------------------------------------------------------------

MIN_HOURS = 0.5
MAX_HOURS = 80.0
# A session may be recorded after the fact, but not from a forgotten year.
SESSION_PAST_DAYS = 60


def parse_session_day(text: str, today: date) -> date | None:
    """«10.12» or «10.12.2026»: without a year, the nearest such date from 60 days ago on."""
    m = re.fullmatch(r"\s*(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?\s*", text)
    if m is None:
        return None
    day, month = int(m.group(1)), int(m.group(2))
    try:
        if m.group(3):
            year = int(m.group(3))
            found = date(year + 2000 if year < 100 else year, month, day)
        else:
            found = date(today.year, month, day)
            if found < today - timedelta(days=SESSION_PAST_DAYS):
                found = date(today.year + 1, month, day)
    except ValueError:
        return None
    if not today - timedelta(days=SESSION_PAST_DAYS) <= found <= today + timedelta(days=366):
        return None
    return found


def parse_clock(text: str) -> time | None:
    m = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        return None
    return time(int(m.group(1)), int(m.group(2)))


def parse_hours(text: str) -> float | None:
    m = re.fullmatch(r"\s*(\d{1,2}(?:[.,]\d{1,2})?)\s*(?:ч|час[а-я]*|ак\.?\s*ч\.?)?\s*", text)
    if m is None:
        return None
    hours = float(m.group(1).replace(",", "."))
    return hours if MIN_HOURS <= hours <= MAX_HOURS else None


def parse_results(text: str) -> tuple[int, float] | None:
    """«25 2» or «25 чел., 2,5 ч» -> (25, 2.5): people trained and academic hours."""
    numbers = re.findall(r"\d+(?:[.,]\d+)?", text[:100])
    if len(numbers) != 2 or not numbers[0].isdigit():
        return None
    people = int(numbers[0])
    hours = parse_hours(numbers[1])
    if not MIN_PARTICIPANTS <= people <= MAX_PARTICIPANTS or hours is None:
        return None
    return people, hours
