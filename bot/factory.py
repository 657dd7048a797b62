"""Builds the Bot and the Dispatcher. ``python -m bot``, the tests and the benchmarks all call
``build_dispatcher``, so they exercise the same wiring."""

from __future__ import annotations

import gc
import logging
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from aiohttp import ClientSession

import handlers
from bot.commands import register_commands
from bot.delivery import Delivery, Limits
from bot.errors import on_error
from bot.flood import RetryAfter
from bot.forms import setup_forms
from bot.middlewares import (
    InFlight,
    SkipRepeatedUpdates,
    Throttle,
    UserMiddleware,
)
from bot.scheduler import BackupPlan, Scheduler
from bot.settings import Settings
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.fsm import SQLiteStorage
from storage.organisations import OrgRepo
from storage.users import Role, UserRepo

log = logging.getLogger(__name__)

# See settle_heap.
YOUNG_THRESHOLD = 10_000
# How long shutdown waits for handlers that are still running before the database closes.
DRAIN_TIMEOUT = 30.0


class PlainHttpSession(AiohttpSession):
    """The session to a Bot API server reached over plain HTTP (a local server beside the bot).
    aiohttp's graceful shutdown, which aiogram follows, waits 250 ms for TLS connections to
    close; over HTTP there are none, and a stop (or every end-to-end test) need not wait."""

    client: ClientSession | None = None

    async def create_session(self) -> ClientSession:
        self.client = await super().create_session()
        return self.client

    async def close(self) -> None:
        if self.client is not None and not self.client.closed:
            await self.client.close()


def create_bot(settings: Settings) -> Bot:
    session = None
    if settings.telegram_api_url:
        kind = (
            PlainHttpSession if settings.telegram_api_url.startswith("http://") else AiohttpSession
        )
        session = kind(
            api=TelegramAPIServer.from_base(
                settings.telegram_api_url, is_local=settings.telegram_api_local
            )
        )
    bot = Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
    bot.session.middleware(RetryAfter())
    return bot


def build_dispatcher(
    settings: Settings,
    db: Database,
    *,
    events_isolation: BaseEventIsolation | None = None,
    delivery_limits: Limits | None = None,
    **workflow_data: Any,
) -> Dispatcher:
    """The whole bot minus the process: routers, middlewares, start-up and shutdown hooks.

    The isolation lock serialises updates of one user (per FSM key), so two quick taps cannot
    interleave their reads and writes of the same form. The in-memory lock is right for one
    process; several webhook instances need a shared one (aiogram's Redis isolation).

    ``delivery_limits`` replaces the outbox engine's pacing under Telegram's limits (tests that
    are not about those limits run without it, instead of waiting a second per chat).
    """
    fsm = SQLiteStorage(db)
    dp = Dispatcher(
        storage=fsm,
        events_isolation=events_isolation or SimpleEventIsolation(),
        name="mct",
    )
    inflight = InFlight()
    # One CatalogRepo per dispatcher: it caches the search vocabulary between updates.
    materials = CatalogRepo(db)
    delivery = Delivery(
        db, limits=delivery_limits, tz=settings.tz, renderers=handlers.renderers(db)
    )
    scheduler = build_scheduler(settings, delivery)
    dp.workflow_data.update(
        db=db,
        settings=settings,
        inflight=inflight,
        materials=materials,
        delivery=delivery,
        scheduler=scheduler,
        orgs=OrgRepo(db),
        **workflow_data,
    )

    # Outer middlewares on the update see every update, even those no handler claims.
    # In-flight first, so that an update skipped as a repeat is counted as finished too.
    dp.update.outer_middleware(inflight)
    dp.update.outer_middleware(SkipRepeatedUpdates())
    dp.update.outer_middleware(UserMiddleware(db, settings.admin_ids))
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    # Inner, so the handler is chosen and its ``throttle`` flag is known; after the callback
    # answerer, so a throttled button press still stops spinning.
    throttle = Throttle()
    dp.message.middleware(throttle)
    dp.callback_query.middleware(throttle)
    dp["throttle"] = throttle
    # On the dispatcher itself, errors from every router end up here.
    # The forms first: their errors handler (a button of a form that is gone) must be tried
    # before the general one.
    setup_forms(dp)
    dp.errors.register(on_error)
    dp.include_routers(*handlers.get_routers())

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


def build_scheduler(settings: Settings, delivery: Delivery) -> Scheduler:
    """The scheduler with every feature's planner (the doctor builds one too, to look)."""
    return Scheduler(
        delivery,
        settings.tz,
        handlers.planners(settings, delivery),
        grace=timedelta(minutes=settings.schedule_grace_minutes),
        backup=BackupPlan(settings.backups_folder, settings.backup_keep, settings.backup_time),
        clock=delivery.db.clock,
    )


def settle_heap() -> None:
    """Move everything built so far out of the garbage collector's way.

    Start-up leaves a large heap that lives as long as the process (aiogram's and pydantic's
    models, the glossary, the caches). Every full collection walked all of it: a pause of about
    150 ms every few thousand updates (bench/updates.py). Frozen, it is still freed by reference
    counting when dropped; only the cycle search skips it.

    Young objects are collected after YOUNG_THRESHOLD allocations instead of Python's 700. An
    update allocates a few hundred containers that reference counting frees when it is done;
    at 700, a collection ran every two or three updates and walked the ones still in flight,
    about 4% of the bench's time. Cyclic garbage waits a little longer: a few megabytes.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)


async def on_startup(
    bot: Bot,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    delivery: Delivery,
    scheduler: Scheduler,
    orgs: OrgRepo,
) -> None:
    await materials.ensure_topics()
    await orgs.ensure_seeded()
    # Loaded now rather than by the first search of the day.
    await materials.vocabulary()
    users = UserRepo(db)
    for admin_id in sorted(settings.admin_ids):
        await users.set_role(admin_id, Role.ADMIN, changed_by=None)
    privileged = {u.id: u.role for u in await users.list_by_role()}
    await register_commands(bot, privileged)
    # The engine first: catching up on missed moments at scheduler start puts rows into the
    # outbox, and the engine resumes whatever a crash left there.
    await delivery.start(bot)
    await scheduler.start()
    try:
        me = await bot.me()
    except Exception as e:
        log.warning("getMe failed at start-up: %s", e)
        return
    log.info("%s started as @%s (id %s)", settings.mode.value, me.username, me.id)


async def on_shutdown(inflight: InFlight, delivery: Delivery, scheduler: Scheduler) -> None:
    scheduler.shutdown()
    if inflight.count:
        log.info("waiting for %d running handler(s) to finish", inflight.count)
    if not await inflight.wait_idle(DRAIN_TIMEOUT):
        log.warning("%d handler(s) still running after %.0fs", inflight.count, DRAIN_TIMEOUT)
    # Handlers may have queued rows; the engine finishes its current send and stops, and the
    # rest waits in the outbox for the next start.
    await delivery.stop()
