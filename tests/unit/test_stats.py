"""Statistics: smoothing on the published series, periods, aggregates on a known event set
(exact numbers), the chart picture, the workbook, and empty periods."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot import ui
from catalog.model import Kind, MaterialInput
from catalog.requests import Format
from catalog.stats import (
    Method,
    Period,
    PeriodKind,
    chart_weeks,
    elapsed,
    is_running,
    linear_trend,
    parse_period,
    period_of,
    previous_span,
    sma3,
    sma5,
    smooth,
    week_running,
    wma5,
)
from handlers.stats import service, texts
from handlers.stats.charts import HEIGHT_PX, WIDTH_PX, weekly_chart
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.requests import SessionInput, SessionRepo
from storage.stats import StatsRepo

MSK = ZoneInfo("Europe/Moscow")
# Attestation ratios from the statistics practice's worked example.
PUBLISHED = [9.2, 10.2, 13, 15, 18, 13, 14, 15]
NOVEMBER = Period(PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 30))


def rounded(values: list[float]) -> list[float]:
    return [round(v, 1) for v in values]


# -- smoothing --------------------------------------------------------------------------------


def test_three_point_average_matches_the_published_values() -> None:
    smoothed = sma3(PUBLISHED)
    assert rounded(smoothed[1:-1]) == [10.8, 12.7, 15.3, 15.3, 15.0, 14.0]
    # Ends: (7·y1 + 4·y2 − 2·y3) / 9 from each end.
    assert smoothed[0] == pytest.approx((7 * 9.2 + 4 * 10.2 - 2 * 13) / 9)
    assert smoothed[0] == pytest.approx(8.8)
    assert smoothed[-1] == pytest.approx((7 * 15 + 4 * 14 - 2 * 13) / 9)
    assert len(smoothed) == len(PUBLISHED)


def test_five_point_average_matches_the_published_values() -> None:
    smoothed = sma5(PUBLISHED)
    assert rounded(smoothed[2:-2]) == [13.1, 13.8, 14.6, 15.0]
    assert smoothed[0] == pytest.approx((3 * 9.2 + 2 * 10.2 + 13 - 18) / 5)
    assert smoothed[1] == pytest.approx((4 * 9.2 + 3 * 10.2 + 2 * 13 + 15) / 10)
    assert smoothed[-1] == pytest.approx((3 * 15 + 2 * 14 + 13 - 15) / 5)
    assert smoothed[-2] == pytest.approx((4 * 15 + 3 * 14 + 2 * 13 + 18) / 10)


def test_weighted_five_point_average_matches_the_published_values() -> None:
    smoothed = wma5(PUBLISHED)
    assert round(smoothed[2], 1) == 13.0
    assert smoothed[0] == pytest.approx((7 * 9.2 + 5 * 10.2 - 13 - 15) / 10)
    assert smoothed[1] == pytest.approx((3 * 9.2 + 5 * 10.2 + 13 + 15) / 10)
    assert smoothed[-1] == pytest.approx((7 * 15 + 5 * 14 - 13 - 18) / 10)
    assert smoothed[-2] == pytest.approx((3 * 15 + 5 * 14 + 13 + 18) / 10)
    assert smoothed[3] == pytest.approx((10.2 + 2 * 13 + 4 * 15 + 2 * 18 + 13) / 10)


@pytest.mark.parametrize(
    ("values", "method", "needed"),
    [
        ([], Method.SMA3, 3),
        ([4, 5], Method.SMA3, 3),
        ([1, 2, 3, 4], Method.SMA5, 5),
        ([7], Method.WMA5, 5),
    ],
)
def test_too_short_series_come_back_raw_with_a_note(
    values: list[float], method: Method, needed: int
) -> None:
    result = smooth(values, method)
    assert result.values == [float(v) for v in values]
    assert not result.smoothed
    assert f"не меньше {needed} точек" in result.note


def test_linear_trend_is_the_least_squares_line() -> None:
    assert linear_trend([1, 3, 2, 4]) == pytest.approx([1.3, 2.1, 2.9, 3.7])
    assert linear_trend([5]) == [5.0]
    assert linear_trend([]) == []


# -- periods ----------------------------------------------------------------------------------


def test_periods_and_their_neighbours() -> None:
    quarter = period_of(PeriodKind.QUARTER, date(2026, 11, 23))
    assert (quarter.start, quarter.end, quarter.label) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "4 квартал 2026",
    )
    assert quarter.shifted(-1).label == "3 квартал 2026"
    january = period_of(PeriodKind.MONTH, date(2027, 1, 15))
    assert january.shifted(-1).label == "декабрь 2026"
    week = period_of(PeriodKind.WEEK, date(2026, 11, 25))
    assert (week.start, week.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert week.shifted(1).start == date(2026, 11, 30)
    custom = Period(PeriodKind.CUSTOM, date(2026, 11, 1), date(2026, 11, 10))
    assert custom.shifted(-1) == Period(PeriodKind.CUSTOM, date(2026, 10, 22), date(2026, 10, 31))
    assert len(chart_weeks(week)) == 26
    assert chart_weeks(week)[-1] == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("01.09.2026-30.11.2026", date(2026, 9, 1), date(2026, 11, 30)),
        ("с 1.09 по 30.11", date(2026, 9, 1), date(2026, 11, 30)),
        ("1.12-31.01", date(2025, 12, 1), date(2026, 1, 31)),
        ("Сентябрь 2025", date(2025, 9, 1), date(2025, 9, 30)),
        ("декабрь", date(2025, 12, 1), date(2025, 12, 31)),
        ("2025 год", date(2025, 1, 1), date(2025, 12, 31)),
    ],
)
def test_custom_periods_are_understood(typed: str, start: date, end: date) -> None:
    found = parse_period(typed, date(2026, 11, 23))
    assert found is not None
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize(
    "typed",
    ["", "вчера", "31.02.2026-01.03.2026", "01.01.2020-01.01.2026", "<b>2026</b>", "1" * 10_000],
)
def test_nonsense_periods_are_refused(typed: str) -> None:
    assert parse_period(typed, date(2026, 11, 23)) is None


# -- a small known event set ------------------------------------------------------------------


def utc(local: datetime) -> str:
    return local.replace(tzinfo=MSK).astimezone(UTC).isoformat(timespec="seconds")


async def add_download(db: Database, material: int, user: int, channel: str, at: str) -> None:
    await db.execute(
        "INSERT INTO downloads (material_id, user_id, chat_id, channel, at) VALUES (?, ?, ?, ?, ?)",
        (material, user, user, channel, at),
    )
    await db.execute("UPDATE materials SET downloads = downloads + 1 WHERE id = ?", (material,))


async def add_search(
    db: Database, user: int, query: str, normalised: str, results: int, at: str
) -> None:
    await db.execute(
        "INSERT INTO searches (user_id, channel, query, normalised, results, at)"
        " VALUES (?, 'private', ?, ?, ?, ?)",
        (user, query, normalised, results, at),
    )


async def known_set(db: Database) -> dict[str, int]:
    """Three materials, downloads in and around November 2026, searches, two МО, sessions."""
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    ids = {
        "eln": await repo.create(
            MaterialInput(
                "Памятка по ЭЛН",
                Kind.MEMO,
                ["eln"],
                url="https://x.example/1",
                published_at="2026-01-10",
            )
        ),
        "lis": await repo.create(
            MaterialInput(
                "Вебинар ЛИС",
                Kind.VIDEO,
                ["lis", "base"],
                url="https://x.example/2",
                published_at="2026-02-01",
            )
        ),
        "hr": await repo.create(
            MaterialInput(
                "Инструкция по кадрам",
                Kind.INSTRUCTION,
                ["hr"],
                url="https://x.example/3",
                published_at="2026-03-01",
            )
        ),
    }
    # The first minute of November in Moscow is still October 31st in UTC: it counts.
    await add_download(db, ids["eln"], 1, "private", utc(datetime(2026, 11, 1, 0, 30)))
    await add_download(db, ids["eln"], 2, "group", utc(datetime(2026, 11, 5, 12, 0)))
    await add_download(db, ids["eln"], 1, "inline", utc(datetime(2026, 11, 12, 9, 0)))
    await add_download(db, ids["lis"], 3, "deeplink", utc(datetime(2026, 11, 30, 23, 59)))
    # Outside November: the last minute of October and the first of December.
    await add_download(db, ids["lis"], 4, "private", utc(datetime(2026, 10, 31, 23, 59)))
    await add_download(db, ids["hr"], 4, "link", utc(datetime(2026, 12, 1, 0, 0)))

    at = utc(datetime(2026, 11, 10, 10, 0))
    await add_search(db, 1, "больничный лист", "больничный лист", 0, at)
    await add_search(db, 2, "Больничный лист", "больничный лист", 0, at)
    await add_search(db, 1, "больничные листы", "больничные листы", 0, at)
    await add_search(db, 3, "эцп", "эцп", 0, at)
    await add_search(db, 3, "лис", "лис", 5, at)
    await add_search(db, 3, "флюорография", "флюорография", 0, utc(datetime(2026, 12, 2, 10, 0)))

    now = "2026-11-01T00:00:00+00:00"
    for short, staff in (("ЦРБ-1", 100), ("ЦРБ-2", 50), ("ЦРБ-3", 80)):
        ids[short] = await db.execute(
            "INSERT INTO organisations (name, short_name, district, type, staff, updated_at)"
            " VALUES (?, ?, '', 'crb', ?, ?)",
            (f"Больница {short}", short, staff, now),
        )
    sessions = SessionRepo(db)
    plan = [
        (ids["ЦРБ-1"], Format.VKS, datetime(2026, 11, 3, 10), (20, 2.0)),
        (ids["ЦРБ-1"], Format.DESANT, datetime(2026, 11, 17, 10), (10, 4.0)),
        (ids["ЦРБ-2"], Format.VKS, datetime(2026, 11, 18, 10), (10, 2.0)),
        (None, Format.WEBINAR, datetime(2026, 11, 25, 8, 38), (25, 1.0)),
        (ids["ЦРБ-2"], Format.VKS, datetime(2026, 11, 27, 10), None),  # results not in yet
        (ids["ЦРБ-2"], Format.VKS, datetime(2025, 11, 27, 10), (5, 2.0)),  # last year
    ]
    for org, fmt, starts, results in plan:
        session = await sessions.create(
            SessionInput("eln", fmt, starts.replace(tzinfo=MSK), "", 2.0, org), created_by=1
        )
        if results is not None:
            await sessions.record(session.id, results[0], results[1], actor=1)
    return ids


async def test_download_aggregates_are_exact(db: Database) -> None:
    ids = await known_set(db)
    async with StatsRepo.open(db, MSK) as stats:
        report = await stats.downloads(NOVEMBER)
        previous = await stats.totals(NOVEMBER.shifted(-1))
    assert (report.total, report.users) == (4, 3)
    assert [(c.title, c.count) for c in report.top] == [("Памятка по ЭЛН", 3), ("Вебинар ЛИС", 1)]
    assert [(c.key, c.count) for c in report.by_topic] == [("eln", 3), ("lis", 1), ("base", 1)]
    assert [(c.key, c.count) for c in report.by_kind] == [("memo", 3), ("video", 1)]
    assert [(c.key, c.count) for c in report.by_channel] == [
        ("private", 1),
        ("group", 1),
        ("inline", 1),
        ("deeplink", 1),
    ]
    assert [c.key for c in report.never] == [str(ids["hr"])]
    assert previous == (1, 1)


async def test_failed_searches_are_grouped_by_query_most_frequent_first(db: Database) -> None:
    await known_set(db)
    async with StatsRepo.open(db, MSK) as stats:
        failed = await stats.failed_searches(NOVEMBER)
    assert [(f.query, f.count, f.users) for f in failed] == [
        ("больничный лист", 3, 2),
        ("эцп", 1, 1),
    ]


async def test_weekly_series_counts_each_local_week(db: Database) -> None:
    ids = await known_set(db)
    weeks = [date(2026, 10, 26) + timedelta(weeks=i) for i in range(6)]
    async with StatsRepo.open(db, MSK) as stats:
        everything = await stats.weekly(weeks)
        eln = await stats.weekly(weeks, topic="eln")
        lis = await stats.weekly(weeks, material_id=ids["lis"])
    # Weeks from 26.10, 2.11, 9.11, 16.11, 23.11, 30.11.
    assert everything == [2, 1, 1, 0, 0, 2]
    assert eln == [1, 1, 1, 0, 0, 0]
    assert lis == [1, 0, 0, 0, 0, 1]


async def test_training_accounting_and_coverage(db: Database) -> None:
    ids = await known_set(db)
    async with StatsRepo.open(db, MSK) as stats:
        report = await stats.training(NOVEMBER)
        years = await stats.coverage_by_year(2025, 2026)
    assert (report.sessions, report.people, report.hours, report.awaiting) == (4, 65, 9.0, 1)
    assert [(f.key, f.sessions, f.people, f.hours) for f in report.by_format] == [
        ("vks", 2, 30, 4.0),
        ("webinar", 1, 25, 1.0),
        ("desant", 1, 10, 4.0),
    ]
    # Coverage = trained ÷ staff × 100: 30 of 100, then 10 of 50.
    assert [(o.title, o.people, o.coverage) for o in report.by_org] == [
        ("ЦРБ-1", 30, pytest.approx(30.0)),
        ("ЦРБ-2", 10, pytest.approx(20.0)),
        ("ЦРБ-3", 0, 0.0),  # no sessions: listed, at zero
    ]
    assert (report.open_sessions.sessions, report.open_sessions.people) == (1, 25)
    assert [(y.year, y.people, y.staff) for y in years] == [(2025, 5, 230), (2026, 40, 230)]
    assert years[1].by_org == {ids["ЦРБ-1"]: 30, ids["ЦРБ-2"]: 10}


async def test_views_show_the_numbers_and_the_training_report(db: Database) -> None:
    await known_set(db)
    downloads = await service.view(db, MSK, NOVEMBER, "d")
    assert "📥 Скачиваний: <b>4</b> (было 1, +300 %)" in downloads
    assert "1. Памятка по ЭЛН — 3" in downloads
    assert "• инлайн — 1" in downloads
    assert "Ни разу не скачали: 1" in downloads
    failed = await service.view(db, MSK, NOVEMBER, "s")
    assert "1. «больничный лист» — 3 раза, 2 чел." in failed
    assert "Искали и не нашли</b>: 4 запроса" in failed
    never = await service.view(db, MSK, NOVEMBER, "n")
    assert "• Инструкция по кадрам" in never
    training = await service.view(db, MSK, NOVEMBER, "t")
    assert "Проведено занятий: <b>4</b>" in training
    assert "Обучено: <b>65</b> чел." in training
    assert "Ждут итогов: 1" in training
    assert "• ЦРБ-1: 30 чел., 2 зан., охват 30,0 %" in training
    assert "Без занятий за период: 1 МО" in training
    assert "2025: 2,2 % · 2026: 17,4 %" in training
    assert "нужно не меньше 3 точек" in training


async def test_empty_period_says_no_data_everywhere(db: Database) -> None:
    await known_set(db)
    empty = Period(PeriodKind.MONTH, date(2024, 3, 1), date(2024, 3, 31))
    assert texts.NO_DATA in await service.view(db, MSK, empty, "d")
    assert texts.NO_FAILED in await service.view(db, MSK, empty, "s")
    assert texts.NO_TRAINING in await service.view(db, MSK, empty, "t")
    assert await service.chart(db, MSK, empty, "", Method.SMA3) is None
    assert await service.export(db, MSK, empty) is None


# -- pictures and workbooks -------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_chart_is_a_png_of_the_expected_size() -> None:
    weeks = [date(2026, 6, 1) + timedelta(weeks=i) for i in range(26)]
    values = [10 + (i % 5) * 3 + i for i in range(26)]
    chart = weekly_chart("Весь каталог — ЭЛН", weeks, values, Method.WMA5)
    assert png_size(chart.png) == (WIDTH_PX, HEIGHT_PX) == (1200, 675)
    assert len(chart.png) > 20_000  # bars, two lines, Cyrillic labels
    assert chart.note == ""
    short = weekly_chart("Один материал", weeks[:2], [3, 4], Method.SMA5)
    assert png_size(short.png) == (1200, 675)
    assert "не меньше 5 точек" in short.note


async def test_chart_of_a_direction_has_a_caption_with_its_total(db: Database) -> None:
    await known_set(db)
    found = await service.chart(db, MSK, NOVEMBER, "eln", Method.SMA3)
    assert found is not None
    assert png_size(found.chart.png) == (1200, 675)
    assert "ЭЛН" in found.caption
    assert ": 3 скачивания." in found.caption
    assert await service.chart(db, MSK, NOVEMBER, "no_such_topic", Method.SMA3) is None
    assert await service.chart(db, MSK, NOVEMBER, "#999", Method.SMA3) is None


async def test_export_workbook_has_its_sheets_headers_and_rows(db: Database) -> None:
    await known_set(db)
    made = await service.export(db, MSK, NOVEMBER)
    assert made is not None
    assert (made.downloads, made.sessions, made.truncated) == (4, 5, False)
    book = load_workbook(io.BytesIO(made.xlsx))
    assert book.sheetnames == [
        texts.SHEET_SUMMARY,
        texts.SHEET_ORGS,
        texts.SHEET_DOWNLOADS,
        texts.SHEET_SESSIONS,
    ]
    raw = book[texts.SHEET_DOWNLOADS]
    assert [c.value for c in raw[1]] == list(texts.DOWNLOADS_HEADER)
    assert raw.max_row == 1 + 4
    assert raw.freeze_panes == "A2"
    assert raw["A2"].value == datetime(2026, 11, 1, 0, 30)  # a date, in Moscow time
    assert raw["F2"].value == texts.CHANNEL_TITLES["private"]
    assert raw.column_dimensions["C"].width >= len("Памятка по ЭЛН")
    summary = book[texts.SHEET_SUMMARY]
    assert [c.value for c in summary[1]] == list(texts.SUMMARY_HEADER)
    rows = {(r[0], r[1]): r[2] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows[("Скачивания", "Всего")] == 4
    assert rows[("Период", "С")] == datetime(2026, 11, 1)
    assert rows[("Обучение", "Обучено, чел.")] == 65
    assert rows[("Искали и не нашли", "больничный лист")] == 3
    orgs = book[texts.SHEET_ORGS]
    assert [c.value for c in orgs[1]] == list(texts.ORGS_HEADER)
    assert [r for r in orgs.iter_rows(min_row=2, values_only=True)] == [
        ("ЦРБ-1", 2, 30, 6, 100, 30),
        ("ЦРБ-2", 1, 10, 2, 50, 20),
        ("ЦРБ-3", 0, 0, 0, 80, 0),
    ]
    assert book[texts.SHEET_SESSIONS].max_row == 1 + 5
    downloads_csv = list(csv.reader(io.StringIO(made.downloads_csv.decode("utf-8-sig"))))
    assert downloads_csv[0] == list(texts.DOWNLOADS_HEADER)
    assert len(downloads_csv) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1 запрос"), (3, "3 запроса"), (5, "5 запросов"), (11, "11 запросов"),
     (12, "12 запросов"), (21, "21 запрос"), (104, "104 запроса"), (1000, "1\u202f000 запросов")],
)  # fmt: skip
def test_counts_take_the_right_russian_form(value: int, expected: str) -> None:
    assert ui.counted(value, "запрос", "запроса", "запросов") == expected


# -- a period still running -------------------------------------------------------------------


def test_a_running_period_is_compared_with_the_same_span_of_the_previous_one() -> None:
    december = period_of(PeriodKind.MONTH, date(2026, 12, 5))
    assert is_running(december, date(2026, 12, 5))
    assert elapsed(december, date(2026, 12, 5)) == Period(
        PeriodKind.MONTH, date(2026, 12, 1), date(2026, 12, 5)
    )
    assert previous_span(december, date(2026, 12, 5)) == Period(
        PeriodKind.MONTH, date(2026, 11, 1), date(2026, 11, 5)
    )
    # 1–31 March against the whole of February, not against 1–3 March.
    march = period_of(PeriodKind.MONTH, date(2027, 3, 30))
    assert previous_span(march, date(2027, 3, 30)) == Period(
        PeriodKind.MONTH, date(2027, 2, 1), date(2027, 2, 28)
    )
    # A week: Monday to Wednesday against the last Monday to Wednesday.
    week = period_of(PeriodKind.WEEK, date(2026, 12, 2))
    assert previous_span(week, date(2026, 12, 2)) == Period(
        PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 25)
    )
    # Over: the whole previous period; its last day counts as over only when it is gone.
    assert previous_span(NOVEMBER, date(2026, 12, 5)) == NOVEMBER.shifted(-1)
    assert not is_running(NOVEMBER, date(2026, 11, 30))
    assert elapsed(NOVEMBER, date(2026, 11, 30)) == NOVEMBER
    custom = Period(PeriodKind.CUSTOM, date(2026, 11, 21), date(2026, 12, 10))
    assert previous_span(custom, date(2026, 11, 25)) == Period(
        PeriodKind.CUSTOM, date(2026, 11, 1), date(2026, 11, 5)
    )


def test_chart_weeks_of_a_running_period_end_with_the_week_of_today() -> None:
    december = period_of(PeriodKind.MONTH, date(2026, 12, 3))
    weeks = chart_weeks(december, today=date(2026, 12, 3))
    assert weeks[-1] == date(2026, 11, 30)  # the week of 3 December
    assert len(weeks) == 26
    assert all(w <= date(2026, 12, 3) for w in weeks)
    assert week_running(weeks[-1], date(2026, 12, 3))
    assert not week_running(date(2026, 11, 23), date(2026, 12, 3))
    # A long running period: its own weeks, none to come.
    year = period_of(PeriodKind.YEAR, date(2026, 12, 3))
    weeks = chart_weeks(year, today=date(2026, 12, 3))
    assert weeks[0] == date(2025, 12, 29) and weeks[-1] == date(2026, 11, 30)  # noqa: PT018
    # A period that is over is drawn whole.
    assert chart_weeks(NOVEMBER, today=date(2026, 12, 3)) == chart_weeks(NOVEMBER)


def test_a_running_week_is_drawn_apart_and_fitted_to_nothing() -> None:
    weeks = [date(2026, 6, 1) + timedelta(weeks=i) for i in range(8)]
    values = [10, 12, 11, 13, 15, 14, 16, 2]  # the last week has just begun
    drawn = weekly_chart("Весь каталог", weeks, values, Method.SMA3, running=True)
    assert png_size(drawn.png) == (1200, 675)
    assert drawn.trend == pytest.approx(linear_trend(values[:-1]))
    assert drawn.smoothed == pytest.approx(sma3(values[:-1]))
    over = weekly_chart("Весь каталог", weeks, values, Method.SMA3)
    assert over.trend == pytest.approx(linear_trend(values))


async def _running_month(db: Database) -> int:
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    eln = await repo.create(
        MaterialInput("Памятка по ЭЛН", Kind.MEMO, ["eln"], url="https://x.example/1")
    )
    for moment in (
        datetime(2026, 11, 2, 10),
        datetime(2026, 11, 5, 23, 0),
        datetime(2026, 11, 6, 0, 30),  # after the span compared: not counted
        datetime(2026, 12, 1, 9),
        datetime(2026, 12, 3, 9),
        datetime(2026, 12, 5, 9),
    ):
        await add_download(db, eln, 1, "private", utc(moment))
    return eln


async def test_views_and_charts_of_a_running_month(db: Database) -> None:
    await _running_month(db)
    december = period_of(PeriodKind.MONTH, date(2026, 12, 5))
    text = await service.view(db, MSK, december, "d", today=date(2026, 12, 5))
    assert "📥 Скачиваний: <b>3</b> (за 01.11–05.11 было 2, +50 %)" in text
    assert "01.12.2026 – 31.12.2026; период ещё идёт, данные по 05.12.2026" in text
    # Once it is over, the whole of November is the comparison.
    over = await service.view(db, MSK, december, "d", today=date(2027, 1, 10))
    assert "📥 Скачиваний: <b>3</b> (было 3, +0 %)" in over
    assert "ещё идёт" not in over

    found = await service.chart(db, MSK, december, "", Method.SMA3, date(2026, 12, 5))
    assert found is not None
    assert "08.06.2026 – 05.12.2026: 6 скачиваний." in found.caption
    assert "Последняя неделя ещё идёт" in found.caption
    # 26 weeks, the last one running: the lines are fitted to the 25 before it.
    assert len(found.chart.trend) == 25


# -- how the texts read -----------------------------------------------------------------------


def test_long_direction_lists_collapse_and_titles_are_cut_at_a_word() -> None:
    title = "Памятка & инструкция по оформлению листков нетрудоспособности " * 3
    topics = [(f"Направление {i}", 20 - i) for i in range(12)]
    text = texts.downloads_view("Заголовок", 100, 10, 0, "", [(title, 5)], topics, [], [], 0)
    line = next(x for x in text.split("\n") if x.startswith("1. "))
    assert line.endswith("… — 5")
    assert "&amp;" in line
    cut = ui.html_to_plain(line)[3:].removesuffix(" — 5")
    assert len(cut) <= 70
    assert title.startswith(cut.removesuffix("…"))
    assert cut.removesuffix("…")[-1] != " "
    for i in range(texts.TOPICS_SHOWN):
        assert f"• Направление {i} — {20 - i}" in text
    assert "Направление 8" not in text
    assert "…и ещё 4 направления: 42 скачивания" in text  # 12 + 11 + 10 + 9


def _form(n: int, one: str, few: str, many: str) -> str:
    """Russian agreement, written out independently of bot.ui."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


@pytest.mark.parametrize(
    ("phrase", "forms"),
    [
        (texts.downloads_word, ("скачивание", "скачивания", "скачиваний")),
        (texts.queries_word, ("запрос", "запроса", "запросов")),
        (texts.times_word, ("раз", "раза", "раз")),
        (texts.materials_word, ("материал", "материала", "материалов")),
        (texts.directions_word, ("направление", "направления", "направлений")),
        (texts.events_word, ("событие", "события", "событий")),
    ],
)
def test_every_counted_phrase_agrees_from_0_to_200(phrase: Any, forms: tuple[str, ...]) -> None:
    for n in range(201):
        assert phrase(n) == f"{n} {_form(n, *forms)}", n
    assert phrase(1000) == f"1\u202f000 {forms[2]}"


def test_counts_inside_the_stats_texts_agree() -> None:
    for n in range(201):
        never = texts.never_view("H", ["x"], n + 1)
        assert f"Ни разу не скачали</b>: {n + 1} {_form(n + 1, *MATERIALS)}" in never
        failed = texts.failed_view("H", [("q", n, 1)], n)
        assert f"{n} {_form(n, *QUERIES)}" in failed
        assert f"«q» — {n} {_form(n, 'раз', 'раза', 'раз')}, 1 чел." in failed
        caption = texts.chart_caption("T", "L", n, "", False)
        assert f"L: {n} {_form(n, 'скачивание', 'скачивания', 'скачиваний')}." in caption


MATERIALS = ("материал", "материала", "материалов")
QUERIES = ("запрос", "запроса", "запросов")
