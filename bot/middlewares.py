"""Cross-cutting middlewares: in-flight tracking, user upsert with role, and role gates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.types import User as TgUser
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
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
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    @property
    def count(self) -> int:
        return self._count

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
        refusal = texts.REFUSED.format(role=texts.ROLE_TITLES[self.role])
        if isinstance(event, CallbackQuery):
            await answer_callback(event, data, refusal)
        elif isinstance(event, Message):
            await event.answer(refusal)
        return None
