"""The command table: what /help shows each role and what the bot registers in Telegram's menu."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)

from storage.users import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    description: str
    min_role: Role = Role.STAFF
    private: bool = True
    groups: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "Главное меню"),
    CommandSpec("help", "Что умеет бот", groups=True),
    CommandSpec("find", "Найти материал: /find запрос", groups=True),
    CommandSpec("catalog", "Каталог по направлениям"),
    CommandSpec("cancel", "Отменить текущее действие"),
    CommandSpec("subscribe", "Подписка на объявления по направлениям"),
    CommandSpec("request", "Заявка на обучение", Role.TUTOR),
    CommandSpec("myrequests", "Мои заявки", Role.TUTOR),
    CommandSpec("forget", "Удалить мои персональные данные"),
    CommandSpec("add", "Добавить материал", Role.METHODOLOGIST),
    CommandSpec("import", "Импорт каталога из CSV/XLSX", Role.METHODOLOGIST),
    CommandSpec("export", "Выгрузить каталог", Role.METHODOLOGIST),
    CommandSpec("vks", "ВКС 8.38: темы, ссылки, напоминания", Role.METHODOLOGIST),
    CommandSpec("broadcast", "Новое объявление в чаты", Role.METHODOLOGIST),
    CommandSpec("broadcasts", "Объявления: отчёты, отмена, отзыв", Role.METHODOLOGIST),
    CommandSpec("chats", "Чаты бота и их состояние", Role.METHODOLOGIST),
    CommandSpec(
        "bind", "Привязать чат к направлениям", Role.METHODOLOGIST, private=False, groups=True
    ),
    CommandSpec("requests", "Очередь заявок на обучение", Role.METHODOLOGIST),
    CommandSpec("sessions", "Занятия и их итоги", Role.METHODOLOGIST),
    CommandSpec("session", "Записать занятие без заявки", Role.METHODOLOGIST),
    CommandSpec("requests_export", "Выгрузить заявки и занятия", Role.METHODOLOGIST),
    CommandSpec("stats", "Статистика, графики и выгрузки", Role.METHODOLOGIST),
    CommandSpec("topics", "Направления обучения", Role.ADMIN),
    CommandSpec("mo", "Справочник МО", Role.ADMIN),
    CommandSpec("topic", "Добавить или переименовать направление", Role.ADMIN),
    CommandSpec("roles", "Кто какую роль имеет", Role.ADMIN),
    CommandSpec("grant", "Выдать роль", Role.ADMIN),
    CommandSpec("revoke", "Снять роль", Role.ADMIN),
)


def commands_for(role: Role, *, in_group: bool = False) -> list[CommandSpec]:
    return [
        c for c in COMMANDS if role.at_least(c.min_role) and (c.groups if in_group else c.private)
    ]


def _bot_commands(specs: list[CommandSpec]) -> list[BotCommand]:
    return [BotCommand(command=c.name, description=c.description) for c in specs]


async def register_commands(bot: Bot, privileged: dict[int, Role]) -> None:
    """Publish command menus per scope. A failure is logged and start-up goes on: the bot works
    without Telegram's command menu, people just see fewer hints."""
    try:
        await bot.set_my_commands(
            _bot_commands(commands_for(Role.STAFF)), scope=BotCommandScopeAllPrivateChats()
        )
        await bot.set_my_commands(
            _bot_commands(commands_for(Role.STAFF, in_group=True)),
            scope=BotCommandScopeAllGroupChats(),
        )
        for user_id, role in privileged.items():
            await set_user_commands(bot, user_id, role)
    except Exception as e:
        log.warning("could not register command menus: %s", e)


async def set_user_commands(bot: Bot, user_id: int, role: Role) -> None:
    scope = BotCommandScopeChat(chat_id=user_id)
    if role is Role.STAFF:
        await bot.delete_my_commands(scope=scope)
    else:
        await bot.set_my_commands(_bot_commands(commands_for(role)), scope=scope)
