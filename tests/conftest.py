"""Shared fixtures: a real database on tmp_path, real dispatchers, and a fake Telegram.

Nothing of aiogram or the bot is imported at the top: with xdist the controlling process loads
this file too, only to start the workers, and aiogram's import alone takes seconds. The parts
are in tests/harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from bot.settings import Settings
    from storage.catalog import CatalogRepo
    from storage.db import Database
    from tests.fakes.telegram_server import FakeTelegram
    from tests.harness import RunningBot


def pytest_collection_finish(session: pytest.Session) -> None:
    """The worker's heap settled as the bot settles its own at start-up: every test module and
    aiogram's and pydantic's models are loaded by now, and each full garbage collection would
    walk them all again (about a quarter of the end-to-end tests' time)."""
    from bot.factory import settle_heap

    settle_heap()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    from tests.harness import make_settings

    return make_settings(tmp_path)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    from storage.db import Database

    database = Database(settings.database_path, clock=settings.clock())
    await database.connect()
    yield database
    await database.close()


@pytest.fixture
def recording_bot() -> Bot:
    from aiogram import Bot

    from tests.fakes.recording import TOKEN, RecordingSession

    return Bot(TOKEN, session=RecordingSession())


@pytest.fixture
def dp(settings: Settings, db: Database) -> Dispatcher:
    from bot.factory import build_dispatcher

    return build_dispatcher(settings, db)


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    from tests.fakes.telegram_server import FakeTelegram

    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(server: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunningBot]:
    from tests.harness import RunningBot, make_settings

    bot = RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url))
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def paced(server: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The running bot with the outbox engine's real pacing under Telegram's limits."""
    from bot.delivery import Limits
    from tests.harness import RunningBot, make_settings

    bot = RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url), Limits())
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def demo_catalog(db: Database) -> CatalogRepo:
    """The shipped demo catalog, loaded through the real import path."""
    from storage.catalog import CatalogRepo
    from storage.imports import import_file

    repo = CatalogRepo(db)
    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    report = await import_file(repo, data, "demo_materials.csv")
    assert report.problems == []
    return repo
