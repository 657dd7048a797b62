"""The broadcast form: the content, who gets it (all chats, directions, chosen chats,
subscribers), an exact preview, then now or at a time.

Each step is one message edited in place, with «◀️ Назад» and «✖️ Отмена» after the first; a
step takes only its own answer (a command or a menu label is never the content). The preview
is sent by the code the delivery engine sends with, so it is what the chats will get; the form's
message moves below it. Sending is idempotent: the form's id goes with the announcement, and a
second press (or one after a crash between saving and closing) finds it and sends nothing."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Button, Group, Row, ScrollingGroup, SwitchTo
from aiogram_dialog.widgets.text import Const, Format

from bot import forms, ui
from bot.delivery import Rendered, send_rendered
from bot.settings import Settings
from catalog.schedule import parse_when
from handlers.broadcasts import service, texts
from handlers.broadcasts.states import Broadcast
from storage.announcements import AnnouncementRepo, Content, Targets
from storage.catalog import CatalogRepo
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role, UserRecord

MAX_AHEAD = timedelta(days=366)

# -- helpers ---------------------------------------------------------------------------------------


def _flash(manager: DialogManager) -> dict[str, Any]:
    data = manager.dialog_data
    return {"error": data.pop("error", ""), "resumed": bool(data.pop("resumed", False))}


NOTICES = (
    Const("📝 Продолжаем с того места, где вы остановились.\n", when="resumed"),
    Format("⚠️ {error}\n", when="error"),
)


def _targets(manager: DialogManager) -> Targets:
    mode = manager.dialog_data.get("mode", "")
    return Targets(
        all_chats=mode == "all",
        topics=tuple(forms.checked(manager, "tp")) if mode == "topics" else (),
        chats=tuple(int(c) for c in forms.checked(manager, "ch")) if mode == "chats" else (),
        subscribers=bool(manager.dialog_data.get("subscribers")),
    )


def _content(manager: DialogManager) -> Content:
    raw = manager.dialog_data.get("content") or {}
    return Content(
        text=str(raw.get("text") or ""),
        photo=raw.get("photo"),
        document=raw.get("document"),
        # The form's id: a second «Отправить» of the same form finds what the first made.
        ref=f"form:{manager.current_context().id}",
    )


def _local_now(manager: DialogManager) -> Any:
    db: Database = manager.middleware_data["db"]
    settings: Settings = manager.middleware_data["settings"]
    return db.now().astimezone(settings.tz)


async def _close_with(manager: DialogManager, text: str) -> None:
    """Close the form (its keyboard goes) and put ``text`` where its step was."""
    message_id = manager.current_stack().last_message_id
    chat = manager.middleware_data["event_chat"]
    bot: Bot = manager.middleware_data["bot"]
    await manager.done()
    if message_id:
        try:
            await bot.edit_message_text(text, chat_id=chat.id, message_id=message_id)
            return
        except TelegramAPIError:
            pass
    await bot.send_message(chat.id, text)


async def _drop_preview(manager: DialogManager) -> None:
    """The preview above the form goes when the person goes back to change the draft."""
    preview_id = manager.dialog_data.pop("preview_id", None)
    if preview_id:
        bot: Bot = manager.middleware_data["bot"]
        chat = manager.middleware_data["event_chat"]
        with suppress(TelegramAPIError):
            await bot.delete_message(chat.id, int(preview_id))


# -- the content -----------------------------------------------------------------------------------


async def content_received(message: Message, widget: Any, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    text = message.text or ""
    if text.startswith("/") or text in ui.MENU_BUTTONS:
        manager.dialog_data["error"] = texts.NOT_AN_ANSWER
        return
    # html_text keeps the author's bold, italics and links, for a caption too.
    html = message.html_text if (message.text or message.caption) else ""
    if message.photo:
        content = {"text": html, "photo": message.photo[-1].file_id, "document": None}
    elif message.document:
        content = {"text": html, "photo": None, "document": message.document.file_id}
    elif message.text:
        content = {"text": html, "photo": None, "document": None}
    else:
        manager.dialog_data["error"] = texts.CONTENT_INVALID
        return
    if (message.photo or message.document) and len(message.caption or "") > ui.CAPTION_LIMIT:
        manager.dialog_data["error"] = texts.CAPTION_TOO_LONG
        return
    manager.dialog_data["content"] = content
    await manager.switch_to(Broadcast.choosing_targets)


async def content_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    raw = dialog_manager.dialog_data.get("content") or {}
    prompt = texts.ASK_CONTENT
    if raw:
        has_media = bool(raw.get("photo") or raw.get("document"))
        prompt += "\n\n" + texts.content_now(str(raw.get("text") or ""), has_media, ui.BTN_NEXT)
    return {**_flash(dialog_manager), "prompt": prompt, "has_content": bool(raw)}


# -- who gets it -----------------------------------------------------------------------------------


async def all_chats_clicked(
    callback: CallbackQuery, button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["mode"] = "all"


async def subscribers_clicked(
    callback: CallbackQuery, button: Button, manager: DialogManager
) -> None:
    manager.dialog_data["subscribers"] = not manager.dialog_data.get("subscribers")


async def topics_done(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["mode"] = "topics" if forms.checked(manager, "tp") else ""
    await manager.switch_to(Broadcast.choosing_targets)


async def chats_done(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["mode"] = "chats" if forms.checked(manager, "ch") else ""
    await manager.switch_to(Broadcast.choosing_targets)


async def targets_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    materials: CatalogRepo = dialog_manager.middleware_data["materials"]
    titles = await materials.topic_titles()
    targets = _targets(dialog_manager)
    summary = texts.targets(
        targets.all_chats,
        [titles.get(c, c) for c in targets.topics],
        len(targets.chats),
        targets.subscribers,
    )
    return {
        **_flash(dialog_manager),
        "summary": summary,
        "subscribers": texts.yes_no(targets.subscribers),
    }


async def topics_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    materials: CatalogRepo = dialog_manager.middleware_data["materials"]
    topics = [(t.code, ui.shorten(t.title, 40)) for t in await materials.topics()]
    return {**_flash(dialog_manager), "topics": topics}


async def chats_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    db: Database = dialog_manager.middleware_data["db"]
    chats = [
        (str(c.id), ui.shorten(c.title or str(c.id), 60))
        for c in await ChatRepo(db).list()
        if c.active
    ]
    prompt = texts.PICK_CHATS if chats else texts.NO_CHATS
    return {**_flash(dialog_manager), "chats": chats, "prompt": prompt}


async def next_clicked(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """To the preview: the exact message first, the form's step below it."""
    db: Database = manager.middleware_data["db"]
    count = await AnnouncementRepo(db).count_targets(_targets(manager))
    if count == 0:
        forms.alert(manager, texts.NO_TARGETS)
        return
    await _drop_preview(manager)
    content = _content(manager)
    bot: Bot = manager.middleware_data["bot"]
    chat = manager.middleware_data["event_chat"]
    sent = await send_rendered(
        bot, chat.id, Rendered(content.text, photo=content.photo, document=content.document)
    )
    manager.dialog_data["preview_id"] = sent.message_id
    await manager.switch_to(Broadcast.confirming, show_mode=ShowMode.DELETE_AND_SEND)


# -- the preview and sending -----------------------------------------------------------------------


async def confirm_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    db: Database = dialog_manager.middleware_data["db"]
    count = await AnnouncementRepo(db).count_targets(_targets(dialog_manager))
    pin = texts.yes_no(bool(dialog_manager.dialog_data.get("pin")))
    return {
        **_flash(dialog_manager),
        "summary": texts.PREVIEW.format(count=count, pin=pin),
        "pin": pin,
    }


async def pin_clicked(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["pin"] = not manager.dialog_data.get("pin")


async def back_to_targets(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _drop_preview(manager)
    await manager.switch_to(Broadcast.choosing_targets)


async def _make(manager: DialogManager, scheduled_at: str | None) -> service.Made:
    middleware = manager.middleware_data
    user: UserRecord = middleware["user"]
    made = await service.make(
        middleware["db"],
        middleware["delivery"],
        middleware["scheduler"],
        _content(manager),
        _targets(manager),
        user.id,
        pin=bool(manager.dialog_data.get("pin")),
        scheduled_at=scheduled_at,
    )
    manager.dialog_data["sent"] = made.announcement_id
    return made


async def send_clicked(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    made = await _make(manager, None)
    if not made.new:
        await _close_with(manager, texts.ALREADY_SENT.format(id=made.announcement_id))
        return
    await _close_with(manager, texts.queued(made.announcement_id, made.rows))


async def discard_clicked(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _close_with(manager, texts.DISCARDED)


# -- at a time -------------------------------------------------------------------------------------


def time_factory(text: str) -> str:
    """Text, never a command or a menu label; the date itself is read against the clock."""
    if text.startswith("/") or text in ui.MENU_BUTTONS:
        raise ValueError(texts.NOT_AN_ANSWER)
    return text[:100]


async def time_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    await forms.typed(message, manager)
    now = _local_now(manager)
    when = parse_when(text, now)
    if when is None:
        manager.dialog_data["error"] = texts.time_invalid(now)
        return
    if when <= now or when > now + MAX_AHEAD:
        manager.dialog_data["error"] = texts.TIME_PAST
        return
    made = await _make(manager, when.astimezone(UTC).isoformat(timespec="seconds"))
    if not made.new:
        await _close_with(manager, texts.ALREADY_SENT.format(id=made.announcement_id))
        return
    await _close_with(
        manager,
        texts.SCHEDULED.format(id=made.announcement_id, when=when.strftime("%d.%m.%Y %H:%M")),
    )


async def time_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    settings: Settings = dialog_manager.middleware_data["settings"]
    return {
        **_flash(dialog_manager),
        "prompt": texts.ask_time(_local_now(dialog_manager), settings.timezone),
    }


# -- the dialog ------------------------------------------------------------------------------------


def _cancel() -> Button:
    """«✖️ Отмена» that also says, where the form was, that nothing was sent."""
    return Button(Const(ui.BTN_CANCEL), id="discard", on_click=discard_clicked)


def _nav_to(state: Any) -> Row:
    return Row(
        SwitchTo(Const(ui.BTN_BACK), id=f"to_{state.state.split(':')[-1][:8]}", state=state),
        _cancel(),
    )


def create_dialogs() -> list[Dialog]:
    """A new dialog for one dispatcher (a Dialog is a Router and joins one dispatcher only)."""
    b = Broadcast
    return [
        forms.form(
            Window(
                *NOTICES,
                Format("{prompt}"),
                MessageInput(content_received),
                Row(
                    SwitchTo(
                        Const(ui.BTN_NEXT), id="keep", state=b.choosing_targets, when="has_content"
                    ),
                    _cancel(),
                ),
                state=b.waiting_for_content,
                getter=content_getter,
            ),
            Window(
                *NOTICES,
                Format("{summary}"),
                Button(Const(texts.BTN_ALL_CHATS), id="all", on_click=all_chats_clicked),
                Row(
                    SwitchTo(Const(texts.BTN_BY_TOPICS), id="by_tp", state=b.choosing_topics),
                    SwitchTo(Const(texts.BTN_BY_CHATS), id="by_ch", state=b.choosing_chats),
                ),
                Button(
                    Format(texts.BTN_SUBSCRIBERS.replace("{state}", "{subscribers}")),
                    id="subs",
                    on_click=subscribers_clicked,
                ),
                Button(Const(ui.BTN_NEXT), id="next", on_click=next_clicked),
                MessageInput(forms.buttons_expected),
                _nav_to(b.waiting_for_content),
                state=b.choosing_targets,
                getter=targets_getter,
            ),
            Window(
                *NOTICES,
                Const(texts.PICK_TOPICS),
                Group(
                    forms.ticks("tp", "topics"),
                    width=2,
                ),
                Button(Const(ui.BTN_DONE), id="tp_ok", on_click=topics_done),
                MessageInput(forms.buttons_expected),
                _nav_to(b.choosing_targets),
                state=b.choosing_topics,
                getter=topics_getter,
            ),
            Window(
                *NOTICES,
                Format("{prompt}"),
                ScrollingGroup(
                    forms.ticks("ch", "chats"),
                    id="chp",
                    width=1,
                    height=8,
                    hide_on_single_page=True,
                ),
                Button(Const(ui.BTN_DONE), id="ch_ok", on_click=chats_done),
                MessageInput(forms.buttons_expected),
                _nav_to(b.choosing_targets),
                state=b.choosing_chats,
                getter=chats_getter,
            ),
            Window(
                *NOTICES,
                Format("{summary}"),
                Row(
                    Button(Const(texts.BTN_SEND_NOW), id="send", on_click=send_clicked),
                    SwitchTo(Const(texts.BTN_SCHEDULE), id="at", state=b.waiting_for_time),
                ),
                Button(
                    Format(texts.BTN_PIN.replace("{state}", "{pin}")),
                    id="pin",
                    on_click=pin_clicked,
                ),
                MessageInput(forms.buttons_expected),
                Row(Button(Const(ui.BTN_BACK), id="to_tg", on_click=back_to_targets), _cancel()),
                state=b.confirming,
                getter=confirm_getter,
            ),
            Window(
                *NOTICES,
                Format("{prompt}"),
                TextInput(
                    id="when",
                    type_factory=time_factory,
                    on_success=time_entered,
                    on_error=forms.invalid,
                ),
                MessageInput(forms.text_expected),
                _nav_to(b.confirming),
                state=b.waiting_for_time,
                getter=time_getter,
            ),
            role=Role.METHODOLOGIST,
        )
    ]
