"""Admins grant and revoke roles and list people by role."""

from __future__ import annotations

import logging
import re
from contextlib import suppress
from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.callbacks import RoleAction, RoleCallback
from bot.commands import set_user_commands
from bot.filters import PRIVATE, Label
from bot.keyboards import role_pick_kb
from bot.middlewares import RequireRole
from bot.settings import Settings
from bot.states import GrantStates
from bot.texts import html_to_plain
from storage.db import Database, iso
from storage.users import Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

_ROLE_ALIASES: dict[str, Role] = {
    "admin": Role.ADMIN,
    "админ": Role.ADMIN,
    "администратор": Role.ADMIN,
    "methodologist": Role.METHODOLOGIST,
    "методист": Role.METHODOLOGIST,
    "tutor": Role.TUTOR,
    "тьютор": Role.TUTOR,
    "staff": Role.STAFF,
    "сотрудник": Role.STAFF,
}
_USER_ID = re.compile(r"^\d{1,20}$")
# How recently a person must have written to the bot for their @username to name them.
USERNAME_FRESH = timedelta(days=7)
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


class UnresolvedPersonError(Exception):
    """The text names nobody we can act on; the message is the Russian reason."""


def parse_role(word: str) -> Role | None:
    return _ROLE_ALIASES.get(word.strip().lower())


async def resolve_person(users: UserRepo, word: str) -> int:
    """A person named by id or by a username they showed the bot recently: a username given
    up passes to someone else, and a role must not go to whoever had it before."""
    word = word.strip()
    if _USER_ID.match(word):
        return int(word)
    match = _USERNAME.match(word)
    if match:
        username = match.group(1)
        found = await users.by_username(username, iso(users.db.now() - USERNAME_FRESH))
        if found is not None:
            return found.id
        if await users.username_known(username):
            raise UnresolvedPersonError(texts.GRANT_USERNAME_STALE.format(username=username))
        raise UnresolvedPersonError(texts.GRANT_UNKNOWN_USERNAME.format(username=username))
    raise UnresolvedPersonError(texts.GRANT_PERSON_INVALID)


def forwarded_person(message: Message) -> int | None:
    """The id behind a forwarded message; raises when the sender hid their account."""
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.id
    if isinstance(origin, MessageOriginHiddenUser):
        raise UnresolvedPersonError(texts.GRANT_HIDDEN_FORWARD)
    return None


async def apply_role(
    bot: Bot, users: UserRepo, settings: Settings, actor: UserRecord, target_id: int, role: Role
) -> str:
    """Change a role and tell the person; returns the admin's answer."""
    target = await users.get(target_id)
    who = texts.person(target, target_id)
    if target_id in settings.admin_ids and role is not Role.ADMIN:
        return texts.GRANT_CONFIG_ADMIN.format(person=who)
    if target_id == actor.id and role is not Role.ADMIN:
        return texts.GRANT_SELF_DEMOTE
    old = await users.set_role(target_id, role, changed_by=actor.id)
    if old is None:
        return texts.GRANT_UNCHANGED.format(person=who, role=texts.ROLE_TITLES[role])
    log.info("user %s changed role of %s: %s -> %s", actor.id, target_id, old, role)
    # The person may never have opened the bot, or may have blocked it: the role still stands.
    with suppress(TelegramAPIError):
        await set_user_commands(bot, target_id, role)
    with suppress(TelegramAPIError):
        await bot.send_message(target_id, texts.YOU_GOT_ROLE.format(role=texts.ROLE_TITLES[role]))
    return texts.GRANT_DONE.format(person=who, role=texts.ROLE_TITLES[role])


async def cmd_grant(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
) -> None:
    users = UserRepo(db)
    words = (command.args or "").split()
    try:
        target_id: int | None = None
        if message.reply_to_message is not None:
            target_id = forwarded_person(message.reply_to_message)
        if target_id is None and words:
            target_id = await resolve_person(users, words.pop(0))
    except UnresolvedPersonError as e:
        await message.answer(str(e))
        return
    if target_id is None:
        await state.set_state(GrantStates.waiting_for_person)
        await message.answer(texts.GRANT_ASK_PERSON)
        return
    if not words:
        await message.answer(
            texts.GRANT_PICK_ROLE.format(
                person=texts.person(await users.get(target_id), target_id)
            ),
            reply_markup=role_pick_kb(target_id),
        )
        return
    role = parse_role(words[0])
    if role is None:
        await message.answer(texts.GRANT_UNKNOWN_ROLE.format(role=words[0][:32]))
        return
    await message.answer(await apply_role(bot, users, settings, user, target_id, role))


async def grant_person_entered(message: Message, state: FSMContext, db: Database) -> None:
    users = UserRepo(db)
    try:
        target_id = forwarded_person(message)
        if target_id is None:
            target_id = await resolve_person(users, message.text or "")
    except UnresolvedPersonError as e:
        await message.answer(str(e))
        return
    await state.clear()
    await message.answer(
        texts.GRANT_PICK_ROLE.format(person=texts.person(await users.get(target_id), target_id)),
        reply_markup=role_pick_kb(target_id),
    )


async def grant_person_invalid(message: Message) -> None:
    await message.answer(texts.GRANT_PERSON_INVALID)


async def cmd_revoke(
    message: Message,
    command: CommandObject,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
) -> None:
    users = UserRepo(db)
    try:
        target_id = None
        if message.reply_to_message is not None:
            target_id = forwarded_person(message.reply_to_message)
        if target_id is None and command.args:
            target_id = await resolve_person(users, command.args.split()[0])
    except UnresolvedPersonError as e:
        await message.answer(str(e))
        return
    if target_id is None:
        await message.answer(texts.REVOKE_USAGE)
        return
    await message.answer(await apply_role(bot, users, settings, user, target_id, Role.STAFF))


async def cmd_roles(message: Message, db: Database, settings: Settings) -> None:
    users = UserRepo(db)
    people = await users.list_by_role()
    groups: dict[Role, list[UserRecord]] = {}
    for person in people:
        groups.setdefault(person.role, []).append(person)
    total = sum((await users.count_by_role()).values())
    await message.answer(texts.roles_list(groups, set(settings.admin_ids), total))


async def on_role_set(
    callback: CallbackQuery,
    callback_data: RoleCallback,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    outcome = await apply_role(
        bot, UserRepo(db), settings, user, callback_data.user_id, callback_data.role
    )
    await _replace_text(callback, callback_answer, outcome)


async def on_role_cancel(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    await _replace_text(callback, callback_answer, texts.CANCELLED)


async def _replace_text(callback: CallbackQuery, answer: CallbackAnswer, text: str) -> None:
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        # The message is too old to edit: say the outcome in the alert instead.
        answer.text = texts.shorten(html_to_plain(text), texts.ALERT_LIMIT)
        answer.show_alert = True
        return
    await callback.message.edit_text(text)


def create_router() -> Router:
    router = Router(name=__name__)
    gate = RequireRole(Role.ADMIN)
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
    router.message.register(cmd_grant, Command("grant"))
    router.message.register(cmd_revoke, Command("revoke"))
    router.message.register(cmd_roles, Command("roles"))
    router.message.register(cmd_roles, Label(texts.BTN_ROLES), PRIVATE)
    router.message.register(
        grant_person_entered,
        StateFilter(GrantStates.waiting_for_person),
        F.text | F.forward_origin,
    )
    router.message.register(grant_person_invalid, StateFilter(GrantStates.waiting_for_person))
    router.callback_query.register(on_role_set, RoleCallback.filter(F.action == RoleAction.SET))
    router.callback_query.register(
        on_role_cancel, RoleCallback.filter(F.action == RoleAction.CANCEL)
    )
    return router
