"""The plumbing every multi-step form shares. Forms are aiogram_dialog dialogs; this module wires
the library to the bot's rules:

- **A step is committed before its message is sent.** aiogram_dialog saves a dialog's context
  after the handler, that is after the new step reached Telegram; ``StepFirstManager`` saves it
  as the step is shown, so a crash (even kill -9) right after the person sees a step loses
  nothing, and the buttons on the screen still work after a restart.
- **One answer per button press.** aiogram's CallbackAnswerMiddleware answers every press (with
  the alerts the handlers set), so the dialogs' message manager does not answer a second time:
  Telegram refuses the second answer.
- **A form accepts only its own answers.** Commands and main-menu labels are handled by the
  routers before the dialogs; one of them used mid-form leaves the form, and the form's draft
  is kept (``LeaveFormsForMenu``): opening the same form again (``open_form``) continues where
  the person left off. /cancel leaves and forgets the draft (``cancel_forms``).
- **A button of a form that is gone** (finished, cancelled, or from before an upgrade) gets a
  short alert instead of an error.
- Forms live in private chats only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from operator import itemgetter
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.filters.base import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import Dialog, DialogManager, ShowMode, StartMode, setup_dialogs
from aiogram_dialog.api.entities import ChatEvent
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState
from aiogram_dialog.api.internal import CONTEXT_KEY, STACK_KEY, STORAGE_KEY
from aiogram_dialog.api.protocols import DialogManager as DialogManagerProtocol
from aiogram_dialog.api.protocols import DialogRegistryProtocol
from aiogram_dialog.context.media_storage import MediaIdStorage
from aiogram_dialog.manager.manager import ManagerImpl
from aiogram_dialog.manager.manager_factory import DefaultManagerFactory
from aiogram_dialog.manager.message_manager import MessageManager
from aiogram_dialog.utils import REPLY_CALLBACK_SYMBOLS, remove_intent_id
from aiogram_dialog.widgets.input import ManagedTextInput
from aiogram_dialog.widgets.kbd import Back, Cancel, Multiselect, Row
from aiogram_dialog.widgets.text import Const, Format

from bot import ui
from bot.filters import PRIVATE
from bot.middlewares import RequireRole
from storage.users import Role

log = logging.getLogger(__name__)

# Where a form left by a menu button keeps its draft: the person's ordinary FSM data.
DRAFTS = "drafts"

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class StepFirstManager(ManagerImpl):
    """aiogram_dialog's manager, saving the dialog's context and stack before each step is
    shown. The library saves them again after the handler; an unchanged row is not written
    twice by our storage."""

    async def show(self, show_mode: ShowMode | None = None) -> None:
        data = self.middleware_data
        proxy = data.get(STORAGE_KEY)
        if proxy is not None:
            await proxy.save_context(data.get(CONTEXT_KEY))
            await proxy.save_stack(data.get(STACK_KEY))
        await super().show(show_mode)


class StepFirstManagerFactory(DefaultManagerFactory):
    def __call__(
        self,
        event: ChatEvent,
        data: dict[str, Any],
        registry: DialogRegistryProtocol,
        router: Router,
    ) -> DialogManagerProtocol:
        return StepFirstManager(
            event=event,
            data=data,
            message_manager=self.message_manager,
            media_id_storage=self.media_id_storage,
            registry=registry,
            router=router,
            getter=self.getter,
        )


class AnsweredElsewhere(MessageManager):
    """CallbackAnswerMiddleware answers every button press, with the handlers' alerts."""

    async def answer_callback(self, bot: Bot, callback_query: CallbackQuery) -> None:
        return None


class StripReplyMarks(BaseMiddleware):
    """aiogram_dialog reads invisible characters at the end of any text as a hidden button
    press (its reply-keyboard callbacks, which this bot does not use): text pasted from a
    document with soft hyphens at the end vanished, and some endings broke the update. They
    mean nothing to people, so they go before the library sees the text."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Message) and event.text and event.text[-1] in REPLY_CALLBACK_SYMBOLS:
            stripped = event.text.rstrip(REPLY_CALLBACK_SYMBOLS)
            event = event.model_copy(update={"text": stripped or "…"}).as_(event.bot)
        return await handler(event, data)


def _is_form_exit(message: Message) -> bool:
    text = message.text or ""
    return text.startswith("/") or text in ui.MENU_BUTTONS


class LeaveFormsForMenu(BaseMiddleware):
    """A command or a main-menu button handled outside the forms closes the open form, keeping
    its draft for the next time that form is opened."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        manager: DialogManager | None = data.get("dialog_manager")
        state: FSMContext | None = data.get("state")
        router = data.get("event_router")
        if (
            isinstance(event, Message)
            and manager is not None
            and state is not None
            and not isinstance(router, Dialog)
            and _is_form_exit(event)
            and manager.has_context()
        ):
            await keep_draft(manager, state)
            await manager.reset_stack(remove_keyboard=True)
        return await handler(event, data)


async def keep_draft(manager: DialogManager, state: FSMContext) -> None:
    """Put the open form's answers aside, by its states group."""
    context = manager.current_context()
    drafts = dict((await state.get_data()).get(DRAFTS) or {})
    drafts[context.state.group.__full_group_name__] = {
        "state": context.state.state,
        "start_data": context.start_data,
        "dialog_data": context.dialog_data,
        "widget_data": context.widget_data,
    }
    await state.update_data({DRAFTS: drafts})


async def open_form(
    manager: DialogManager,
    state: FSMContext,
    first: State,
    data: dict[str, Any] | None = None,
) -> bool:
    """Open the form that starts at ``first``: where its kept draft left off if there is one,
    else from the start with ``data``. Returns True when a draft was resumed."""
    group = first.group.__full_group_name__
    drafts = dict((await state.get_data()).get(DRAFTS) or {})
    draft = drafts.pop(group, None)
    if draft is None:
        await manager.start(first, data=data, mode=StartMode.RESET_STACK)
        return False
    await state.update_data({DRAFTS: drafts})
    await manager.start(
        first,
        data=draft.get("start_data"),
        mode=StartMode.RESET_STACK,
        show_mode=ShowMode.NO_UPDATE,
    )
    context = manager.current_context()
    context.dialog_data.update(draft.get("dialog_data") or {})
    context.dialog_data["resumed"] = True
    context.widget_data.update(draft.get("widget_data") or {})
    target = next((s for s in first.group.__states__ if s.state == draft.get("state")), first)
    await manager.switch_to(target, show_mode=ShowMode.SEND)
    await manager.show()
    return True


async def cancel_forms(manager: DialogManager, state: FSMContext) -> bool:
    """/cancel: close the open form and forget every kept draft. True if there was one."""
    had = manager.has_context() or bool((await state.get_data()).get(DRAFTS))
    if manager.has_context():
        await manager.reset_stack(remove_keyboard=True)
    await state.update_data({DRAFTS: {}})
    return had


async def on_gone_form(event: ErrorEvent, bot: Bot, dialog_manager: DialogManager) -> bool:
    """A button of a form that is gone: an alert, and nothing else changes."""
    if isinstance(event.exception, UnknownState):
        # A step renamed since the form was saved: the form cannot go on.
        await dialog_manager.reset_stack(remove_keyboard=False)
    query = event.update.callback_query
    if query is not None:
        await bot.answer_callback_query(query.id, ui.STALE_BUTTON, show_alert=True)
    elif event.update.message is not None:
        await event.update.message.answer(ui.STALE_BUTTON)
    log.info("update %s: a gone form: %s", event.update.update_id, type(event.exception).__name__)
    return True


def setup_forms(dp: Dispatcher) -> None:
    """Wire aiogram_dialog into the dispatcher; call before the feature routers are included
    and before the errors handler is registered."""
    dp.message.outer_middleware(StripReplyMarks())
    setup_dialogs(
        dp,
        dialog_manager_factory=StepFirstManagerFactory(
            message_manager=AnsweredElsewhere(),
            media_id_storage=MediaIdStorage(),  # type: ignore[no-untyped-call]
            getter=None,
        ),
    )
    dp.message.middleware(LeaveFormsForMenu())
    dp.errors.register(
        on_gone_form, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState)
    )


class FormEvent(Filter):
    """What belongs to an open form: a press of one of its buttons (aiogram_dialog marks their
    data with the form's intent id), or a message while a form is open in this chat that is
    neither a command nor a main-menu label (those go to their handlers, which close the form;
    a command no handler knows reaches the form, which refuses it as an answer)."""

    async def __call__(self, event: Message | CallbackQuery, **data: Any) -> bool:
        if isinstance(event, CallbackQuery):
            return event.data is not None and remove_intent_id(event.data)[0] is not None
        return data.get(CONTEXT_KEY) is not None and not _is_form_exit(event)


def form(*windows: Any, role: Role = Role.STAFF, **options: Any) -> Dialog:
    """A dialog with the bot's rules for forms: private chats only, and the person's role
    checked on every message and button press (a role can be taken away mid-form)."""
    dialog = Dialog(*windows, **options)
    dialog.message.filter(PRIVATE)
    dialog.callback_query.filter(PRIVATE)
    if role is not Role.STAFF:
        gate = RequireRole(role)
        dialog.message.middleware(gate)
        dialog.callback_query.middleware(gate)
    return dialog


async def typed(message: Message, manager: DialogManager) -> None:
    """After a typed answer (or a wrong one): the form's own message is edited to the next
    step, and the person's message goes, so a form stays one message at the bottom of the
    chat instead of a trail of old steps with live buttons."""
    manager.show_mode = ShowMode.EDIT
    with suppress(TelegramAPIError):
        await message.delete()


async def refuse(message: Message, manager: DialogManager, hint: str) -> None:
    """A wrong answer: the step stays, with ``hint`` above it (windows show ``{error}``)."""
    manager.dialog_data["error"] = hint
    await typed(message, manager)


async def invalid(
    message: Message, widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    """A TextInput's ``on_error``: the type factory's hint."""
    await refuse(message, manager, str(error))


async def text_expected(message: Message, widget: Any, manager: DialogManager) -> None:
    """A MessageInput for a sticker, a photo or a file where text is due."""
    await refuse(message, manager, ui.TEXT_EXPECTED)


async def buttons_expected(message: Message, widget: Any, manager: DialogManager) -> None:
    """A MessageInput for anything typed where the step asks for a button."""
    await refuse(message, manager, ui.BUTTONS_EXPECTED)


# -- the widgets every form uses, worded one way -----------------------------------------------


def alert(manager: DialogManager, text: str) -> None:
    """A button press inside a form answered with an alert (see ``ui.alert``)."""
    answer = manager.middleware_data.get("callback_answer")
    if isinstance(answer, CallbackAnswer):
        ui.alert(answer, text)


def ticks(widget_id: str, items: str, **options: Any) -> Multiselect[str]:
    """The one way a form lists ``(id, caption)`` items to tick, the ticked ones marked ✅;
    ``options`` go to aiogram_dialog's Multiselect. Read back with ``checked``."""
    return Multiselect(
        Format("✅ {item[1]}"),
        Format("{item[1]}"),
        id=widget_id,
        item_id_getter=itemgetter(0),
        items=items,
        **options,
    )


def checked(manager: DialogManager, widget_id: str) -> list[str]:
    """The ticked items of a Multiselect, as their ids."""
    widget = manager.find(widget_id)
    return [str(v) for v in widget.get_checked()] if widget is not None else []


def back_button() -> Back:
    return Back(Const(ui.BTN_BACK))


def cancel_button() -> Cancel:
    return Cancel(Const(ui.BTN_CANCEL))


def nav() -> Row:
    """Back and Cancel, the last row of every step but the first."""
    return Row(back_button(), cancel_button())
