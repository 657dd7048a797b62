"""Statistics: smoothing on the published series, periods, aggregates on a known event set
(exact numbers), the chart picture, the workbook, and empty periods."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot import reports, texts
from bot.charts import HEIGHT_PX, WIDTH_PX, weekly_chart
from catalog.model import Kind, MaterialInput
from catalog.requests import Format
from catalog.stats import (
    Method,
    Period,
    PeriodKind,
    chart_weeks,
    linear_trend,
    parse_period,
    period_of,
    sma3,
    sma5,
    smooth,
    wma5,
)
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
    downloads = await reports.view(db, MSK, NOVEMBER, "d")
    assert "📥 Скачиваний: <b>4</b> (было 1, +300 %)" in downloads
    assert "1. Памятка по ЭЛН — 3" in downloads
    assert "• инлайн — 1" in downloads
    assert "Ни разу не скачали: 1" in downloads
    failed = await reports.view(db, MSK, NOVEMBER, "s")
    assert "1. «больничный лист» — 3 раза, 2 чел." in failed
    assert "Искали и не нашли</b>: 4 запроса" in failed
    never = await reports.view(db, MSK, NOVEMBER, "n")
    assert "• Инструкция по кадрам" in never
    training = await reports.view(db, MSK, NOVEMBER, "t")
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
    assert texts.STATS_NO_DATA in await reports.view(db, MSK, empty, "d")
    assert texts.STATS_NO_FAILED in await reports.view(db, MSK, empty, "s")
    assert texts.STATS_NO_TRAINING in await reports.view(db, MSK, empty, "t")
    assert await reports.chart(db, MSK, empty, "", Method.SMA3) is None
    assert await reports.export(db, MSK, empty) is None


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
    found = await reports.chart(db, MSK, NOVEMBER, "eln", Method.SMA3)
    assert found is not None
    assert png_size(found.chart.png) == (1200, 675)
    assert "ЭЛН" in found.caption
    assert ": 3 скачивания." in found.caption
    assert await reports.chart(db, MSK, NOVEMBER, "no_such_topic", Method.SMA3) is None
    assert await reports.chart(db, MSK, NOVEMBER, "#999", Method.SMA3) is None


async def test_export_workbook_has_its_sheets_headers_and_rows(db: Database) -> None:
    await known_set(db)
    made = await reports.export(db, MSK, NOVEMBER)
    assert made is not None
    assert (made.downloads, made.sessions, made.truncated) == (4, 5, False)
    book = load_workbook(io.BytesIO(made.xlsx))
    assert book.sheetnames == [
        texts.REPORT_SHEET_SUMMARY,
        texts.REPORT_SHEET_ORGS,
        texts.REPORT_SHEET_DOWNLOADS,
        texts.REPORT_SHEET_SESSIONS,
    ]
    raw = book[texts.REPORT_SHEET_DOWNLOADS]
    assert [c.value for c in raw[1]] == list(texts.REPORT_DOWNLOADS_HEADER)
    assert raw.max_row == 1 + 4
    assert raw.freeze_panes == "A2"
    assert raw["A2"].value == datetime(2026, 11, 1, 0, 30)  # a date, in Moscow time
    assert raw["F2"].value == texts.CHANNEL_TITLES["private"]
    assert raw.column_dimensions["C"].width >= len("Памятка по ЭЛН")
    summary = book[texts.REPORT_SHEET_SUMMARY]
    assert [c.value for c in summary[1]] == list(texts.REPORT_SUMMARY_HEADER)
    rows = {(r[0], r[1]): r[2] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows[("Скачивания", "Всего")] == 4
    assert rows[("Период", "С")] == datetime(2026, 11, 1)
    assert rows[("Обучение", "Обучено, чел.")] == 65
    assert rows[("Искали и не нашли", "больничный лист")] == 3
    orgs = book[texts.REPORT_SHEET_ORGS]
    assert [c.value for c in orgs[1]] == list(texts.REPORT_ORGS_HEADER)
    assert [r for r in orgs.iter_rows(min_row=2, values_only=True)] == [
        ("ЦРБ-1", 2, 30, 6, 100, 30),
        ("ЦРБ-2", 1, 10, 2, 50, 20),
        ("ЦРБ-3", 0, 0, 0, 80, 0),
    ]
    assert book[texts.REPORT_SHEET_SESSIONS].max_row == 1 + 5
    downloads_csv = list(csv.reader(io.StringIO(made.downloads_csv.decode("utf-8-sig"))))
    assert downloads_csv[0] == list(texts.REPORT_DOWNLOADS_HEADER)
    assert len(downloads_csv) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, "1 запрос"), (3, "3 запроса"), (5, "5 запросов"), (11, "11 запросов"),
     (12, "12 запросов"), (21, "21 запрос"), (104, "104 запроса"), (1000, "1\u202f000 запросов")],
)  # fmt: skip
def test_counts_take_the_right_russian_form(value: int, expected: str) -> None:
    assert texts.counted(value, "запрос", "запроса", "запросов") == expected
