"""Runs the bot until SIGTERM or SIGINT: long polling by default, or a webhook server."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.factory import build_dispatcher, create_bot, settle_heap
from bot.settings import Mode, Settings
from storage.db import Database

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    db = Database(settings.database_path, clock=settings.clock())
    await db.connect()
    bot = create_bot(settings)
    try:
        dp = build_dispatcher(settings, db)
        # After on_startup (registered first), when what lives all along has been built.
        dp.startup.register(settle_heap)
        if settings.mode is Mode.WEBHOOK:
            await run_webhook(bot, dp, settings)
        else:
            await run_polling(bot, dp)
    finally:
        await bot.session.close()
        await db.close()
        log.info("stopped, database closed")


async def run_polling(bot: Bot, dp: Dispatcher, *, handle_signals: bool = True) -> None:
    # getUpdates fails while a webhook is set; keep pending updates, they are people's messages.
    await bot.delete_webhook(drop_pending_updates=False)
    # aiogram installs SIGTERM/SIGINT handlers that stop polling; shutdown hooks then drain
    # running handlers before we close the database.
    await dp.start_polling(
        bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=handle_signals
    )


def build_webhook_app(bot: Bot, dp: Dispatcher, settings: Settings) -> web.Application:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = web.Application()
    # aiogram answers 401 when X-Telegram-Bot-Api-Secret-Token does not match the secret.
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    app.router.add_get("/healthz", _health)

    async def set_webhook(_: web.Application) -> None:
        assert settings.webhook_url is not None  # guaranteed by Settings in webhook mode
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
            drop_pending_updates=False,
        )

    # Registered before setup_application so the webhook is set before the dispatcher starts.
    app.on_startup.append(set_webhook)
    setup_application(app, dp, bot=bot)
    return app


async def _health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def run_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    app = build_webhook_app(bot, dp, settings)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await site.start()
        log.info(
            "webhook server on %s:%s%s",
            settings.webhook_host,
            settings.webhook_port,
            settings.webhook_path,
        )
        await stop.wait()
        log.info("signal received, shutting down")
    finally:
        # Cleanup runs the dispatcher's shutdown hooks, which wait for running handlers.
        await runner.cleanup()
