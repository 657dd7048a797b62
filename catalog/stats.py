"""Statistics as pure functions: moving averages, the linear trend, report periods.

The smoothing follows the moving-average methods of the statistics practice the centre
reports by. Interior points are plain (or weighted) averages of a window; the points a window
cannot be centred on get the practice's end formulas, counted from that end, so the smoothed
series is as long as the raw one and a chart has no gaps at its edges.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Method(StrEnum):
    SMA3 = "3"
    SMA5 = "5"
    WMA5 = "5w"


METHOD_TITLES = {
    Method.SMA3: "скользящая средняя по 3 точкам",
    Method.SMA5: "скользящая средняя по 5 точкам",
    Method.WMA5: "взвешенная скользящая средняя по 5 точкам",
}
MIN_POINTS = {Method.SMA3: 3, Method.SMA5: 5, Method.WMA5: 5}


def sma3(ys: Sequence[float]) -> list[float]:
    """y'(i) = (y(i-1) + y(i) + y(i+1)) / 3; at each end (7·y1 + 4·y2 − 2·y3) / 9."""
    _need(ys, 3)
    n = len(ys)
    out = [(ys[i - 1] + ys[i] + ys[i + 1]) / 3 for i in range(1, n - 1)]
    first = (7 * ys[0] + 4 * ys[1] - 2 * ys[2]) / 9
    last = (7 * ys[-1] + 4 * ys[-2] - 2 * ys[-3]) / 9
    return [first, *out, last]


def sma5(ys: Sequence[float]) -> list[float]:
    """y'(i) = (y(i-2) + … + y(i+2)) / 5. The two points at each end take the straight line
    fitted to the five points nearest that end: (3·y1 + 2·y2 + y3 − y5) / 5 for the first and
    (4·y1 + 3·y2 + 2·y3 + y4) / 10 for the second, counted from that end."""
    _need(ys, 5)
    n = len(ys)
    out = [sum(ys[i - 2 : i + 3]) / 5 for i in range(2, n - 2)]
    return [*_sma5_ends(ys), *out, *reversed(_sma5_ends(ys[::-1]))]


def _sma5_ends(ys: Sequence[float]) -> tuple[float, float]:
    return (
        (3 * ys[0] + 2 * ys[1] + ys[2] - ys[4]) / 5,
        (4 * ys[0] + 3 * ys[1] + 2 * ys[2] + ys[3]) / 10,
    )


def wma5(ys: Sequence[float]) -> list[float]:
    """y'(i) = (y(i-2) + 2·y(i-1) + 4·y(i) + 2·y(i+1) + y(i+2)) / 10; the first and last
    points (7·y1 + 5·y2 − y3 − y4) / 10, the second and second-to-last (3·y1 + 5·y2 + y3 + y4)
    / 10, counted from that end."""
    _need(ys, 5)
    n = len(ys)
    out = [
        (ys[i - 2] + 2 * ys[i - 1] + 4 * ys[i] + 2 * ys[i + 1] + ys[i + 2]) / 10
        for i in range(2, n - 2)
    ]
    return [*_wma5_ends(ys), *out, *reversed(_wma5_ends(ys[::-1]))]


def _wma5_ends(ys: Sequence[float]) -> tuple[float, float]:
    return (
        (7 * ys[0] + 5 * ys[1] - ys[2] - ys[3]) / 10,
        (3 * ys[0] + 5 * ys[1] + ys[2] + ys[3]) / 10,
    )


def _need(ys: Sequence[float], points: int) -> None:
    if len(ys) < points:
        raise ValueError(f"{points} points needed, {len(ys)} given")


_METHODS: dict[Method, Callable[[Sequence[float]], list[float]]] = {
    Method.SMA3: sma3,
    Method.SMA5: sma5,
    Method.WMA5: wma5,
}


@dataclass(frozen=True, slots=True)
class Smoothed:
    values: list[float]
    method: Method
    # Set when the series was too short for the method and the raw values came back.
    note: str = ""

    @property
    def smoothed(self) -> bool:
        return not self.note


def smooth(ys: Sequence[float], method: Method = Method.SMA3) -> Smoothed:
    """The smoothed series, or the raw one with a note when it is too short for the method."""
    need = MIN_POINTS[method]
    if len(ys) < need:
        note = (
            f"Для сглаживания ({METHOD_TITLES[method]}) нужно не меньше {need} точек, "
            f"есть {len(ys)}: показаны исходные данные."
        )
        return Smoothed([float(y) for y in ys], method, note)
    return Smoothed(_METHODS[method](ys), method)


def linear_trend(ys: Sequence[float]) -> list[float]:
    """The least-squares straight line through the points, evaluated at each of them."""
    n = len(ys)
    if n == 0:
        return []
    if n == 1:
        return [float(ys[0])]
    mean_x = (n - 1) / 2
    mean_y = sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(ys))
    slope = sxy / sxx
    return [mean_y + slope * (x - mean_x) for x in range(n)]


def coverage(trained: int, staff: int | None) -> float | None:
    """People trained as a percentage of the МО's staff; None when the staff is unknown."""
    if not staff or staff <= 0:
        return None
    return trained / staff * 100


# -- periods ----------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    WEEK = "w"
    MONTH = "m"
    QUARTER = "q"
    YEAR = "y"
    CUSTOM = "c"


# The longest custom period: three years, the depth the centre keeps comparing.
MAX_PERIOD_DAYS = 3 * 366
_MONTH_NAMES = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar days from ``start`` to ``end``, both included, in the centre's time zone."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        # «4 квартал», «2025 год»: ordinals, which agree with nothing.
        if self.kind is PeriodKind.QUARTER:
            quarter = (self.start.month - 1) // 3 + 1
            return f"{quarter} квартал {self.start.year}"
        if self.kind is PeriodKind.YEAR:
            year = self.start.year
            return f"{year} год"
        return f"{self.start:%d.%m.%Y} – {self.end:%d.%m.%Y}"

    @property
    def slug(self) -> str:
        """For file names: ``2026-11-01_2026-11-30``."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def shifted(self, steps: int) -> Period:
        """The same kind of period ``steps`` periods later (negative: earlier)."""
        if self.kind is PeriodKind.WEEK:
            return period_of(self.kind, self.start + timedelta(weeks=steps))
        if self.kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
            months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
            index = self.start.year * 12 + self.start.month - 1 + steps * months
            return period_of(self.kind, date(index // 12, index % 12 + 1, 1))
        return Period(
            self.kind,
            self.start + timedelta(days=steps * self.days),
            self.end + timedelta(days=steps * self.days),
        )


def period_of(kind: PeriodKind, day: date) -> Period:
    """The week (Monday to Sunday), month, quarter or year that holds ``day``."""
    if kind is PeriodKind.WEEK:
        monday = day - timedelta(days=day.weekday())
        return Period(kind, monday, monday + timedelta(days=6))
    if kind is PeriodKind.MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(kind, day.replace(day=1), day.replace(day=last))
    if kind is PeriodKind.QUARTER:
        first = (day.month - 1) // 3 * 3 + 1
        last = calendar.monthrange(day.year, first + 2)[1]
        return Period(kind, date(day.year, first, 1), date(day.year, first + 2, last))
    if kind is PeriodKind.YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(kind)


_DATE = r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2}|\d{4}))?"
_RANGE = re.compile(rf"(?:с\s+)?{_DATE}\s*(?:-|–|—|по|до)\s*{_DATE}")
_MONTH_WORD = re.compile(
    r"(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\s*(\d{4})?(?:\s*г(?:ода?)?\.?)?"
)
_YEAR = re.compile(r"(\d{4})(?:\s*г(?:ода?|\.)?)?")
_MONTH_PREFIXES = (
    "янв",
    "фев",
    "мар",
    "апр",
    "ма",
    "июн",
    "июл",
    "авг",
    "сен",
    "окт",
    "ноя",
    "дек",
)


def parse_period(text: str, today: date) -> Period | None:
    """A report period from what an admin types: «01.09.2026-30.11.2026», «1.09-30.11»,
    «сентябрь 2026», «сентябрь», «2025». A date without a year means this year. None when it
    cannot be understood, ends before it starts, or is longer than three years."""
    phrase = re.sub(r"\s+", " ", text[:100].strip().lower()).strip(" .")
    found: Period | None = None
    if m := _RANGE.fullmatch(phrase):
        start = _day(m.group(1), m.group(2), m.group(3), today)
        end = _day(m.group(4), m.group(5), m.group(6), today)
        if start is not None and end is not None:
            if m.group(3) is None and m.group(6) is None and end < start:
                # «1.12-31.01» spans the new year.
                start = start.replace(year=start.year - 1)
            found = Period(PeriodKind.CUSTOM, start, end)
    elif m := _MONTH_WORD.fullmatch(phrase):
        month = next(i for i, p in enumerate(_MONTH_PREFIXES, 1) if m.group(1).startswith(p))
        year = int(m.group(2)) if m.group(2) else today.year
        if m.group(2) is None and month > today.month:
            year -= 1  # «сентябрь» in a report means the last September
        if 2000 <= year <= 2100:
            found = period_of(PeriodKind.MONTH, date(year, month, 1))
    elif (m := _YEAR.fullmatch(phrase)) and 2000 <= int(m.group(1)) <= 2100:
        found = period_of(PeriodKind.YEAR, date(int(m.group(1)), 1, 1))
    if found is None or found.end < found.start or found.days > MAX_PERIOD_DAYS:
        return None
    return found


def _day(day: str, month: str, year: str | None, today: date) -> date | None:
    full = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, int(month), int(day))
    except ValueError:
        return None


def week_starts(start: date, end: date) -> list[date]:
    """The Mondays of every week that touches [start, end]."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(weeks=1)
    return weeks


def chart_weeks(period: Period, minimum: int = 26, today: date | None = None) -> list[date]:
    """The weeks a trend chart shows: the period's own, but never fewer than ``minimum``
    ending with it, because a week or a month alone is too few points for a trend. A period
    still running (``today`` inside it) ends with the week of ``today``: weeks to come have no
    downloads yet, and drawn as zeros they would read as a collapse."""
    end = period.end if today is None else min(period.end, today)
    if end < period.start:
        end = period.start
    weeks = week_starts(period.start, end)
    if len(weeks) < minimum:
        first = weeks[-1] - timedelta(weeks=minimum - 1)
        weeks = week_starts(first, end)
    return weeks


def week_running(monday: date, today: date) -> bool:
    """The week of ``monday`` has not ended yet (today is one of its days)."""
    return monday <= today < monday + timedelta(weeks=1)


def is_running(period: Period, today: date) -> bool:
    """``today`` is inside the period and not its last day: the period is not over."""
    return period.start <= today < period.end


def elapsed(period: Period, today: date) -> Period:
    """The part of the period up to ``today`` (the whole period once it is over)."""
    if not is_running(period, today):
        return period
    return Period(period.kind, period.start, today)


def previous_span(period: Period, today: date) -> Period:
    """What the period is compared with: the previous period of its kind; for a period still
    running, the same span at the start of the previous one (1–5 December with 1–5 November;
    1–31 March with the whole of February)."""
    before = period.shifted(-1)
    if not is_running(period, today):
        return before
    span = (today - period.start).days
    return Period(before.kind, before.start, min(before.start + timedelta(days=span), before.end))
