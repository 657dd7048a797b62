"""/stats views, trend charts, exports and the Monday digest, assembled from ``StatsRepo``.

Charts and workbooks are CPU work of a second or more on a big database, so they are made in
a worker thread: the event loop keeps answering everyone else meanwhile.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile

from bot import texts
from bot.charts import Chart, weekly_chart
from bot.delivery import RenderContext, Rendered, Renderer
from bot.keyboards import digest_kb
from catalog.importer import to_csv, to_xlsx_book
from catalog.stats import Method, Period, PeriodKind, chart_weeks, period_of, smooth
from storage.announcements import Announcement
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

# An outbox row whose content.buttons starts with this is a digest: the engine draws its chart.
# МО listed in the message; the rest are in the export.
ORGS_SHOWN = 15
FAILED_IN_EXPORT = 500


def heading(period: Period) -> str:
    return texts.stats_heading(period.label, texts.period_dates(period.start, period.end))


async def view(db: Database, tz: ZoneInfo, period: Period, section: str) -> str:
    """The text of one /stats section for the period, or a polite "no data"."""
    async with StatsRepo.open(db, tz) as stats:
        if section == "s":
            failed = await stats.failed_searches(period, limit=None)
            if not failed:
                return f"{heading(period)}\n\n{texts.STATS_NO_FAILED}"
            total = sum(f.count for f in failed)
            rows = [(f.query, f.count, f.users) for f in failed[:FAILED_SHOWN]]
            return texts.stats_failed(heading(period), rows, total)
        if section == "t":
            return await _training_view(stats, period)
        if section == "n":
            never = await stats.never_downloaded(period)
            if not never:
                return f"{heading(period)}\n\n{texts.STATS_NO_NEVER}"
            titles = [c.title for c in never[:NEVER_SHOWN]]
            return texts.stats_never(heading(period), titles, len(never))
        report = await stats.downloads(period)
        if report.empty:
            return f"{heading(period)}\n\n{texts.STATS_NO_DATA}"
        previous, _ = await stats.totals(period.shifted(-1))
        return _downloads_text(heading(period), report, previous)


def _downloads_text(head: str, report: DownloadReport, previous: int) -> str:
    return texts.stats_downloads(
        head,
        report.total,
        report.users,
        previous,
        [(c.title, c.count) for c in report.top],
        [(c.title, c.count) for c in report.by_topic],
        [(c.title, c.count) for c in report.by_kind],
        [(c.key, c.count) for c in report.by_channel],
        len(report.never),
    )


async def _training_view(stats: StatsRepo, period: Period) -> str:
    report = await stats.training(period)
    if report.empty:
        return f"{heading(period)}\n\n{texts.STATS_NO_TRAINING}"
    years, smoothed, note = await _coverage_years(stats, period)
    trained = [o for o in report.by_org if o.sessions]
    shown = trained[:ORGS_SHOWN]
    return texts.stats_training(
        heading(period),
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
    db: Database, tz: ZoneInfo, period: Period, scope: str, method: Method
) -> ChartView | None:
    """The weekly chart for the scope, or None when those weeks had no downloads at all."""
    title = await scope_title(db, tz, scope)
    if title is None:
        return None
    weeks = chart_weeks(period)
    async with StatsRepo.open(db, tz) as stats:
        if scope.startswith("#"):
            values = await stats.weekly(weeks, material_id=int(scope[1:]))
        elif scope:
            values = await stats.weekly(weeks, topic=scope)
        else:
            values = await stats.weekly(weeks)
    if not any(values):
        return None
    drawn = await asyncio.to_thread(weekly_chart, title, weeks, values, method)
    label = texts.period_dates(weeks[0], weeks[-1] + timedelta(days=6))
    return ChartView(drawn, texts.chart_caption(title, label, sum(values), drawn.note))


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
    orgs = [list(texts.REPORT_ORGS_HEADER)] + [
        [o.title, o.sessions, o.people, o.hours, o.staff, _rounded(o.coverage)]
        for o in training.by_org
    ]
    downloads = [list(texts.REPORT_DOWNLOADS_HEADER)] + [
        [*r[:5], texts.CHANNEL_TITLES.get(r[5], r[5])] for r in raw
    ]
    sheets: list[tuple[str, list[list[Any]]]] = [
        (texts.REPORT_SHEET_SUMMARY, summary),
        (texts.REPORT_SHEET_ORGS, orgs),
        (texts.REPORT_SHEET_DOWNLOADS, downloads),
        (texts.REPORT_SHEET_SESSIONS, [list(texts.REPORT_SESSIONS_HEADER), *sessions]),
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
    rows: list[list[Any]] = [list(texts.REPORT_SUMMARY_HEADER)]
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


async def digest_chart(db: Database, tz: ZoneInfo, week: Period) -> bytes | None:
    found = await chart(db, tz, week, "", Method.SMA3)
    return found.chart.png if found else None


def digest_renderer(db: Database) -> Renderer:
    async def render(announcement: Announcement, ctx: RenderContext) -> Rendered:
        """The digest's caption with its chart, drawn and uploaded once for all the admins."""
        content = announcement.content
        key = f"digest:{announcement.id}"
        uploaded = ctx.uploaded.get(key)
        if uploaded is not None:
            return Rendered(content.text, digest_kb(), photo=uploaded)
        week = date.fromisoformat(content.ref)
        png = await digest_chart(db, ctx.tz, period_of_week(week))
        if png is None:
            # Half a year without a download: a chart of zeros says nothing.
            return Rendered(content.text, digest_kb())
        photo = BufferedInputFile(png, f"digest-{week.isoformat()}.png")
        return Rendered(content.text, digest_kb(), photo=photo, upload_key=key)

    return render


def period_of_week(monday: date) -> Period:
    return period_of(PeriodKind.WEEK, monday)
