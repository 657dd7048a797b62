"""The role-granting form: whom (an id, a @username or a forwarded message), which role, and,
for the admin role, a confirmation."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Group, Select
from aiogram_dialog.widgets.text import Const, Format

from bot.forms import cancel_button, form, nav, typed
from handlers.roles import texts
from handlers.roles.router import apply_role, forwarded_person, who, why
from handlers.roles.service import Unresolved, UnresolvedPersonError, resolve_person
from handlers.roles.states import GrantStates
from storage.db import Database
from storage.users import Role, UserRepo

ROLES = [(role.value, texts.ROLE_BUTTONS[role]) for role in Role]


def _target(manager: DialogManager) -> int:
    started = manager.start_data if isinstance(manager.start_data, dict) else {}
    return int(manager.dialog_data.get("target") or started.get("target") or 0)


async def on_person(message: Message, widget: Any, manager: DialogManager) -> None:
    db: Database = manager.middleware_data["db"]
    await typed(message, manager)
    try:
        target = forwarded_person(message)
        if target is None:
            if not message.text:
                raise UnresolvedPersonError(Unresolved.INVALID)
            target = await resolve_person(UserRepo(db), message.text)
    except UnresolvedPersonError as e:
        manager.dialog_data["error"] = why(e)
        return
    manager.dialog_data.pop("error", None)
    manager.dialog_data["target"] = target
    await manager.switch_to(GrantStates.waiting_for_role)


async def _finish(callback: CallbackQuery, manager: DialogManager, role: Role) -> None:
    data = manager.middleware_data
    outcome = await apply_role(
        data["bot"], data["db"], data["settings"], data["user"], _target(manager), role
    )
    await manager.done()
    if callback.message is not None and hasattr(callback.message, "edit_text"):
        await callback.message.edit_text(outcome)


async def on_role(callback: CallbackQuery, widget: Any, manager: DialogManager, item: str) -> None:
    role = Role(item)
    if role is Role.ADMIN:
        manager.dialog_data["role"] = role.value
        await manager.switch_to(GrantStates.confirming_admin)
        return
    await _finish(callback, manager, role)


async def on_confirm(callback: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    await _finish(callback, manager, Role.ADMIN)


async def get_person(dialog_manager: DialogManager, db: Database, **_: Any) -> dict[str, Any]:
    target = _target(dialog_manager)
    name = await who(UserRepo(db), target) if target else ""
    return {"person": name, "error": dialog_manager.dialog_data.get("error", ""), "roles": ROLES}


def create_dialogs() -> list[Dialog]:
    return [
        form(
            Window(
                Const(texts.ASK_PERSON),
                Format("\n{error}", when="error"),
                cancel_button(),
                MessageInput(on_person),
                state=GrantStates.waiting_for_person,
                getter=get_person,
            ),
            Window(
                Format(texts.PICK_ROLE),
                Group(
                    Select(
                        Format("{item[1]}"),
                        id="role",
                        item_id_getter=lambda item: item[0],
                        items="roles",
                        on_click=on_role,
                    ),
                    width=2,
                ),
                nav(),
                state=GrantStates.waiting_for_role,
                getter=get_person,
            ),
            Window(
                Format(texts.CONFIRM_ADMIN),
                Button(Const(texts.BTN_CONFIRM_ADMIN), id="yes", on_click=on_confirm),
                nav(),
                state=GrantStates.confirming_admin,
                getter=get_person,
            ),
            role=Role.ADMIN,
        )
    ]
