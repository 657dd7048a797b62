"""Telegram's overall limit, seen from both sides: waiting out short flood-control pauses instead
of failing the request, and counting what the bot sends so the outbox leaves room for answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
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


# Set in the delivery engine's task: the engine waits out a 429 for the one chat it concerns
# and goes on with the others, so its requests must not sleep inside the session.
OWN_RETRIES: ContextVar[bool] = ContextVar("own_retries", default=False)


class RetryAfter(BaseRequestMiddleware):
    """A reply that meets a 429 is sent again after the ``retry_after`` Telegram asked for.

    Telegram's limit of about 30 messages a second is shared by everything the bot sends, so
    while the outbox runs a broadcast at full speed, an ordinary answer to someone's search can
    be told to wait a second or two. The person gets the answer a little later instead of an
    error. Only a pause longer than ``longest`` fails the request: a handler must not hang for
    minutes, and the errors handler then stays quiet (an apology would meet the same 429).
    """

    def __init__(self, attempts: int = 5, longest: float = 30.0) -> None:
        self.attempts = attempts
        self.longest = longest

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if OWN_RETRIES.get():
            return await make_request(bot, method)
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


# Methods that send a message into a chat: what Telegram's ~30 messages a second counts.
_SENDING = ("Send", "Copy", "Forward")


class SentLastSecond(BaseRequestMiddleware):
    """Counts the messages the bot sent in the last second, whatever sent them.

    The outbox engine paces itself by this count rather than by its own sends alone, so that
    a broadcast running at full speed leaves room under Telegram's overall limit for the
    answers people are waiting for (bench/soak.py: with the engine counting only itself,
    answers met 429s three times running and failed).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._times: deque[float] = deque()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if type(method).__name__.startswith(_SENDING):
            self._times.append(self.clock())
        return await make_request(bot, method)

    def count(self) -> int:
        edge = self.clock() - 1.0
        while self._times and self._times[0] <= edge:
            self._times.popleft()
        return len(self._times)
