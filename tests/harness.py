"""The parts of the end-to-end tests: settings for a test, the real bot polling the fake
Telegram in this process, and reading the buttons it sent. The fixtures in tests/conftest.py
are built from these."""

from __future__ import annotations

import asyncio
from copy import deepcopy
from pathlib import Path
from typing import Any

from aiogram import Dispatcher

from bot.delivery import Limits
from bot.factory import build_dispatcher, create_bot
from bot.runner import run_polling
from bot.settings import Settings
from storage.catalog import CatalogRepo
from storage.db import Database
from tests.fakes.people import ADMIN, Person, callback, message
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import Call, FakeTelegram, Json


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "database_path": tmp_path / "bot.sqlite3",
        "admin_ids": frozenset({ADMIN.id}),
        # Off unless a test is about it: started on a Monday morning, the bot would send the
        # admin a digest in the middle of some other test's conversation.
        "weekly_digest": False,
    }
    values.update(overrides)
    # _env_file=None: a developer's own .env must not leak into the tests.
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# The outbox engine without its pacing under Telegram's limits, so that a test waits for the
# bot rather than a second per chat. The tests about those limits pass the real ones.
UNPACED = Limits(per_second=10_000.0, overall=1_000_000, chat_interval=0.0, group_per_window=10**6)


class RunningBot:
    """The real bot polling the fake server, in this process; can be stopped and restarted."""

    def __init__(self, server: FakeTelegram, settings: Settings, limits: Limits = UNPACED) -> None:
        self.server = server
        self.settings = settings
        self.limits = limits
        self.db: Database | None = None
        self.dp: Dispatcher | None = None
        self._task: asyncio.Task[None] | None = None
        self._taken_before = 0

    async def start(self) -> RunningBot:
        self.db = Database(self.settings.database_path, clock=self.settings.clock())
        await self.db.connect()
        bot = create_bot(self.settings)
        self.dp = build_dispatcher(self.settings, self.db, delivery_limits=self.limits)
        self._taken_before = self.server.taken
        seen = len(self.server.calls)
        self._task = asyncio.create_task(run_polling(bot, self.dp, handle_signals=False))
        await self.server.wait_for("getUpdates", after=seen)
        return self

    async def stop(self) -> None:
        if self.dp is not None and self._task is not None:
            await self.dp.stop_polling()
            await self._task
        if self.db is not None:
            await self.db.close()
        self.dp = self._task = self.db = None

    async def say(self, person: Person, text: str, **extra: Any) -> Call:
        """Send a private message and wait for the bot's next message to that person."""
        return await self.push_and_wait("message", message(person, text, **extra), person.id)

    async def push_and_wait(
        self, kind: str, payload: Json, chat_id: int, method: str = "sendMessage"
    ) -> Call:
        seen = len(self.server.calls)
        await self.server.push_update(kind, payload)
        return await self.server.wait_for(
            method, lambda c: c.params.get("chat_id") == chat_id, after=seen
        )

    async def press(self, person: Person, data: str, on_message: Json | None = None) -> Call:
        """Press an inline button; returns the bot's answerCallbackQuery."""
        seen = len(self.server.calls)
        await self.server.push_update("callback_query", callback(person, data, on_message))
        return await self.server.wait_for("answerCallbackQuery", after=seen)

    async def click(self, person: Person, caption: str, chat_id: int | None = None) -> Call:
        """Press the button captioned ``caption`` on the newest message in the chat that has
        one, as a person does; returns the bot's answerCallbackQuery."""
        chat = person.id if chat_id is None else chat_id
        for shown in reversed(self.server.chat_messages(chat)):
            markup = shown.get("reply_markup")
            if caption in button_texts(markup):
                # A copy: the fake edits its messages in place, and the press carries the
                # message as it was when pressed.
                return await self.press(person, button_data(markup, caption), deepcopy(shown))
        raise AssertionError(f"no button {caption!r} in chat {chat}")

    def shown(self, person: Person) -> Json:
        """The newest message in the person's chat, as it looks now."""
        return self.server.chat_messages(person.id)[-1]

    async def quiet(self, settle: float = 0.0, timeout: float = 10.0) -> None:
        """Wait until the bot has nothing left to do: every update it took from the fake has
        been handled, the outbox engine rests, and no call has come for ``settle`` seconds."""
        assert self.dp is not None
        inflight = self.dp.workflow_data["inflight"]
        delivery = self.dp.workflow_data["delivery"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen, since = len(self.server.calls), loop.time()
        while True:
            now = loop.time()
            assert now < deadline, "the bot never went quiet"
            if len(self.server.calls) != seen:
                seen, since = len(self.server.calls), now
            elif (
                self.server.pending_updates == 0
                and self.server.taken - self._taken_before == inflight.finished
                and delivery.idle
                and now - since >= settle
            ):
                return
            await asyncio.sleep(0.005)


def button_texts(markup: Json | None) -> list[str]:
    """The captions of every button of a reply or inline keyboard, row by row."""
    if not markup:
        return []
    rows = markup.get("keyboard") or markup.get("inline_keyboard") or []
    return [button["text"] for row in rows for button in row]


def button_data(markup: Json | None, caption: str) -> str:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == caption:
                return str(button["callback_data"])
    raise AssertionError(f"no button {caption!r} in {markup}")


async def title_ids(repo: CatalogRepo, *fragments: str) -> list[int]:
    """Ids of demo materials by a fragment of their title, in the order given."""
    records = await repo.export_records()
    found = []
    for fragment in fragments:
        matches = [int(r["id"]) for r in records if fragment in r["title"]]
        assert len(matches) == 1, (fragment, matches)
        found.append(matches[0])
    return found
