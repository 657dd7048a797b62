"""Training requests as a domain: formats, audiences, statuses and the one table of the
transitions allowed between them, and the parsing of what people type (dates in words, phone
numbers, head counts). Pure: no aiogram, no database.

The dates people type are read by our own parser. ``dateparser`` was measured (notes §7): it
reads «15.12» as a time of day, «15–19 декабря» as the year 2119 and has no ranges, which is
worse than not understanding; the phrases it does know («в пятницу», «через неделю») are
covered here, with a part of the day kept as a note («в пятницу утром»).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from catalog.schedule import is_working_day as is_working_day
from catalog.text import clean

MIN_PARTICIPANTS = 1
MAX_PARTICIPANTS = 500
# A preferred window longer than this is not a preference; dates further ahead are guesses.
MAX_RANGE_DAYS = 92
MAX_AHEAD_DAYS = 400
# «с завтрашнего дня» names no end: the window is this long.
OPEN_START_DAYS = 14
_RELATIVE_DAYS = {
    "сегодня": 0,
    "завтра": 1,
    "завтрашнего дня": 1,
    "послезавтра": 2,
    "послезавтрашнего дня": 2,
}


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
    WITHDRAWN = "withdrawn"  # the tutor took it back before it was approved

    @property
    def is_open(self) -> bool:
        """Waiting for the methodologists (the SLA clock runs)."""
        return self in (Status.NEW, Status.TAKEN)

    @property
    def is_final(self) -> bool:
        return self in (Status.APPROVED, Status.REJECTED, Status.WITHDRAWN)


class Action(StrEnum):
    """What happened to a request, for its audit trail."""

    CREATED = "created"
    TAKEN = "taken"
    APPROVED = "approved"
    CHANGES = "changes"
    REJECTED = "rejected"
    RESUBMITTED = "resubmitted"
    WITHDRAWN = "withdrawn"
    SLA_REMINDER = "sla_reminder"
    ERASED = "erased"
    HELD = "held"  # the actual participants and hours of its session were recorded


# -- the transitions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transition:
    """From which statuses an action may be taken, and the status it leaves. A resubmitted
    request goes back to whoever had it, or to the queue: its target depends on that."""

    sources: frozenset[Status]
    target: Status | None


_WAITING = frozenset({Status.NEW, Status.TAKEN})

# The one table of what may happen to a request in which status: the storage checks it inside
# the transaction that changes the status, the handlers ask it which buttons to offer.
TRANSITIONS: Mapping[Action, Transition] = MappingProxyType(
    {
        Action.TAKEN: Transition(_WAITING, Status.TAKEN),
        Action.CHANGES: Transition(_WAITING, Status.CHANGES),
        Action.APPROVED: Transition(_WAITING, Status.APPROVED),
        Action.REJECTED: Transition(_WAITING | {Status.CHANGES}, Status.REJECTED),
        Action.RESUBMITTED: Transition(frozenset({Status.CHANGES}), None),
        Action.WITHDRAWN: Transition(_WAITING | {Status.CHANGES}, Status.WITHDRAWN),
    }
)


def allowed(action: Action, status: Status) -> bool:
    """Whether ``action`` may be taken on a request in ``status``."""
    transition = TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


def next_status(action: Action, status: Status, *, assigned: bool) -> Status | None:
    """The status ``action`` leaves a request in, or None when it is not allowed from
    ``status``; ``assigned``: a methodologist has the request."""
    if not allowed(action, status):
        return None
    target = TRANSITIONS[action].target
    if target is None:
        return Status.TAKEN if assigned else Status.NEW
    return target


# -- phone ------------------------------------------------------------------------------------

# Russian numbers after +7: geographic codes start with 3, 4 or 8, mobile ones with 9.
_PHONE_FIRST = "3489"
# A phone inside a contact: it may open with a bracket, «(8172) 72-00-11».
_PHONE_IN_TEXT = re.compile(r"(\+?\(?\d[\d\s()\-.]{8,}\d)")
_CODE_IN_BRACKETS = re.compile(r"\((\d{3,5})\)")
# What people put before the number: «тел.», «телефон:», «т.».
_PHONE_WORD = re.compile(r"(?:,|\s)\s*(?:тел(?:ефон)?|т|моб(?:ильный)?)\.?:?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Phone:
    """A Russian number as stored (+7XXXXXXXXXX) and the length of its code (3 for a mobile
    or a city like 495, 4 for 8172, 5 for a district), which is what it takes to show the
    number the way people write it."""

    number: str
    code: int = 3

    @property
    def shown(self) -> str:
        return format_phone(self.number, self.code)


def parse_phone(text: str) -> Phone | None:
    """A Russian phone number, or None when it is not one.

    Accepts the ways people write them: +7 (921) 123-45-67, 8 921 1234567, 9211234567,
    8 (8172) 12-34-56, (8172) 72-00-11. The code is read from the brackets or the first group
    of digits; a number typed without either gets the usual length for its first digits.
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
    return Phone("+7" + digits, _code_length(raw, digits))


def _code_length(raw: str, national: str) -> int:
    if (bracket := _CODE_IN_BRACKETS.search(raw)) and national.startswith(bracket.group(1)):
        return len(bracket.group(1))
    groups = re.findall(r"\d+", raw)
    if sum(map(len, groups)) == 11:  # the country's 8 or 7 first
        groups[0] = groups[0][1:]
        groups = [g for g in groups if g]
    if len(groups) > 1 and 3 <= len(groups[0]) <= 5:
        return len(groups[0])
    if national[0] == "9" or national.startswith(("495", "499", "812")):
        return 3
    return 4


def phone_code(number: str | None) -> int:
    """How many digits of a stored +7XXXXXXXXXX are the code, when the form did not keep it
    (requests filed before it did): a mobile's 3, Moscow's and St Petersburg's 3, else 4 (the
    region's 8172...)."""
    national = (number or "").removeprefix("+7")
    return _code_length(national, national) if len(national) == 10 else 3


def normalise_phone(text: str) -> str | None:
    """A Russian phone number as +7XXXXXXXXXX, or None when it is not one."""
    phone = parse_phone(text)
    return phone.number if phone else None


def format_phone(number: str, code: int = 3) -> str:
    """How a stored number is shown: «+7 921 123-45-67» for a mobile, «(8172) 72-00-11» for
    a landline with its code; anything else as it is."""
    digits = number.removeprefix("+7")
    if not number.startswith("+7") or len(digits) != 10 or not digits.isdigit():
        return number
    if digits[0] == "9":
        return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    code = code if 3 <= code <= 5 else 4
    rest = digits[code:]
    head = rest[: len(rest) - 4]
    return f"({digits[:code]}) {head}-{rest[-4:-2]}-{rest[-2:]}"


def mask_phone(phone: str | None) -> str:
    """Enough of a number to tell two apart in a log, never the whole of it."""
    if not phone:
        return "-"
    return phone[:2] + "*" * max(len(phone) - 4, 0) + phone[-2:]


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: Phone


MAX_CONTACT_NAME = 100


def parse_contact(text: str) -> Contact | None:
    """«Петров Иван, (8172) 72-00-11» -> the name and the phone, kept whole; None if either
    is missing or the number is not a Russian one."""
    match = _PHONE_IN_TEXT.search(text)
    if match is None:
        return None
    phone = parse_phone(match.group(1))
    before = _PHONE_WORD.sub("", text[: match.start()])
    name = (before + " " + text[match.end() :]).strip(" ,;:-–—\n\t")
    name = re.sub(r"\s+", " ", name)
    if phone is None or not re.search(r"[A-Za-zА-Яа-яЁё]{2}", name):
        return None
    return Contact(name[:MAX_CONTACT_NAME], phone)


def split_contact(text: str) -> tuple[str, str] | None:
    """«Иванова Мария, +7 921 123-45-67» -> (name, +79211234567)."""
    contact = parse_contact(text)
    return (contact.name, contact.phone.number) if contact else None


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
    # A part of the day the tutor named with the dates: «утром», «днём», «вечером».
    note: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


_MONTHS = ("янв", "фев", "мар", "апр", "ма", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
_MONTH = r"(янв|фев|мар|апр|ма[йяе]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*"
_DAY_MONTH = re.compile(rf"(\d{{1,2}})\s*{_MONTH}")
_NUMERIC = re.compile(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?")
_SEPARATORS = re.compile(r"\s*(?:-|–|—|\bпо\b|\bдо\b)\s*")
# Weekdays in any case («в пятницу», «с пятницы», «пятница») and their short forms.
_WEEKDAY_STEMS = ("понедельн", "вторн", "сред", "четверг", "пятниц", "суббот", "воскресен")
_WEEKDAY_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
# Parts of the day, in what clean() leaves of them (ё is е), and how the note reads.
_PARTS = (
    (re.compile(r"\b(?:с утра|утром|в первой половине дня|до обеда)\b"), "утром"),
    (re.compile(r"\b(?:днем|в обед|после обеда|во второй половине дня)\b"), "днём"),
    (re.compile(r"\bвечером\b"), "вечером"),
)
_NUMBER_WORDS = {"пару": 2, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5}
_AFTER = re.compile(
    r"через (?:(\d{1,3}|пару|два|две|три|четыре|пять) )?"
    r"(день|дня|дней|неделю|недели|недель|месяц|месяца|месяцев)"
)
_WEEK = r"(?:на )?(следующей|этой) неделе"
_ON_WEEKDAY = re.compile(rf"(?:в|во) (?:(следующ|эт)[а-я]* )?([а-я]+)(?: {_WEEK})?")
_WEEK_THEN_DAY = re.compile(rf"{_WEEK},? (?:в|во) ([а-я]+)")


def _month_of(word: str) -> int:
    for index, prefix in enumerate(_MONTHS):
        if word.startswith(prefix):
            return index + 1
    raise ValueError(word)


def _weekday(word: str) -> int | None:
    if word in _WEEKDAY_SHORT:
        return _WEEKDAY_SHORT.index(word)
    return next((i for i, stem in enumerate(_WEEKDAY_STEMS) if word.startswith(stem)), None)


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
    start = max(date(year, month, 1), today + timedelta(days=1))
    return DateRange(start, date(year, month, calendar.monthrange(year, month)[1]))


def _part_of_day(phrase: str) -> tuple[str, str]:
    """The phrase without the part of the day it names, and that part as a note."""
    for pattern, note in _PARTS:
        if pattern.search(phrase):
            return re.sub(r"\s+", " ", pattern.sub(" ", phrase)).strip(" ,."), note
    return phrase, ""


def parse_dates(text: str, today: date) -> DateRange | None:
    """A preferred window from what a tutor types, or None if it cannot be understood.

    Understands «с 1 по 5 декабря», «1-5 декабря», «с 28 ноября по 3 декабря», «12 декабря»,
    «01.12–05.12», «12.12.2026», «завтра», «послезавтра», «с завтрашнего дня» (two weeks from
    then), «с завтра по пятницу», «в пятницу», «в следующий
    вторник», «в среду на следующей неделе», «с понедельника по среду», «через неделю»,
    «через 3 дня», «на следующей неделе», «на этой неделе», «в декабре», «в следующем месяце»,
    each with a part of the day if wanted («в пятницу утром»): it is kept as the note. Day and
    month alone mean their next occurrence. Dates start tomorrow at the earliest, as in the
    calendar; a window more than 92 days long or more than MAX_AHEAD_DAYS ahead is refused.
    """
    phrase = re.sub(r"\s+", " ", clean(text[:200])).strip(" .!,")
    phrase, note = _part_of_day(phrase)
    found = _parse(phrase, today)
    if found is None:
        return None
    if found.end < found.start and found.end.replace(year=found.end.year + 1) >= found.start:
        # «с 28 декабря по 5 января»: the end is in the next year.
        found = DateRange(found.start, found.end.replace(year=found.end.year + 1))
    if found.end < found.start or found.start <= today or found.days > MAX_RANGE_DAYS:
        return None
    if (found.start - today).days > MAX_AHEAD_DAYS:
        return None
    return DateRange(found.start, found.end, note)


def _day(day: date) -> DateRange:
    return DateRange(day, day)


def _parse(phrase: str, today: date) -> DateRange | None:
    monday = today - timedelta(days=today.weekday())
    if re.fullmatch(r"(на )?следующей неделе|след(ующая)?\.? неделя", phrase):
        start = monday + timedelta(weeks=1)
        return DateRange(start, start + timedelta(days=4))
    if re.fullmatch(r"(на )?этой неделе|эта неделя", phrase):
        friday = monday + timedelta(days=4)
        tomorrow = today + timedelta(days=1)
        return DateRange(tomorrow, friday) if friday >= tomorrow else None
    if re.fullmatch(r"(в )?следующем месяце|следующий месяц", phrase):
        nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        return DateRange(nxt, nxt.replace(day=calendar.monthrange(nxt.year, nxt.month)[1]))
    shift = {"сегодня": 0, "завтра": 1, "послезавтра": 2}.get(phrase)
    if shift is not None:
        return _day(today + timedelta(days=shift))
    if whole := re.fullmatch(rf"(в )?{_MONTH}", phrase):
        return _month_range(_month_of(whole.group(2)), today)
    if after := _after(phrase, today):
        return _day(after)
    if on := _on_weekday(phrase, monday, today):
        return _day(on)
    if re.fullmatch(
        r"(?:с|со) (?:завтрашнего дня|завтра|послезавтра)|начиная с завтра(?:шнего дня)?", phrase
    ):
        # «с завтрашнего дня»: any day from then on; two weeks, shown back to the tutor.
        since = today + timedelta(days=2 if "после" in phrase else 1)
        return DateRange(since, since + timedelta(days=OPEN_START_DAYS - 1))
    phrase = re.sub(r"^(с|со)\s+", "", phrase)
    parts = _SEPARATORS.split(phrase, maxsplit=1)
    if len(parts) == 1:
        day = _one_date(parts[0], None, today)
        return _day(day) if day else None
    first, second = parts
    if (weekday := _weekday(first.strip())) is not None:
        # «с понедельника по среду»: the next such days, the end on or after the start.
        since = _next_weekday(weekday, today)
        until = _one_date(second, since, today)
        return DateRange(since, until) if until else None
    end = _one_date(second, None, today)
    if end is None:
        return None
    # «1-5 декабря»: the first part borrows the month (and year) of the second.
    begin = _one_date(first, end, today)
    return DateRange(begin, end) if begin else None


def _next_weekday(weekday: int, after: date) -> date:
    """The first day with ``weekday`` strictly after ``after``."""
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _after(phrase: str, today: date) -> date | None:
    """«через неделю», «через 3 дня», «через месяц»."""
    m = _AFTER.fullmatch(phrase)
    if m is None:
        return None
    raw = m.group(1)
    count = 1 if raw is None else _NUMBER_WORDS.get(raw) or int(raw)
    unit = m.group(2)
    if unit.startswith("д"):
        return today + timedelta(days=count)
    if unit.startswith("н"):
        return today + timedelta(weeks=count)
    month = today.month - 1 + count
    year, month = today.year + month // 12, month % 12 + 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _on_weekday(phrase: str, monday: date, today: date) -> date | None:
    """«в пятницу», «в следующий вторник», «в среду на следующей неделе», «в эту пятницу»."""
    week: str | None = None
    if m := _WEEK_THEN_DAY.fullmatch(phrase):
        week, word = m.group(1), m.group(2)
    elif m := _ON_WEEKDAY.fullmatch(phrase):
        word = m.group(2)
        if m.group(1):
            week = "следующей" if m.group(1) == "следующ" else "этой"
        elif m.group(3):
            week = m.group(3)
    else:
        return None
    weekday = _weekday(word)
    if weekday is None:
        return None
    if week == "следующей":
        return monday + timedelta(weeks=1, days=weekday)
    if week == "этой":
        return monday + timedelta(days=weekday)
    return _next_weekday(weekday, today)


def _one_date(part: str, borrow: date | None, today: date) -> date | None:
    part = re.sub(r"^(?:в|во)\s+", "", part.strip())
    if (shift := _RELATIVE_DAYS.get(part)) is not None:
        return today + timedelta(days=shift)
    if m := re.fullmatch(_DAY_MONTH.pattern + r"(?:\s+(\d{4}))?(?:\s*г\.?)?", part):
        year = int(m.group(3)) if m.group(3) else None
        return _in_future(int(m.group(1)), _month_of(m.group(2)), today, year)
    if m := _NUMERIC.fullmatch(part):
        year = int(m.group(3)) if m.group(3) else None
        return _in_future(int(m.group(1)), int(m.group(2)), today, year)
    if (weekday := _weekday(part)) is not None:
        # After a start, a weekday is the first such day on or after it.
        return _next_weekday(weekday, (borrow or today + timedelta(days=1)) - timedelta(days=1))
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
