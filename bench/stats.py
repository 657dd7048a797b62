"""Statistics at scale: 1,000,000 download events over three years for 2,000 materials.

Builds the database through the real migrations (so the real indexes), fills it with a skewed,
realistic load (popular materials take most downloads, weekdays more than weekends, the centre's
channels in their usual shares), plus 200,000 searches and 1,500 training sessions, then times:

- every /stats aggregate for this week, month, quarter, the previous quarter and the whole three
  years (the worst case a custom period allows), through the same ``StatsRepo`` and
  ``handlers.stats.service`` calls the bot makes;
- one weekly chart each for the catalog, a direction and a material;
- the XLSX export of a period holding 100,000 raw download rows, in a fresh process, with that
  process's peak RSS.

Targets: every aggregate <= 1 s, a chart <= 2 s, the 100k-row export <= 15 s and <= 500 MB.

    .venv/bin/python bench/stats.py
    .venv/bin/python bench/stats.py --events 200000     # a quicker look
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalog.model import Kind  # noqa: E402
from catalog.stats import Method, Period, PeriodKind, period_of  # noqa: E402
from handlers.stats import service as reports  # noqa: E402
from storage.catalog import CatalogRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.organisations import OrgRepo  # noqa: E402
from storage.stats import StatsRepo  # noqa: E402

TZ = ZoneInfo("Europe/Moscow")
CHANNELS = [("private", 45), ("group", 25), ("inline", 15), ("deeplink", 10), ("link", 5)]
FORMATS = ["webinar", "vks", "desant", "centre"]
WORDS = (
    "эцп больничный лист лис цами флюорография рецепт льгота выписка направление справка "
    "диспансеризация шаблон расписание прививка отчёт реестр вызов смп телемедицина"
).split()


def generate(path: Path, events: int, materials: int, seed: int) -> dict[str, Any]:
    """Fill the migrated database at ``path`` with one synchronous connection: fast, and the
    bot's own write path is not what this benchmark measures."""
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    topics = [r[0] for r in conn.execute("SELECT code FROM topics")]
    orgs = [r[0] for r in conn.execute("SELECT id FROM organisations")]
    today = datetime.now(TZ).date()
    first_day = today - timedelta(days=3 * 365)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    kinds = [k.value for k in Kind]
    with conn:
        conn.executemany(
            "INSERT INTO materials (id, title, kind, url, published_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"Материал {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}",
                    rng.choice(kinds),
                    f"https://cloud.example/{i}",
                    (first_day + timedelta(days=rng.randrange(365))).isoformat(),
                    now,
                    now,
                )
                for i in range(1, materials + 1)
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO material_topics (material_id, topic_code) VALUES (?, ?)",
            [(i, rng.choice(topics)) for i in range(1, materials + 1) for _ in range(2)],
        )

    # Popularity: a Zipf-like tail, as in the centre's monitoring (15 to 150 per material).
    weights = [1 / (rank**0.8) for rank in range(1, materials + 1)]
    material_ids = list(range(1, materials + 1))
    rng.shuffle(material_ids)
    span = (today - first_day).days * 86400
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=TZ).astimezone(UTC)
    channel_names = [c for c, _ in CHANNELS]
    channel_weights = [w for _, w in CHANNELS]
    picked = rng.choices(material_ids, weights, k=events)
    offsets = sorted(rng.randrange(span) for _ in range(events))
    rows = []
    for offset, material in zip(offsets, picked, strict=True):
        moment = start + timedelta(seconds=offset)
        if moment.weekday() >= 5 and rng.random() < 0.6:
            moment -= timedelta(days=2)  # weekends are quieter
        rows.append(
            (
                material,
                rng.randrange(1, 14_000),
                rng.choices(channel_names, channel_weights)[0],
                moment.isoformat(timespec="seconds"),
            )
        )
    rows.sort(key=lambda r: r[3])
    with conn:
        conn.executemany(
            "INSERT INTO downloads (material_id, user_id, channel, at) VALUES (?, ?, ?, ?)", rows
        )
        conn.execute(
            "UPDATE materials SET downloads ="
            " (SELECT COUNT(*) FROM downloads d WHERE d.material_id = materials.id)"
        )

    queries = [f"{rng.choice(WORDS)} {rng.choice(WORDS)}{i % 7}" for i in range(2_000)]
    searches = []
    for _ in range(events // 5):
        moment = start + timedelta(seconds=rng.randrange(span))
        query = rng.choice(queries)
        found = 0 if rng.random() < 0.1 else rng.randrange(1, 30)
        searches.append((rng.randrange(1, 14_000), query, query, found, moment.isoformat()))
    searches.sort(key=lambda r: r[4])
    with conn:
        conn.executemany(
            "INSERT INTO searches (user_id, channel, query, normalised, results, at)"
            " VALUES (?, 'private', ?, ?, ?, ?)",
            searches,
        )
        conn.executemany(
            "INSERT INTO sessions (organisation_id, topic_code, format, starts_at, planned_hours,"
            " participants, hours, created_at) VALUES (?, ?, ?, ?, 2, ?, ?, ?)",
            [
                (
                    rng.choice([*orgs, None]),
                    rng.choice(topics),
                    rng.choice(FORMATS),
                    (start + timedelta(seconds=rng.randrange(span))).isoformat(),
                    rng.randrange(5, 80),
                    rng.choice([1.0, 2.0, 4.0]),
                    now,
                )
                for _ in range(1_500)
            ],
        )
    conn.close()
    return {"topic": topics[0], "material": material_ids[0], "today": today.isoformat()}


Timed = Callable[[], Awaitable[Any]]


async def timed(action: Timed, repeat: int) -> tuple[float, float]:
    """(median, worst) seconds over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        await action()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs), max(runs)


async def measure(path: Path, facts: dict[str, Any], repeat: int) -> list[tuple[str, float, float]]:
    db = Database(path)
    await db.connect()
    today = date.fromisoformat(facts["today"])
    periods = {
        "week": period_of(PeriodKind.WEEK, today),
        "month": period_of(PeriodKind.MONTH, today),
        "quarter": period_of(PeriodKind.QUARTER, today),
        "prev quarter": period_of(PeriodKind.QUARTER, today).shifted(-1),
        "3 years": Period(PeriodKind.CUSTOM, today - timedelta(days=3 * 365), today),
    }
    results: list[tuple[str, float, float]] = []
    try:
        for name, period in periods.items():

            async def stat(call: Callable[[StatsRepo], Awaitable[Any]], p: Period = period) -> Any:
                async with StatsRepo.open(db, TZ) as stats:
                    return await call(stats)

            checks: dict[str, Timed] = {
                "totals": lambda s=stat, p=period: s(lambda r: r.totals(p)),
                "downloads report": lambda s=stat, p=period: s(lambda r: r.downloads(p)),
                "by channel": lambda s=stat, p=period: s(lambda r: r.by_channel(p)),
                "failed searches": lambda s=stat, p=period: s(lambda r: r.failed_searches(p)),
                "training": lambda s=stat, p=period: s(lambda r: r.training(p)),
            }
            for section in "dsnt":
                checks[f"/stats view {section}"] = lambda sec=section, p=period: reports.view(
                    db, TZ, p, sec
                )
            for check, action in checks.items():
                median, worst = await timed(action, repeat)
                results.append((f"aggregate · {name} · {check}", median, worst))
        quarter = periods["quarter"]
        for scope in ("", facts["topic"], f"#{facts['material']}"):
            label = {"": "catalog", facts["topic"]: "direction"}.get(scope, "material")

            async def draw(sc: str = scope) -> None:
                assert await reports.chart(db, TZ, quarter, sc, Method.SMA3) is not None

            median, worst = await timed(draw, repeat)
            results.append((f"chart · {label} · 26 weeks", median, worst))
        three_years = periods["3 years"]

        async def long_chart() -> None:
            assert await reports.chart(db, TZ, three_years, "", Method.WMA5) is not None

        median, worst = await timed(long_chart, repeat)
        results.append(("chart · catalog · 3 years of weeks", median, worst))
    finally:
        await db.close()
    return results


async def period_with_rows(path: Path, rows: int) -> Period:
    """The period ending today that holds about ``rows`` download events."""
    db = Database(path)
    await db.connect()
    try:
        found = await db.fetchone(
            "SELECT at FROM downloads ORDER BY at DESC LIMIT 1 OFFSET ?", (rows - 1,)
        )
        assert found is not None
        first = datetime.fromisoformat(found["at"]).astimezone(TZ).date() + timedelta(days=1)
        today = datetime.now(TZ).date()
        return Period(PeriodKind.CUSTOM, first, today)
    finally:
        await db.close()


async def export_once(path: Path, start: str, end: str) -> None:
    """In a fresh process: one export, as the bot makes it; prints a JSON line."""
    db = Database(path)
    await db.connect()
    period = Period(PeriodKind.CUSTOM, date.fromisoformat(start), date.fromisoformat(end))
    began = time.perf_counter()
    made = await reports.export(db, TZ, period)
    elapsed = time.perf_counter() - began
    await db.close()
    assert made is not None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rows": made.downloads,
                "peak_mib": peak,
                "mb": len(made.xlsx) / 1e6,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--materials", type=int, default=2_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=38)
    parser.add_argument(
        "--export-only", nargs=3, metavar=("DB", "START", "END"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.export_only:
        db_path, start, end = args.export_only
        asyncio.run(export_once(Path(db_path), start, end))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.sqlite3"

        async def prepare() -> None:
            db = Database(path)
            await db.connect()
            await CatalogRepo(db).ensure_topics()
            await OrgRepo(db).ensure_seeded()
            await db.close()

        asyncio.run(prepare())
        began = time.perf_counter()
        facts = generate(path, args.events, args.materials, args.seed)
        print(
            f"generated {args.events:,} downloads, {args.events // 5:,} searches, 1,500 sessions"
            f" for {args.materials:,} materials in {time.perf_counter() - began:.1f} s;"
            f" database {path.stat().st_size / 1e6:.0f} MB"
        )
        results = asyncio.run(measure(path, facts, args.repeat))
        width = max(len(r[0]) for r in results)
        print(f"\n{'what':<{width}}  median s  worst s")
        for name, median, worst in results:
            print(f"{name:<{width}}  {median:8.3f}  {worst:7.3f}")
        aggregates = [w for n, _, w in results if n.startswith("aggregate")]
        charts = [w for n, _, w in results if n.startswith("chart")]

        period = asyncio.run(period_with_rows(path, args.export_rows))
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--export-only", str(path),
             period.start.isoformat(), period.end.isoformat()],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        export = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"\nXLSX export {period.start}..{period.end}: {export['rows']:,} raw rows in"
            f" {export['seconds']:.2f} s, file {export['mb']:.1f} MB,"
            f" peak RSS of the exporting process {export['peak_mib']:.0f} MiB"
        )
        print(
            f"\nslowest aggregate {max(aggregates):.3f} s (target <= 1 s);"
            f" slowest chart {max(charts):.3f} s (target <= 2 s);"
            f" export {export['seconds']:.2f} s (target <= 15 s),"
            f" {export['peak_mib']:.0f} MiB (target <= 500 MB)"
        )


if __name__ == "__main__":
    main()
