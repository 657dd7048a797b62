"""Soak: the bot as a subprocess against the fake Bot API (enforcing Telegram's limits) for ten
minutes of mixed load.

Along the way:
- 100 simulated people search, open cards, press «Получить», type inline queries, and 20 of them
  (tutors) fill in the training-request form and send it, typing where it asks for text and
  pressing the buttons of its message where it shows them (bench/updates.py's steps);
- a broadcast to 2,000 subscribers goes out through the outbox;
- the scheduler's clock (``CLOCK_FILE``) is driven through two VKS Wednesdays: the day-before and
  30-minute reminders of each go to 22 bound groups and the subscribers.

Every 30 s it samples the bot's RSS. At the end it stops the bot with SIGTERM and reports the RSS
series, the growth after warm-up (target: within 10%), errors in the bot's log (target: 0), what
was delivered, and ``PRAGMA integrity_check`` of the database.

    .venv/bin/python bench/soak.py                  # ten minutes
    .venv/bin/python bench/soak.py --minutes 3      # a quick look
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import sys
import tempfile
import time
from copy import deepcopy
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.updates import request_form  # noqa: E402
from handlers.search.callbacks import MaterialAction, MaterialCallback, Source  # noqa: E402
from storage.announcements import AnnouncementRepo, Content, Kind, Targets  # noqa: E402
from storage.catalog import CatalogRepo  # noqa: E402
from storage.chats import ChatInfo, ChatRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.imports import import_file  # noqa: E402
from storage.organisations import OrgRepo  # noqa: E402
from storage.users import Role, UserRepo  # noqa: E402
from storage.vks import VksRepo  # noqa: E402
from tests.fakes.people import Person, callback, message  # noqa: E402
from tests.fakes.recording import TOKEN  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
PEOPLE = 100
TUTORS = 20
SUBSCRIBERS = 2_000
GROUPS = 22
QUERIES = [
    "ЭЛН", "цами", "больничный лист", "эцп", "диспансеризация", "ybr", "рецепт льготный",
    "ТМК консультация", "запись на прием", "вакцинация", "МСЭ направление", "лис анализы",
]  # fmt: skip
BROADCAST = "📣 Соак: обновление РМИС, новая форма направления на МСЭ."


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def next_wednesday(today: date) -> date:
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


async def prepare(path: Path) -> tuple[list[int], date, list[tuple[bool, str]]]:
    db = Database(path)
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    shared = ROOT.parent / "shared" / "catalog" / "materials.csv"
    source = shared if shared.exists() else ROOT / "catalog" / "data" / "demo_materials.csv"
    await import_file(repo, source.read_bytes(), source.name)
    chats, users, vks = ChatRepo(db), UserRepo(db), VksRepo(db)
    for i in range(GROUPS):
        chat_id = -1_002_000_000 - i
        await chats.upsert(ChatInfo(chat_id, f"Чат {i}", "supergroup"))
        await chats.toggle_binding(chat_id, 0, "eln")
    for i in range(SUBSCRIBERS):
        user_id = 20_000_000 + i
        await users.set_role(user_id, Role.STAFF, changed_by=None)
        await chats.toggle_subscription(user_id, "eln")
    for i in range(TUTORS):
        await users.set_role(6_000_000 + i, Role.TUTOR, changed_by=None)
    first = next_wednesday(datetime.now(MSK).date())
    for day in (first, first + timedelta(weeks=1)):
        await vks.set_field(day, "topic", f"ЭЛН: что нового ({day:%d.%m})", by=1001)
        await vks.set_field(day, "link", "https://vks.example.ru/838", by=1001)
        await vks.toggle_direction(day, "eln", by=1001)
    rows = await db.fetchall("SELECT id FROM materials WHERE status = 'active'")
    orgs = OrgRepo(db)
    await orgs.ensure_seeded()
    org = (await orgs.find("Белозерская"))[0]
    topic = (await repo.topics())[0]
    form = request_form(org.short_name, topic.title, datetime.now(MSK).date())
    await db.close()
    return [int(r["id"]) for r in rows], first, form


def clock_plan(first: date) -> list[tuple[float, datetime]]:
    """(fraction of the run, the moment the clock shows from then on)."""
    moments: list[tuple[float, datetime]] = []
    for offset, day in ((0.15, first), (0.55, first + timedelta(weeks=1))):
        eve = day - timedelta(days=1)
        steps = [
            (eve, clock_time(14, 58)),
            (eve, clock_time(15, 1)),
            (day, clock_time(8, 6)),
            (day, clock_time(8, 9)),
            (day, clock_time(8, 40)),
        ]
        for i, (d, t) in enumerate(steps):
            moments.append((offset + i * 0.03, datetime.combine(d, t, tzinfo=MSK)))
    return moments


async def form_step(server: FakeTelegram, user: Person, pressed: bool, text: str) -> bool:
    """Type ``text``, or press the button with ``text`` in its caption on the newest message of
    the person's chat that has one (as it is now: the bot may edit it later). False when there
    is no such button: the tutor cancels, to start over."""
    if not pressed:
        await server.push_update("message", message(user, text))
        return True
    for shown in reversed(server.chat_messages(user.id)):
        for row in (shown.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if text in button["text"] and button.get("callback_data"):
                    data = button["callback_data"]
                    await server.push_update(
                        "callback_query", callback(user, data, deepcopy(shown))
                    )
                    return True
    await server.push_update("message", message(user, "/cancel"))
    return False


async def person(
    server: FakeTelegram,
    user: Person,
    form: list[tuple[bool, str]] | None,
    materials: list[int],
    stop: float,
) -> int:
    """A tutor has the ``form`` to fill in, one step every few seconds among the rest."""
    rng = random.Random(user.id)
    sent = 0
    step = 0
    while time.monotonic() < stop:
        await asyncio.sleep(rng.uniform(3.0, 7.0))
        roll = rng.random()
        if form and roll < 0.5:
            done = await form_step(server, user, *form[step % len(form)])
            step = step + 1 if done else 0
        elif roll < 0.6:
            await server.push_update("message", message(user, rng.choice(QUERIES)))
        elif roll < 0.85:
            action = rng.choice([MaterialAction.OPEN, MaterialAction.GET])
            data = MaterialCallback(action=action, id=rng.choice(materials), src=Source.SEARCH)
            await server.push_update("callback_query", callback(user, data.pack()))
        else:
            query = {"id": str(rng.random()), "from": user.as_user(), "query": "эцп", "offset": ""}
            await server.push_update("inline_query", query)
        sent += 1
    return sent


async def run(minutes: float) -> None:
    server = await FakeTelegram().start()
    server.enforce_limits = True
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bot.sqlite3"
        materials, first, form = await prepare(db_path)
        clock = Path(tmp) / "clock.txt"
        clock.write_text(datetime.now(MSK).isoformat())
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": server.url,
            "DATABASE_PATH": str(db_path),
            "ADMIN_IDS": "1001",
            "CLOCK_FILE": str(clock),
            "MPLCONFIGDIR": str(Path(tmp) / "mpl"),
        }
        log_path = Path(tmp) / "bot.log"
        with log_path.open("wb") as log_file:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=tmp, env=env, stderr=log_file
            )
            await server.wait_for("getUpdates", timeout=60)
            began = time.monotonic()
            duration = minutes * 60
            stop = began + duration
            people = [
                asyncio.create_task(
                    person(
                        server,
                        Person(6_000_000 + i, f"Люда{i}"),
                        form if i < TUTORS else None,
                        materials,
                        stop,
                    )
                )
                for i in range(PEOPLE)
            ]
            samples: list[tuple[float, float]] = []
            plan = clock_plan(first)
            broadcast_sent = False
            next_sample = began
            while time.monotonic() < stop:
                now = time.monotonic() - began
                while plan and now >= plan[0][0] * duration:
                    clock.write_text(plan.pop(0)[1].isoformat())
                if not broadcast_sent and now >= 0.3 * duration:
                    outbox = Database(db_path)
                    await outbox.connect()
                    await AnnouncementRepo(outbox).create(
                        Kind.BROADCAST,
                        Content(text=BROADCAST),
                        Targets(topics=("eln",), subscribers=True),
                        created_by=1001,
                    )
                    await outbox.close()
                    broadcast_sent = True
                if time.monotonic() >= next_sample:
                    samples.append((now, rss_mib(proc.pid)))
                    print(f"  {now:5.0f} s  RSS {samples[-1][1]:6.1f} MiB", flush=True)
                    next_sample += 30
                await asyncio.sleep(0.5)
            pushed = sum(await asyncio.gather(*people))
            # Let the outbox and the last answers drain.
            await asyncio.sleep(20)
            samples.append((time.monotonic() - began, rss_mib(proc.pid)))
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 60)
        log = log_path.read_text(errors="replace")
        conn = sqlite3.connect(db_path)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        delivered = conn.execute(
            "SELECT COUNT(*) FROM outbox o JOIN announcements a ON a.id = o.announcement_id"
            " WHERE a.kind = 'broadcast' AND o.status = 'sent'"
        ).fetchone()[0]
        vks_sent = conn.execute(
            "SELECT COUNT(*) FROM vks_reminders WHERE outcome = 'sent'"
        ).fetchone()[0]
        vks_posts = conn.execute(
            "SELECT COUNT(*) FROM outbox o JOIN announcements a ON a.id = o.announcement_id"
            " WHERE a.kind = 'vks' AND o.status = 'sent'"
        ).fetchone()[0]
        requests = conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
        conn.close()
    await server.stop()

    errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    warm = [rss for at, rss in samples if at >= 90] or [s[1] for s in samples]
    growth = (max(warm) - warm[0]) / warm[0] * 100 if warm else float("nan")
    answered = len(server.calls_of("sendMessage")) + len(server.calls_of("answerCallbackQuery"))
    print(f"\n{minutes:g} min, {pushed:,} updates from {PEOPLE} people; {answered:,} answers sent")
    print(
        f"RSS after warm-up (90 s): {warm[0]:.1f} -> max {max(warm):.1f} MiB,"
        f" growth {growth:+.1f}% (target <= 10%)"
    )
    print(
        f"broadcast: {delivered:,} of {SUBSCRIBERS + GROUPS:,} delivered;"
        f" 429s from the fake API: {server.rate_limited}"
    )
    print(f"VKS reminders: {vks_sent} moments sent, {vks_posts:,} posts delivered")
    print(f"training requests sent through the form by {TUTORS} tutors: {requests}")
    print(f"errors in the bot's log: {len(errors)} (target 0); exit code {code}")
    for line in errors[:10]:
        print("   ", line[:200])
    print(f"database integrity_check: {integrity}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.minutes))


if __name__ == "__main__":
    main()
