"""/stats views, trend charts, exports and the Monday digest, assembled from ``StatsRepo``:
plain async functions that return texts and files, no aiogram types.

A period still running (this month, this week) is read as it is: its numbers are compared
with the same span of the previous period, and its chart ends with the week of today.

Charts and workbooks are CPU work of a second or more on a big database, so they are made in
a worker thread: the event loop keeps answering everyone else meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from catalog.importer import to_csv, to_xlsx_book
from catalog.stats import (
    Method,
    Period,
    PeriodKind,
    chart_weeks,
    is_running,
    period_of,
    previous_span,
    smooth,
    week_running,
)
from handlers.stats import texts
from handlers.stats.charts import Chart, weekly_chart
from storage.db import Database
from storage.stats import (
    FAILED_SHOWN,
    MAX_RAW_ROWS,
    NEVER_SHOWN,
    DownloadReport,
    FailedSearch,
    StatsRepo,
    TrainingReport,
)

# МО listed in the message; the rest are in the export.
ORGS_SHOWN = 15
FAILED_IN_EXPORT = 500
SECTIONS = frozenset(texts.BTN_SECTIONS)


def heading(period: Period, today: date | None = None) -> str:
    running = today is not None and is_running(period, today)
    dates = texts.period_dates(period.start, period.end)
    return texts.heading(period.label, dates, through=today if running else None)


async def view(
    db: Database, tz: ZoneInfo, period: Period, section: str, today: date | None = None
) -> str:
    """The text of one /stats section for the period, or a polite "no data". ``today`` tells
    a period still running from one that is over."""
    head = heading(period, today)
    async with StatsRepo.open(db, tz) as stats:
        if section == "s":
            failed = await stats.failed_searches(period, limit=None)
            if not failed:
                return f"{head}\n\n{texts.NO_FAILED}"
            total = sum(f.count for f in failed)
            rows = [(f.query, f.count, f.users) for f in failed[:FAILED_SHOWN]]
            return texts.failed_view(head, rows, total)
        if section == "t":
            return await _training_view(stats, period, head)
        if section == "n":
            never = await stats.never_downloaded(period)
            if not never:
                return f"{head}\n\n{texts.NO_NEVER}"
            titles = [c.title for c in never[:NEVER_SHOWN]]
            return texts.never_view(head, titles, len(never))
        report = await stats.downloads(period)
        if report.empty:
            return f"{head}\n\n{texts.NO_DATA}"
        before = previous_span(period, today) if today is not None else period.shifted(-1)
        previous, _ = await stats.totals(before)
    running = today is not None and is_running(period, today)
    span = texts.short_span(before.start, before.end) if running else ""
    return _downloads_text(head, report, previous, span)


def _downloads_text(head: str, report: DownloadReport, previous: int, span: str) -> str:
    return texts.downloads_view(
        head,
        report.total,
        report.users,
        previous,
        span,
        [(c.title, c.count) for c in report.top],
        [(c.title, c.count) for c in report.by_topic],
        [(c.title, c.count) for c in report.by_kind],
        [(c.key, c.count) for c in report.by_channel],
        len(report.never),
    )


async def _training_view(stats: StatsRepo, period: Period, head: str) -> str:
    report = await stats.training(period)
    if report.empty:
        return f"{head}\n\n{texts.NO_TRAINING}"
    years, smoothed, note = await _coverage_years(stats, period)
    trained = [o for o in report.by_org if o.sessions]
    shown = trained[:ORGS_SHOWN]
    return texts.training_view(
        head,
        report.sessions,
        report.people,
        report.hours,
        report.awaiting,
        [(f.key, f.sessions, f.people, f.hours) for f in report.by_format],
        [(o.title, o.sessions, o.people, o.coverage) for o in shown],
        len(trained) - len(shown),
        len(report.by_org) - len(trained),
        (report.open_sessions.sessions, report.open_sessions.people),
        years,
        smoothed,
        note,
    )


async def _coverage_years(
    stats: StatsRepo, period: Period
) -> tuple[list[tuple[int, float]], list[float] | None, str]:
    """The region's coverage for every year from the first session to the period's end,
    with its 3-point moving average when there are enough years for one."""
    first = await stats.first_session_year()
    last = period.end.year
    if first is None or first > last:
        return [], None, ""
    years = [(y.year, y.percent) for y in await stats.coverage_by_year(first, last)]
    result = smooth([v for _, v in years], Method.SMA3)
    return years, (result.values if result.smoothed else None), result.note


# -- charts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartView:
    chart: Chart
    caption: str


async def scope_title(db: Database, tz: ZoneInfo, scope: str) -> str | None:
    """What a chart is about: the catalog, a direction or one material; None if unknown."""
    if not scope:
        return texts.BTN_CHART_ALL
    async with StatsRepo.open(db, tz) as stats:
        if scope.startswith("#"):
            return await stats.material_title(int(scope[1:])) if scope[1:].isdigit() else None
        return await stats.topic_title(scope)


async def chart(
    db: Database,
    tz: ZoneInfo,
    period: Period,
    scope: str,
    method: Method,
    today: date | None = None,
) -> ChartView | None:
    """The weekly chart for the scope, or None when those weeks had no downloads at all. It
    ends with the week of ``today`` when the period is still running."""
    title = await scope_title(db, tz, scope)
    if title is None:
        return None
    weeks = chart_weeks(period, today=today)
    async with StatsRepo.open(db, tz) as stats:
        if scope.startswith("#"):
            values = await stats.weekly(weeks, material_id=int(scope[1:]))
        elif scope:
            values = await stats.weekly(weeks, topic=scope)
        else:
            values = await stats.weekly(weeks)
    if not any(values):
        return None
    running = today is not None and week_running(weeks[-1], today)
    drawn = await asyncio.to_thread(weekly_chart, title, weeks, values, method, running=running)
    last = weeks[-1] + timedelta(days=6)
    if today is not None:
        last = min(last, today)
    label = texts.period_dates(weeks[0], last)
    return ChartView(drawn, texts.chart_caption(title, label, sum(values), drawn.note, running))


# -- exports ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    xlsx: bytes
    summary_csv: bytes
    downloads_csv: bytes
    downloads: int
    sessions: int
    truncated: bool


async def export(db: Database, tz: ZoneInfo, period: Period) -> Export | None:
    """The period as a workbook (summary, training by МО, raw downloads, sessions) and two
    CSV files; None when the period has neither downloads nor sessions."""
    async with StatsRepo.open(db, tz) as stats:
        report = await stats.downloads(period)
        training = await stats.training(period)
        failed = await stats.failed_searches(period, limit=FAILED_IN_EXPORT)
        years, smoothed, _ = await _coverage_years(stats, period)
        raw = await stats.raw_downloads(period, MAX_RAW_ROWS + 1)
        sessions = await stats.raw_sessions(period)
    if report.empty and not sessions:
        return None
    truncated = len(raw) > MAX_RAW_ROWS
    raw = raw[:MAX_RAW_ROWS]
    summary = _summary_rows(period, report, training, failed_rows(failed), years, smoothed)
    orgs = [list(texts.ORGS_HEADER)] + [
        [o.title, o.sessions, o.people, o.hours, o.staff, _rounded(o.coverage)]
        for o in training.by_org
    ]
    downloads = [list(texts.DOWNLOADS_HEADER)] + [
        [*r[:5], texts.CHANNEL_TITLES.get(r[5], r[5])] for r in raw
    ]
    sheets: list[tuple[str, list[list[Any]]]] = [
        (texts.SHEET_SUMMARY, summary),
        (texts.SHEET_ORGS, orgs),
        (texts.SHEET_DOWNLOADS, downloads),
        (texts.SHEET_SESSIONS, [list(texts.SESSIONS_HEADER), *sessions]),
    ]
    xlsx, summary_csv, downloads_csv = await asyncio.to_thread(
        lambda: (to_xlsx_book(sheets), to_csv(summary), to_csv(downloads))
    )
    return Export(xlsx, summary_csv, downloads_csv, len(raw), len(sessions), truncated)


def failed_rows(failed: list[FailedSearch]) -> list[tuple[str, int]]:
    return [(f.query, f.count) for f in failed]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _summary_rows(
    period: Period,
    report: DownloadReport,
    training: TrainingReport,
    failed: list[tuple[str, int]],
    years: list[tuple[int, float]],
    smoothed: list[float] | None,
) -> list[list[Any]]:
    rows: list[list[Any]] = [list(texts.SUMMARY_HEADER)]
    rows += [["Период", "С", period.start], ["Период", "По", period.end]]
    rows += [["Скачивания", "Всего", report.total], ["Скачивания", "Людей", report.users]]
    rows += [["Топ-10 материалов", c.title, c.count] for c in report.top]
    rows += [["По направлениям", c.title, c.count] for c in report.by_topic]
    rows += [["По видам", c.title, c.count] for c in report.by_kind]
    rows += [
        ["По каналам", texts.CHANNEL_TITLES.get(c.key, c.key), c.count] for c in report.by_channel
    ]
    rows += [["Ни разу не скачали", c.title, 0] for c in report.never]
    rows += [["Искали и не нашли", query, count] for query, count in failed]
    rows += [
        ["Обучение", "Проведено занятий", training.sessions],
        ["Обучение", "Обучено, чел.", training.people],
        ["Обучение", "Академических часов", round(training.hours, 2)],
        ["Обучение", "Ждут итогов", training.awaiting],
    ]
    for f in training.by_format:
        title = texts.FORMAT_TITLES.get(f.key, f.key)
        rows += [
            ["По форматам", f"{title}: занятий", f.sessions],
            ["По форматам", f"{title}: обучено, чел.", f.people],
            ["По форматам", f"{title}: ак. часов", round(f.hours, 2)],
        ]
    rows += [["Охват региона по годам, %", str(y), round(v, 2)] for y, v in years]
    if smoothed is not None:
        rows += [
            ["Охват, сглаженный по 3 точкам, %", str(y), round(v, 2)]
            for (y, _), v in zip(years, smoothed, strict=True)
        ]
    return rows


# -- the Monday digest ------------------------------------------------------------------------


def last_week(today: date) -> Period:
    return period_of(PeriodKind.WEEK, today - timedelta(weeks=1))


def week_of(monday: date) -> Period:
    return period_of(PeriodKind.WEEK, monday)


async def digest_caption(db: Database, tz: ZoneInfo, week: Period) -> str:
    async with StatsRepo.open(db, tz) as stats:
        report = await stats.downloads(week)
        previous, _ = await stats.totals(week.shifted(-1))
        failed = await stats.failed_searches(week, limit=3)
        training = await stats.training(week)
    return texts.digest(
        texts.period_dates(week.start, week.end),
        report.total,
        previous,
        report.users,
        [(c.title, c.count) for c in report.top[:3]],
        failed_rows(failed),
        training.sessions,
        training.people,
    )


async def digest_chart(db: Database, tz: ZoneInfo, week: Period, today: date) -> bytes | None:
    found = await chart(db, tz, week, "", Method.SMA3, today)
    return found.chart.png if found else None
