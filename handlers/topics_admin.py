"""Admins keep the list of training directions."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import texts
from bot.filters import PRIVATE
from bot.middlewares import RequireRole
from catalog.model import Topic
from storage.catalog import CatalogRepo
from storage.users import Role

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")


async def cmd_topics(message: Message, materials: CatalogRepo) -> None:
    counts = await materials.topic_counts()
    lines = [texts.TOPICS_HEADER]
    lines += [
        f"<code>{t.code}</code> — {texts.escape(t.title)} ({counts.get(t.code, 0)})"
        for t in await materials.topics()
    ]
    lines += ["", texts.TOPIC_USAGE]
    await message.answer(texts.fit(lines))


async def cmd_topic(message: Message, command: CommandObject, materials: CatalogRepo) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not _CODE.match(parts[0].lower()) or not 2 <= len(parts[1]) <= 80:
        await message.answer(texts.TOPIC_USAGE)
        return
    code, title = parts[0].lower(), " ".join(parts[1].split())
    created = await materials.put_topic(Topic(code, title))
    template = texts.TOPIC_ADDED if created else texts.TOPIC_RENAMED
    await message.answer(template.format(code=code, title=texts.escape(title)))


def create_router() -> Router:
    router = Router(name=__name__)
    gate = RequireRole(Role.ADMIN)
    router.message.middleware(gate)
    router.message.filter(PRIVATE)
    router.message.register(cmd_topics, Command("topics"))
    router.message.register(cmd_topic, Command("topic"))
    return router
