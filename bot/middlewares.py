"""Cross-cutting middlewares: in-flight tracking, user upsert with role, and role gates."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.callback_answer import CallbackAnswer

from bot import ui
from storage.db import Database
from storage.users import Role, SeenUser, UserRecord, UserRepo

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlight(BaseMiddleware):
    """Counts updates being handled, so shutdown can wait for them before closing the database.

    aiogram's polling runs each update as a task and does not wait for those tasks on stop.
    """

    def __init__(self) -> None:
        self._count = 0
        self._finished = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            self._finished += 1
            if self._count == 0:
                self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    @property
    def finished(self) -> int:
        """Updates handled to the end (or skipped) since start: an update the polling loop
        took but that has not reached this middleware yet is in neither number."""
        return self._finished

    async def wait_idle(self, limit: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), limit)
        except TimeoutError:
            return False
        return True


class UserMiddleware(BaseMiddleware):
    """Upserts the sender of every update and puts ``user`` and ``role`` into handler data.

    The role is read from the database on every update: roles are checked on the server, and a
    grant or revoke takes effect on the very next message.
    """

    def __init__(self, db: Database, admin_ids: frozenset[int]) -> None:
        self.users = UserRepo(db)
        self.admin_ids = admin_ids

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            data["role"] = Role.STAFF
            return await handler(event, data)
        record = await self.users.touch(
            SeenUser(
                id=tg_user.id,
                first_name=tg_user.first_name,
                last_name=tg_user.last_name,
                username=tg_user.username,
                language_code=tg_user.language_code,
            )
        )
        if tg_user.id in self.admin_ids and record.role is not Role.ADMIN:
            # ADMIN_IDS always win, even over a role edited in the database by hand.
            await self.users.set_role(tg_user.id, Role.ADMIN, changed_by=None)
            record = await self.users.get(tg_user.id) or record
        data["user"] = record
        data["role"] = record.role
        return await handler(event, data)


async def answer_callback(query: CallbackQuery, data: dict[str, Any], text: str) -> None:
    """Show an alert for a button press exactly once.

    CallbackAnswerMiddleware answers every query after its handler; answering it ourselves too
    would make Telegram reject the second answer, so we hand it the text instead.
    """
    answer: CallbackAnswer | None = data.get("callback_answer")
    if answer is None:
        await query.answer(text, show_alert=True)
        return
    answer.text = text[:200]
    answer.show_alert = True


class RequireRole(BaseMiddleware):
    """Inner middleware for a router: refuses politely unless the user has at least ``role``.

    It runs after the filters matched, so the user learns the action exists but is not theirs,
    and the handler (and any change it would make) never runs. It guards callbacks too, because
    callback data can be forged by any client.
    """

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: UserRecord | None = data.get("user")
        if user is not None and user.role.at_least(self.role):
            return await handler(event, data)
        log.info(
            "refused %s to user %s with role %s",
            type(event).__name__,
            user.id if user else None,
            user.role if user else None,
        )
        refusal = ui.REFUSED.format(role=ui.ROLE_TITLES[self.role])
        if isinstance(event, CallbackQuery):
            await answer_callback(event, data, refusal)
        elif isinstance(event, Message):
            await event.answer(refusal)
        return None


# -- abuse protection -------------------------------------------------------------------------

THROTTLE_FLAG = "throttle"


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``events`` per ``seconds`` for one person, per kind of action."""

    events: int
    seconds: float


# Searches are what people do all day: generous. Exports and charts cost a worker thread for
# seconds: strict. Everything else sits in between, roomy enough for a fast typist in a form.
LIMITS: dict[str, Limit] = {
    "search": Limit(40, 60.0),
    "default": Limit(60, 60.0),
    # Exports: a workbook of every row is the costliest thing a person can ask for.
    "heavy": Limit(4, 60.0),
    # A chart takes 0.3-0.4 s of a worker thread; comparing three methods over four scopes is
    # twelve of them, and one person is capped near five seconds of drawing a minute.
    "chart": Limit(12, 60.0),
}


class Throttle(BaseMiddleware):
    """Per-person rate limits, chosen by the handler's ``throttle`` flag (aiogram flags).

    A sliding window per (person, kind). A refused button press always gets its alert: the
    press must be answered anyway, and a silent answer looks like a dead button. Of refused
    messages only the first of a burst gets a notice, so a flood is not answered with a flood.
    Admins are limited too: an export loop hurts whoever starts it.
    """

    def __init__(
        self, limits: dict[str, Limit] | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or LIMITS
        self.clock = clock
        self._events: dict[tuple[int, str], deque[float]] = {}
        self._noticed: dict[tuple[int, str], float] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None:
            return await handler(event, data)
        kind = str(get_flag(data, THROTTLE_FLAG, default="default"))
        limit = self.limits.get(kind, self.limits["default"])
        key = (tg_user.id, kind)
        now = self.clock()
        window = self._events.setdefault(key, deque())
        while window and window[0] <= now - limit.seconds:
            window.popleft()
        if len(window) < limit.events:
            window.append(now)
            self._noticed.pop(key, None)
            return await handler(event, data)
        wait = max(1, int(window[0] + limit.seconds - now) + 1)
        log.info("throttled user %s (%s)", tg_user.id, kind)
        if isinstance(event, CallbackQuery):
            await answer_callback(event, data, ui.THROTTLED.format(seconds=wait))
        elif key not in self._noticed and isinstance(event, Message):
            self._noticed[key] = now
            await event.answer(ui.THROTTLED.format(seconds=wait))
        if len(self._events) > 50_000:
            self._forget(now)
        return None

    def _forget(self, now: float) -> None:
        longest = max(limit.seconds for limit in self.limits.values())
        self._events = {k: v for k, v in self._events.items() if v and v[-1] > now - longest}
        self._noticed = {k: t for k, t in self._noticed.items() if t > now - longest}


class SkipRepeatedUpdates(BaseMiddleware):
    """Handles each update id once. Telegram re-sends a webhook update it got no answer to in
    time, and the retry may arrive while the first delivery is still being handled."""

    def __init__(self, remember: int = 10_000) -> None:
        self.remember = remember
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = getattr(event, "update_id", None)
        if update_id is None:
            return await handler(event, data)
        if update_id in self._seen:
            log.info("update %s delivered again: skipped", update_id)
            return None
        self._seen[update_id] = None
        if len(self._seen) > self.remember:
            self._seen.popitem(last=False)
        return await handler(event, data)
