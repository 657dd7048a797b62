"""Delivery of one announcement under Telegram's limits, against the fake Bot API enforcing them.

Three cases: 22 groups, 2,000 private subscribers, and both together (2,022 targets). With
``--faults`` each runs again while the fake answers like a Telegram having a bad day: 5% of
sends 500/502 with an nginx HTML page, 2% carried out and then dropped before the answer (the
bot never learns the message id), 1% answered 429.

For each it prints the total time (from queueing to the last message reaching the server), the
lower bound the limits allow (one message every 1/30 s overall; the first goes at once) and
their ratio, the 429s met, the messages lost and duplicated, and, after recalling the
announcement, the copies left in the chats: those whose id the bot knew must all be gone; a
copy whose answer was lost has an id Telegram never returned, so it cannot be deleted, and the
bot counts it in the recall report. Goals: 0 lost; 0 copies with a known id left; for the
2,022 targets a ratio <= 1.05 clean and <= 1.25 under faults.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiogram import Bot  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402

from bot.delivery import Delivery  # noqa: E402
from bot.flood import RetryAfter  # noqa: E402
from storage.announcements import AnnouncementRepo, Content, Kind, Targets  # noqa: E402
from storage.catalog import CatalogRepo  # noqa: E402
from storage.chats import ChatInfo, ChatRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.users import Role, UserRepo  # noqa: E402
from tests.fakes.recording import TOKEN  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram, Faults  # noqa: E402

TELEGRAM_RATE = 30.0
TEXT = "📣 Обновление РМИС: новая форма направления на МСЭ с понедельника."


async def one_case(name: str, groups: int, subscribers: int, faults: Faults | None) -> None:
    server = await FakeTelegram().start()
    server.enforce_limits = True
    server.faults = faults
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "bot.sqlite3")
        await db.connect()
        await CatalogRepo(db).ensure_topics()
        chats, users = ChatRepo(db), UserRepo(db)
        targets: list[int] = []
        for i in range(groups):
            chat_id = -1_000_000_000 - i
            await chats.upsert(ChatInfo(chat_id, f"Чат {i}", "supergroup"))
            targets.append(chat_id)
        for i in range(subscribers):
            user_id = 10_000_000 + i
            await users.set_role(user_id, Role.STAFF, changed_by=None)
            await chats.toggle_subscription(user_id, "eln")
            targets.append(user_id)
        session = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
        bot = Bot(TOKEN, session=session)
        # As the bot runs: replies wait out 429s in the session, the engine does not.
        bot.session.middleware(RetryAfter())
        delivery = Delivery(db)
        await delivery.start(bot)
        await asyncio.sleep(0.2)
        seen = len(server.calls)
        outbox = AnnouncementRepo(db)

        started = time.monotonic()
        created = await outbox.create(
            Kind.BROADCAST,
            Content(text=TEXT),
            Targets(all_chats=groups > 0, subscribers=subscribers > 0),
        )
        assert created is not None
        delivery.kick()
        expected = set(targets)

        counts: Counter[int] = Counter()
        sends: list[float] = []
        read = seen

        def collect() -> None:
            # Only the calls that arrived since the last look: the benchmark must not steal
            # the event loop from the engine it measures. Counted from what the chats hold
            # (a dropped answer still delivered), not from the requests.
            nonlocal read
            for call in server.calls[read:]:
                if call.method == "sendMessage" and call.params.get("text") == TEXT:
                    sends.append(call.at)
            read = len(server.calls)

        def in_chats() -> Counter[int]:
            return Counter(c for (c, _), m in server.messages.items() if m.get("text") == TEXT)

        deadline = started + max(60.0, len(targets) / TELEGRAM_RATE * 3)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            collect()
            counts = in_chats()
            if len(counts) >= len(expected):
                break
        total = (max(sends) if sends else time.monotonic()) - started
        await asyncio.sleep(1.0)  # a late duplicate would show up now
        collect()
        counts = in_chats()
        limits_429 = server.rate_limited - (faults.counts.get("throttled", 0) if faults else 0)

        # The recall: every copy with a known id must go.
        await outbox.recall(created[0])
        delivery.kick()
        recall_deadline = time.monotonic() + max(60.0, len(targets) / TELEGRAM_RATE * 3)
        while time.monotonic() < recall_deadline:
            row = await db.fetchone(
                "SELECT COUNT(*) AS n FROM outbox WHERE status IN ('recalling', 'pending')"
            )
            if row is not None and row["n"] == 0:
                break
            await asyncio.sleep(0.2)
        left = sum(in_chats().values())
        unknown = await db.fetchone("SELECT SUM(unknown_copies) AS n FROM outbox")
        await delivery.stop()
        await bot.session.close()
        await db.close()
    await server.stop()

    lower = (len(targets) - 1) / TELEGRAM_RATE
    lost = len(expected - set(counts))
    duplicated = sum(counts.values()) - len(set(counts))
    ratio = total / lower if lower else float("nan")
    injected = (
        f"  injected 5xx {faults.counts.get('server_error', 0)}"
        f" dropped {faults.counts.get('dropped', 0)} 429 {faults.counts.get('throttled', 0)}"
        if faults
        else ""
    )
    unknown_ids = int(unknown["n"] or 0) if unknown else 0
    print(
        f"{name:<36} targets {len(targets):>5}  total {total:6.2f} s  lower bound {lower:6.2f} s"
        f"  ratio {ratio:5.3f}  429s {limits_429}  lost {lost}  duplicated {duplicated}"
        f"  left after recall {left} (with a known id {max(left - unknown_ids, 0)},"
        f" id never returned {unknown_ids}){injected}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=22)
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--faults", action="store_true", help="also run under injected faults")
    parser.add_argument("--only-faults", action="store_true", help="skip the clean runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    def bad_day() -> Faults:
        return Faults(server_errors=0.05, dropped=0.02, throttled=0.01, seed=args.seed)

    plans: list[tuple[str, bool]] = []
    if not args.only_faults:
        plans.append(("", False))
    if args.faults or args.only_faults:
        plans.append((" under faults", True))
    for suffix, faulty in plans:
        await one_case("groups" + suffix, args.groups, 0, bad_day() if faulty else None)
        await one_case(
            "private subscribers" + suffix, 0, args.subscribers, bad_day() if faulty else None
        )
        await one_case(
            "groups and subscribers" + suffix,
            args.groups,
            args.subscribers,
            bad_day() if faulty else None,
        )


if __name__ == "__main__":
    asyncio.run(main())
