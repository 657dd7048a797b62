"""Delivery of one announcement under Telegram's limits, against the fake Bot API enforcing them.

Two cases: 22 groups, and 2,000 private subscribers. For each it prints the total time (from
queueing to the last message reaching the server), the lower bound the limits allow (one message
every 1/30 s overall; the first goes at once), their ratio, the 429s received, and the messages
lost and duplicated. Targets: ratio <= 1.10, zero 429s, zero lost, zero duplicated.
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
from storage.announcements import AnnouncementRepo, Content, Kind, Targets  # noqa: E402
from storage.catalog import CatalogRepo  # noqa: E402
from storage.chats import ChatInfo, ChatRepo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.users import Role, UserRepo  # noqa: E402
from tests.fakes.recording import TOKEN  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

TELEGRAM_RATE = 30.0
TEXT = "📣 Обновление РМИС: новая форма направления на МСЭ с понедельника."


async def one_case(name: str, groups: int, subscribers: int) -> None:
    server = await FakeTelegram().start()
    server.enforce_limits = True
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
        delivery = Delivery(db)
        await delivery.start(bot)
        await asyncio.sleep(0.2)
        seen = len(server.calls)

        started = time.monotonic()
        await AnnouncementRepo(db).create(
            Kind.BROADCAST,
            Content(text=TEXT),
            Targets(all_chats=groups > 0, subscribers=subscribers > 0),
        )
        delivery.kick()
        expected = set(targets)

        counts: Counter[int] = Counter()
        sends: list[float] = []
        read = seen

        def collect() -> None:
            # Only the calls that arrived since the last look: the benchmark must not steal
            # the event loop from the engine it measures.
            nonlocal read
            for call in server.calls[read:]:
                if call.method == "sendMessage" and call.params.get("text") == TEXT:
                    counts[int(call.params["chat_id"])] += 1
                    sends.append(call.at)
            read = len(server.calls)

        deadline = started + max(60.0, len(targets) / TELEGRAM_RATE * 3)
        while len(counts) < len(expected) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            collect()
        total = (max(sends) if sends else time.monotonic()) - started
        await asyncio.sleep(1.0)  # a late duplicate would show up now
        collect()
        await delivery.stop()
        await bot.session.close()
        await db.close()
    await server.stop()

    lower = (len(targets) - 1) / TELEGRAM_RATE
    lost = len(expected - set(counts))
    duplicated = sum(counts.values()) - len(set(counts))
    ratio = total / lower if lower else float("nan")
    print(
        f"{name:<22} targets {len(targets):>5}  total {total:7.2f} s  lower bound {lower:7.2f} s"
        f"  ratio {ratio:5.3f}  429s {server.rate_limited}  lost {lost}  duplicated {duplicated}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=22)
    parser.add_argument("--subscribers", type=int, default=2000)
    args = parser.parse_args()
    await one_case("groups", args.groups, 0)
    await one_case("private subscribers", 0, args.subscribers)


if __name__ == "__main__":
    asyncio.run(main())
