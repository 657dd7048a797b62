"""Admins grant and revoke roles (/grant, /revoke, by buttons from /roles) and list people by
role. Every change is told to the person with their new menu."""

from __future__ import annotations

import logging
from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, MessageOriginHiddenUser, MessageOriginUser
from aiogram_dialog import DialogManager, StartMode

from bot import ui
from bot.commands import set_user_commands
from bot.filters import PRIVATE, Label
from bot.forms import open_form
from bot.middlewares import RequireRole
from bot.settings import Settings
from handlers.roles import texts
from handlers.roles.callbacks import RoleAction, RoleCallback
from handlers.roles.service import (
    Outcome,
    Unresolved,
    UnresolvedPersonError,
    change_role,
    parse_role,
    resolve_person,
)
from handlers.roles.states import GrantStates
from storage.db import Database
from storage.users import Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

REASONS = {
    Unresolved.INVALID: texts.PERSON_INVALID,
    Unresolved.UNKNOWN_USERNAME: texts.UNKNOWN_USERNAME,
    Unresolved.STALE_USERNAME: texts.USERNAME_STALE,
    Unresolved.HIDDEN: texts.HIDDEN_FORWARD,
}


def why(error: UnresolvedPersonError) -> str:
    return REASONS[error.reason].format(username=error.username)


def forwarded_person(message: Message) -> int | None:
    """The id behind a forwarded message; raises when the sender hid their account."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.id
    if isinstance(origin, MessageOriginHiddenUser):
        raise UnresolvedPersonError(Unresolved.HIDDEN)
    return None


async def who(users: UserRepo, user_id: int) -> str:
    return ui.person(await users.get(user_id), user_id)


async def apply_role(
    bot: Bot, db: Database, settings: Settings, actor: UserRecord, target: int, role: Role
) -> str:
    """Change a role under the rules and tell the person, with their new menu; returns what
    the admin is told."""
    users = UserRepo(db)
    name = await who(users, target)
    change = await change_role(users, settings.admin_ids, actor.id, target, role)
    if change.outcome is Outcome.CONFIG_ADMIN:
        return texts.CONFIG_ADMIN.format(person=name)
    if change.outcome is Outcome.SELF_DEMOTE:
        return texts.SELF_DEMOTE
    if change.outcome is Outcome.UNCHANGED:
        return texts.UNCHANGED.format(person=name, role=ui.ROLE_TITLES[role])
    log.info("user %s set the role of %s to %s", actor.id, target, role.value)
    # The person may never have opened the bot, or may have blocked it: the role still stands.
    with suppress(TelegramAPIError):
        await set_user_commands(bot, target, role)
    told = True
    try:
        await bot.send_message(
            target,
            texts.YOU_GOT_ROLE.format(role=ui.ROLE_TITLES[role]),
            reply_markup=ui.main_menu_kb(role),
        )
    except TelegramAPIError as e:
        log.info("role change of %s not told: %s", target, e)
        told = False
    return texts.done(name, role, told=told)


async def cmd_grant(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
    state: FSMContext,
    dialog_manager: DialogManager,
) -> None:
    users = UserRepo(db)
    words = (command.args or "").split()
    try:
        target: int | None = None
        if message.reply_to_message is not None:
            target = forwarded_person(message.reply_to_message)
        if target is None and words:
            target = await resolve_person(users, words.pop(0))
    except UnresolvedPersonError as e:
        await message.answer(why(e))
        return
    if target is None:
        await open_form(dialog_manager, state, GrantStates.waiting_for_person)
        return
    if not words:
        await dialog_manager.start(
            GrantStates.waiting_for_role, data={"target": target}, mode=StartMode.RESET_STACK
        )
        return
    role = parse_role(words[0])
    if role is None:
        await message.answer(texts.UNKNOWN_ROLE.format(role=ui.escape(ui.shorten(words[0], 32))))
        return
    if role is Role.ADMIN:
        await dialog_manager.start(
            GrantStates.confirming_admin,
            data={"target": target, "role": role.value},
            mode=StartMode.RESET_STACK,
        )
        return
    await message.answer(await apply_role(bot, db, settings, user, target, role))


async def cmd_revoke(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
) -> None:
    try:
        target = None
        if message.reply_to_message is not None:
            target = forwarded_person(message.reply_to_message)
        if target is None and command.args:
            target = await resolve_person(UserRepo(db), command.args.split()[0])
    except UnresolvedPersonError as e:
        await message.answer(why(e))
        return
    if target is None:
        await message.answer(texts.REVOKE_USAGE)
        return
    await message.answer(await apply_role(bot, db, settings, user, target, Role.STAFF))


async def cmd_roles(message: Message, db: Database, settings: Settings) -> None:
    users = UserRepo(db)
    groups: dict[Role, list[UserRecord]] = {}
    for known in await users.list_by_role():
        groups.setdefault(known.role, []).append(known)
    total = sum((await users.count_by_role()).values())
    kb = ui.Buttons()
    kb.button(text=texts.BTN_GRANT, callback_data=RoleCallback(action=RoleAction.GRANT))
    await message.answer(
        texts.roles_list(groups, set(settings.admin_ids), total), reply_markup=kb.as_markup()
    )


async def on_grant(
    callback: CallbackQuery, state: FSMContext, dialog_manager: DialogManager
) -> None:
    await open_form(dialog_manager, state, GrantStates.waiting_for_person)


def create_router() -> Router:
    router = Router(name=__name__)
    gate = RequireRole(Role.ADMIN)
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
    router.message.register(cmd_grant, Command("grant"))
    router.message.register(cmd_revoke, Command("revoke"))
    router.message.register(cmd_roles, Command("roles"))
    router.message.register(cmd_roles, Label(ui.BTN_ROLES), PRIVATE)
    router.callback_query.register(on_grant, RoleCallback.filter())
    return router
