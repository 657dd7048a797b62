"""Shared fixtures: a real database on tmp_path, real dispatchers, and a fake Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from copy import deepcopy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.factory import build_dispatcher, create_bot
from bot.runner import run_polling
from bot.settings import Settings
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.imports import import_file
from tests.fakes.people import ADMIN, Person, callback, message
from tests.fakes.recording import TOKEN, RecordingSession
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


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_path, clock=settings.clock())
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def recording_bot() -> Bot:
    return Bot(TOKEN, session=RecordingSession())


@pytest.fixture
def dp(settings: Settings, db: Database) -> Dispatcher:
    return build_dispatcher(settings, db)


class RunningBot:
    """The real bot polling the fake server, in this process; can be stopped and restarted."""

    def __init__(self, server: FakeTelegram, settings: Settings) -> None:
        self.server = server
        self.settings = settings
        self.db: Database | None = None
        self.dp: Dispatcher | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> RunningBot:
        self.db = Database(self.settings.database_path, clock=self.settings.clock())
        await self.db.connect()
        bot = create_bot(self.settings)
        self.dp = build_dispatcher(self.settings, self.db)
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

    async def quiet(self, settle: float = 0.05, timeout: float = 10.0) -> None:
        """Wait until the bot has nothing left to do: no update waits or is being handled,
        and it has made no call for ``settle`` seconds."""
        assert self.dp is not None
        inflight = self.dp.workflow_data["inflight"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen, since = len(self.server.calls), loop.time()
        while True:
            now = loop.time()
            assert now < deadline, "the bot never went quiet"
            if len(self.server.calls) != seen:
                seen, since = len(self.server.calls), now
            elif self.server.pending_updates == 0 and inflight.count == 0 and now - since >= settle:
                return
            await asyncio.sleep(0.01)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(server: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunningBot]:
    bot = RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url))
    await bot.start()
    yield bot
    await bot.stop()


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


@pytest.fixture
async def demo_catalog(db: Database) -> CatalogRepo:
    """The shipped demo catalog, loaded through the real import path."""
    repo = CatalogRepo(db)
    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    report = await import_file(repo, data, "demo_materials.csv")
    assert report.problems == []
    return repo


async def title_ids(repo: CatalogRepo, *fragments: str) -> list[int]:
    """Ids of demo materials by a fragment of their title, in the order given."""
    records = await repo.export_records()
    found = []
    for fragment in fragments:
        matches = [int(r["id"]) for r in records if fragment in r["title"]]
        assert len(matches) == 1, (fragment, matches)
        found.append(matches[0])
    return found
