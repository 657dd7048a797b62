"""What the end-to-end tests share: giving people roles, adding the bot to groups, pressing
buttons and answering a form's steps as a person does, reading chats, driving the scheduler's
clock, and waiting for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot import ui
from bot.scheduler import Scheduler
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, DOCTOR, Person, bot_membership, group_chat, message
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import RunningBot

METHODIST = DOCTOR
# What the bot does to show a person something: a new message, or the form's message edited.
SHOWN = ("sendMessage", "editMessageText")


async def make_methodist(running: RunningBot, person: Person = METHODIST) -> None:
    assert running.db is not None
    await UserRepo(running.db).set_role(person.id, Role.METHODOLOGIST, changed_by=None)


async def add_to_group(running: RunningBot, chat_id: int, title: str = "", **rights: Any) -> Call:
    """The bot is added to a group; returns its greeting there."""
    update = bot_membership(
        ADMIN, group_chat(chat_id, title), "member", running.server.bot_user, **rights
    )
    return await running.push_and_wait("my_chat_member", update, chat_id)


def last(running: RunningBot, chat_id: int) -> Json:
    return running.server.chat_messages(chat_id)[-1]


async def tap(
    running: RunningBot, person: Person, caption: str, method: str = "editMessageText"
) -> Call:
    """Press the button captioned ``caption`` on the newest message of ``person``'s chat that
    has one; returns the bot's first ``method`` call after the press."""
    seen = len(running.server.calls)
    await running.click(person, caption)
    return await running.server.wait_for(method, after=seen)


async def answer(running: RunningBot, person: Person, text: str | None, **extra: Any) -> Call:
    """Type into a form (or send ``extra`` content, a file): returns what the bot showed the
    person for it, the form's message edited or a new message."""
    seen = len(running.server.calls)
    await running.server.push_update("message", message(person, text, **extra))
    await running.quiet()
    for call in running.server.calls[seen:]:
        if call.method in SHOWN and call.params.get("chat_id") == person.id:
            return call
    raise AssertionError(f"the bot showed {person.first_name} nothing")


def keyboard(call: Call) -> list[str]:
    """The captions of the buttons a call sent, row by row."""
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def has_back_and_cancel(call: Call) -> bool:
    """The last row of a form's step: Back and Cancel, worded one way."""
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return bool(rows) and [b["text"] for b in rows[-1]] == [ui.BTN_BACK, ui.BTN_CANCEL]


async def wait_until(predicate: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def texts_in(server: FakeTelegram, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in server.chat_messages(chat_id)]


def scheduler_of(running: RunningBot) -> Scheduler:
    assert running.dp is not None
    scheduler = running.dp.workflow_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


async def drive(running: RunningBot, *moments: datetime) -> None:
    """Move the scheduler's clock through ``moments`` and let the engine drain."""
    scheduler = scheduler_of(running)
    for moment in moments:
        await scheduler.run_due(moment)
    await running.quiet()
