"""Waiting out Telegram's short flood-control pauses instead of failing the request."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)


class RetryAfter(BaseRequestMiddleware):
    """A reply that meets a 429 is sent again after the ``retry_after`` Telegram asked for.

    Telegram's limit of about 30 messages a second is shared by everything the bot sends, so
    while the outbox runs a broadcast at full speed, an ordinary answer to someone's search can
    be told to wait a second. Without this it would fail and reach the errors handler; with it
    the person gets the answer a second later. Long pauses are not waited out here: the
    delivery engine reschedules those itself, and a handler must not hang for minutes.
    """

    def __init__(self, attempts: int = 3, longest: float = 5.0) -> None:
        self.attempts = attempts
        self.longest = longest

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as e:
                if attempt == self.attempts or e.retry_after > self.longest:
                    raise
                log.info(
                    "%s: flood control, retrying in %s s", type(method).__name__, e.retry_after
                )
                await asyncio.sleep(e.retry_after)
        raise AssertionError("unreachable")
