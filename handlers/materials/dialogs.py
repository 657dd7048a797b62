"""The materials feature's forms: adding a material (from /add, or from a file sent to the
bot), editing one (any fields, or a new version of its file), and importing the catalog.

Each step is one message edited in place, with «◀️ Назад» and «✖️ Отмена», and takes only its
own answer: a typed step refuses commands and menu labels, a button step answers typed text
with a hint. Saving is idempotent: the saved id is kept in the form, and the form is closed
before anything else is sent, so a second press finds it closed.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict
from operator import itemgetter
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import CancelEventProcessing, Dialog, DialogManager, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Back, Button, Group, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Const, Format

from bot import forms, ui
from bot.delivery import Delivery
from bot.settings import Settings
from catalog.importer import ImportFormatError
from catalog.model import (
    AUDIENCES,
    KIND_TITLES,
    MAX_DESCRIPTION,
    MAX_TITLE,
    MAX_TOPICS,
    FieldError,
    Kind,
    check_tags,
    check_title,
    check_url,
)
from catalog.pdscan import Finding
from handlers.materials import keyboards, service, texts
from handlers.materials.states import AddMaterial, EditMaterial, ImportCatalog
from storage.catalog import CatalogRepo, Material
from storage.db import Database
from storage.users import Role, UserRecord

# What a typed answer may be at most before it is even looked at.
MAX_TEXT = 4000

# -- what arrives ----------------------------------------------------------------------------------


def file_info(message: Message) -> dict[str, Any] | None:
    """The file of a message (a document, a video or the largest size of a photo), as plain
    form data; None when the message has none."""
    media = message.document or message.video
    if media is not None:
        return {
            "file_id": media.file_id,
            "file_unique_id": media.file_unique_id,
            "file_name": media.file_name,
            "file_size": media.file_size,
            "mime_type": media.mime_type,
            "file_type": "document" if message.document else "video",
        }
    if message.photo:
        photo = message.photo[-1]
        return {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "file_name": None,
            "file_size": photo.file_size,
            "mime_type": "image/jpeg",
            "file_type": "photo",
        }
    return None


def title_from(file_name: str | None, caption: str | None) -> str:
    """A title to suggest: the caption, or the file's name without its extension."""
    if caption and caption.strip():
        return ui.shorten(caption, MAX_TITLE)
    if not file_name:
        return ""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name)
    return ui.shorten(stem.replace("_", " "), MAX_TITLE)


def _answer(text: str) -> str:
    """A typed answer, never a command or a main-menu label (those have their own handlers
    before the forms; this is the second guard)."""
    if text.startswith("/") or text in ui.MENU_BUTTONS:
        raise ValueError(texts.NOT_AN_ANSWER)
    return text[:MAX_TEXT]


def title_factory(text: str) -> str:
    try:
        return check_title(_answer(text))
    except FieldError:
        raise ValueError(texts.TITLE_INVALID) from None


def description_factory(text: str) -> str:
    value = " ".join(_answer(text).split())
    if len(value) > MAX_DESCRIPTION:
        raise ValueError(texts.DESCRIPTION_TOO_LONG)
    return value


def tags_factory(text: str) -> list[str]:
    parts = [p for p in re.split(r"[,;|]", _answer(text)) if p.strip()]
    try:
        return check_tags(parts)
    except FieldError as e:
        raise ValueError(str(e)[:1].upper() + str(e)[1:] + ".") from None


def url_factory(text: str) -> str:
    try:
        return check_url(_answer(text))
    except FieldError:
        raise ValueError(texts.URL_INVALID) from None


def source_url_factory(text: str) -> str:
    try:
        return check_url(_answer(text))
    except (FieldError, ValueError):
        raise ValueError(texts.ADD_SOURCE_INVALID) from None


# -- small helpers ---------------------------------------------------------------------------------


def _draft(manager: DialogManager) -> dict[str, Any]:
    draft: dict[str, Any] = manager.dialog_data.setdefault("draft", {})
    return draft


def _editing(manager: DialogManager) -> bool:
    return manager.current_context().state.group is EditMaterial


def _step(manager: DialogManager, name: str) -> State:
    group = EditMaterial if _editing(manager) else AddMaterial
    state: State = getattr(group, name)
    return state


async def _after_field(manager: DialogManager) -> None:
    """An answered step: the next one when adding, the summary when editing."""
    if _editing(manager):
        await manager.switch_to(EditMaterial.confirming)
    else:
        await manager.next()


async def close_with(manager: DialogManager, text: str, message_id: int | None = None) -> None:
    """Close the form (its keyboard goes) and put ``text`` where its step was."""
    message_id = message_id or manager.current_stack().last_message_id
    chat = manager.middleware_data["event_chat"]
    bot: Bot = manager.middleware_data["bot"]
    await manager.done()
    if message_id:
        try:
            await bot.edit_message_text(text, chat_id=chat.id, message_id=message_id)
        except TelegramAPIError:
            await bot.send_message(chat.id, text)
    else:
        await bot.send_message(chat.id, text)


async def send_card(bot: Bot, chat_id: int, materials: CatalogRepo, material: Material) -> None:
    await bot.send_message(
        chat_id,
        await service.card_text(materials, material),
        reply_markup=keyboards.card_kb(material.id, material.active),
    )


def _flash(manager: DialogManager) -> dict[str, Any]:
    """The hint for a wrong answer and the note of a resumed draft, shown once each."""
    data = manager.dialog_data
    return {"error": data.pop("error", ""), "resumed": bool(data.pop("resumed", False))}


NOTICES = (
    Const(texts.RESUMED + "\n", when="resumed"),
    Format("⚠️ {error}\n", when="error"),
)


# -- handlers shared by the steps ------------------------------------------------------------------


# -- the source (/add) -----------------------------------------------------------------------------


async def _show_existing(manager: DialogManager, material: Material, note: str) -> None:
    materials: CatalogRepo = manager.middleware_data["materials"]
    bot: Bot = manager.middleware_data["bot"]
    chat = manager.middleware_data["event_chat"]
    await close_with(manager, note)
    await send_card(bot, chat.id, materials, material)


async def source_url_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, url: str
) -> None:
    await forms.typed(message, manager)
    found = await service.existing(manager.middleware_data["materials"], url=url)
    if found is not None:
        await _show_existing(manager, found, texts.DUPLICATE_URL)
        return
    _draft(manager).update(url=url)
    await manager.next()


async def source_received(message: Message, widget: Any, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    info = file_info(message)
    if info is None:
        manager.dialog_data["error"] = texts.ADD_SOURCE_INVALID
        return
    found = await service.existing(
        manager.middleware_data["materials"], file_unique_id=info["file_unique_id"]
    )
    if found is not None:
        await _show_existing(manager, found, texts.DUPLICATE_FILE)
        return
    draft = _draft(manager)
    draft.update(info, url=None)
    draft["title"] = draft.get("title") or title_from(info["file_name"], message.caption)
    await manager.next()


# -- the field steps -------------------------------------------------------------------------------


async def title_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, title: str
) -> None:
    _draft(manager)["title"] = title
    await forms.typed(message, manager)
    await _after_field(manager)


async def title_kept(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if not _draft(manager).get("title"):
        manager.dialog_data["error"] = texts.ASK_TITLE_EMPTY
        return
    await _after_field(manager)


async def description_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, description: str
) -> None:
    _draft(manager)["description"] = description
    await forms.typed(message, manager)
    await _after_field(manager)


async def field_kept(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _after_field(manager)


async def direction_clicked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, code: str
) -> None:
    known = await manager.middleware_data["materials"].topic_titles()
    chosen = forms.checked(manager, "dirs")
    if code not in known:
        forms.alert(manager, ui.STALE_BUTTON)
        raise CancelEventProcessing
    if code not in chosen and len(chosen) >= MAX_TOPICS:
        forms.alert(manager, texts.TOPICS_TOO_MANY)
        raise CancelEventProcessing


async def directions_done(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if not forms.checked(manager, "dirs"):
        forms.alert(manager, texts.TOPICS_NEED_ONE)
        return
    await _after_field(manager)


async def kind_chosen(
    callback: CallbackQuery, widget: Any, manager: DialogManager, kind: str
) -> None:
    if kind not in set(Kind):
        forms.alert(manager, texts.KIND_UNKNOWN)
        return
    _draft(manager)["kind"] = kind
    await _after_field(manager)


async def audience_clicked(
    callback: CallbackQuery, widget: Any, manager: DialogManager, code: str
) -> None:
    if code not in AUDIENCES:
        forms.alert(manager, ui.STALE_BUTTON)
        raise CancelEventProcessing


async def tags_entered(
    message: Message, widget: ManagedTextInput[list[str]], manager: DialogManager, tags: list[str]
) -> None:
    _draft(manager)["tags"] = tags
    await forms.typed(message, manager)
    await _after_field(manager)


async def url_entered(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, url: str
) -> None:
    _draft(manager)["url"] = url
    await forms.typed(message, manager)
    await _after_field(manager)


async def new_file_received(message: Message, widget: Any, manager: DialogManager) -> None:
    await forms.typed(message, manager)
    info = file_info(message)
    if info is None:
        manager.dialog_data["error"] = texts.NEW_FILE_INVALID
        return
    materials: CatalogRepo = manager.middleware_data["materials"]
    if await service.existing(materials, file_unique_id=info["file_unique_id"]) is not None:
        manager.dialog_data["error"] = texts.NEW_FILE_SAME
        return
    _draft(manager).update(info)
    manager.dialog_data["mode"] = service.Mode.VERSION.value
    await manager.switch_to(EditMaterial.confirming)


# -- saving ----------------------------------------------------------------------------------------


async def save_clicked(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _save(callback, manager, service.Decision.CHECK)


async def publish_anyway(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _save(callback, manager, service.Decision.PUBLISH)


async def hand_to_admins(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _save(callback, manager, service.Decision.HOLD)


async def _save(
    callback: CallbackQuery, manager: DialogManager, decision: service.Decision
) -> None:
    data = manager.dialog_data
    if data.get("saved"):
        # Pressed again after a save whose form could not close (a crash in between).
        forms.alert(manager, texts.ALREADY_SAVED)
        return
    middleware = manager.middleware_data
    materials: CatalogRepo = middleware["materials"]
    delivery: Delivery = middleware["delivery"]
    user: UserRecord = middleware["user"]
    bot: Bot = middleware["bot"]
    db: Database = middleware["db"]
    settings: Settings = middleware["settings"]

    async def download(file_id: str) -> bytes:
        buffer = io.BytesIO()
        await bot.download(file_id, destination=buffer)
        return buffer.getvalue()

    draft = dict(_draft(manager))
    draft["topics"] = forms.checked(manager, "dirs")
    draft["audience"] = forms.checked(manager, "aud")
    mode = service.Mode(data.get("mode") or service.Mode.ADD)
    target = data.get("material_id")
    outcome = await service.save(
        materials,
        delivery,
        service.material_input(draft),
        user,
        mode=mode,
        target=int(target) if target else None,
        today=db.now().astimezone(settings.tz).date().isoformat(),
        download=download,
        decision=decision,
        findings=[Finding(**f) for f in data.get("findings", [])],
    )
    if isinstance(outcome, service.Refused):
        forms.alert(manager, outcome.reason[:1].upper() + outcome.reason[1:])
        return
    if isinstance(outcome, service.Doubtful):
        data["findings"] = [asdict(f) for f in outcome.findings]
        data["unread"] = outcome.unread
        await manager.switch_to(_step(manager, "deciding_on_personal_data"))
        return
    data["saved"] = outcome.material_id
    message_id = callback.message.message_id if callback.message else None
    if outcome.held:
        await close_with(manager, texts.PD_HELD.format(id=outcome.material_id), message_id)
        return
    done = texts.saved(mode.value)
    if outcome.unread:
        # Nothing found, but the file's text was not read: a scanned PDF, say.
        done += "\n" + texts.PD_UNREAD.format(reason=ui.escape(ui.shorten(outcome.unread, 200)))
    await close_with(manager, done, message_id)
    material = await materials.get(outcome.material_id)
    if material is not None:
        await send_card(bot, middleware["event_chat"].id, materials, material)


# -- getters ---------------------------------------------------------------------------------------


async def source_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    return _flash(dialog_manager)


async def title_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    draft = _draft(dialog_manager)
    title = str(draft.get("title") or "")
    return {
        **_flash(dialog_manager),
        "prompt": texts.ask_title(title),
        "has_title": bool(title),
        "can_go_back": bool(dialog_manager.dialog_data.get("from_source")),
    }


async def description_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    description = str(_draft(dialog_manager).get("description") or "")
    return {
        **_flash(dialog_manager),
        "prompt": texts.ask_description(description),
        "has_description": bool(description),
        "no_description": not description,
    }


async def directions_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    materials: CatalogRepo = dialog_manager.middleware_data["materials"]
    topics = [(t.code, ui.shorten(t.title, 40)) for t in await materials.topics()]
    return {**_flash(dialog_manager), "topics": topics}


async def kinds_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    current = _draft(dialog_manager).get("kind")
    kinds = [
        (k.value, title, "✅ " if k.value == current else "") for k, title in KIND_TITLES.items()
    ]
    return {**_flash(dialog_manager), "kinds": kinds}


async def audience_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    return {**_flash(dialog_manager), "audiences": list(AUDIENCES.items())}


async def tags_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    tags = _draft(dialog_manager).get("tags") or []
    prompt = texts.ASK_TAGS
    if tags:
        prompt = "🏷 " + ui.escape(ui.shorten(", ".join(tags), 300)) + "\n" + prompt
    return {**_flash(dialog_manager), "prompt": prompt, "has_tags": bool(tags), "no_tags": not tags}


async def url_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    url = str(_draft(dialog_manager).get("url") or "")
    return {**_flash(dialog_manager), "prompt": texts.ask_url(url)}


async def _lines(manager: DialogManager) -> list[str]:
    materials: CatalogRepo = manager.middleware_data["materials"]
    titles = await materials.topic_titles()
    draft = _draft(manager)
    return texts.draft_lines(
        title=str(draft.get("title") or ""),
        kind=Kind(draft.get("kind") or Kind.MANUAL),
        topics=[titles.get(c, c) for c in forms.checked(manager, "dirs")],
        audience=forms.checked(manager, "aud"),
        tags=list(draft.get("tags") or []),
        description=str(draft.get("description") or ""),
        file_name=str(draft.get("file_name") or draft.get("file_type") or ""),
        url=str(draft.get("url") or ""),
    )


async def preview_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    return {**_flash(dialog_manager), "text": texts.preview(await _lines(dialog_manager))}


async def warning_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    user: UserRecord = dialog_manager.middleware_data["user"]
    admin = user.role.at_least(Role.ADMIN)
    findings = [Finding(**f) for f in dialog_manager.dialog_data.get("findings", [])]
    unread = str(dialog_manager.dialog_data.get("unread") or "")
    return {
        **_flash(dialog_manager),
        "text": texts.pd_warning(findings, admin, unread),
        "admin": admin,
        "methodologist": not admin,
    }


async def menu_getter(dialog_manager: DialogManager, **kwargs: Any) -> dict[str, Any]:
    draft = _draft(dialog_manager)
    return {
        **_flash(dialog_manager),
        "prompt": texts.edit_menu(str(draft.get("title") or "")),
        "has_file": bool(draft.get("file_id")),
    }


# -- the windows -----------------------------------------------------------------------------------


def _nav(group: type[AddMaterial] | type[EditMaterial]) -> Row:
    """Back and Cancel. Editing goes back to the list of fields, adding to the step before."""
    if group is EditMaterial:
        back: Any = SwitchTo(Const(ui.BTN_BACK), id="to_menu", state=EditMaterial.choosing_field)
        return Row(back, forms.cancel_button())
    return forms.nav()


def _field_windows(group: type[AddMaterial] | type[EditMaterial]) -> list[Window]:
    """The steps both forms share, in the order a new material goes through them."""
    nav = _nav(group)
    if group is AddMaterial:
        title_nav: Row = Row(Back(Const(ui.BTN_BACK), when="can_go_back"), forms.cancel_button())
    else:
        title_nav = _nav(group)
    return [
        Window(
            *NOTICES,
            Format("{prompt}"),
            TextInput(
                id="title",
                type_factory=title_factory,
                on_success=title_entered,
                on_error=forms.invalid,
            ),
            MessageInput(forms.text_expected),
            Button(Const(texts.BTN_KEEP), id="keep_title", on_click=title_kept, when="has_title"),
            title_nav,
            state=group.waiting_for_title,
            getter=title_getter,
        ),
        Window(
            *NOTICES,
            Format("{prompt}"),
            TextInput(
                id="desc",
                type_factory=description_factory,
                on_success=description_entered,
                on_error=forms.invalid,
            ),
            MessageInput(forms.text_expected),
            Button(
                Const(texts.BTN_KEEP), id="keep_desc", on_click=field_kept, when="has_description"
            ),
            Button(Const(ui.BTN_SKIP), id="skip_desc", on_click=field_kept, when="no_description"),
            nav,
            state=group.waiting_for_description,
            getter=description_getter,
        ),
        Window(
            *NOTICES,
            Const(texts.ASK_TOPICS),
            Group(
                forms.ticks("dirs", "topics", max_selected=MAX_TOPICS, on_click=direction_clicked),
                width=2,
            ),
            Button(Const(ui.BTN_DONE), id="dirs_ok", on_click=directions_done),
            MessageInput(forms.buttons_expected),
            nav,
            state=group.choosing_directions,
            getter=directions_getter,
        ),
        Window(
            *NOTICES,
            Const(texts.ASK_KIND),
            Group(
                Select(
                    Format("{item[2]}{item[1]}"),
                    id="kind",
                    item_id_getter=itemgetter(0),
                    items="kinds",
                    on_click=kind_chosen,
                ),
                width=2,
            ),
            MessageInput(forms.buttons_expected),
            nav,
            state=group.choosing_kind,
            getter=kinds_getter,
        ),
        Window(
            *NOTICES,
            Const(texts.ASK_AUDIENCE),
            Group(
                forms.ticks("aud", "audiences", on_click=audience_clicked),
                width=2,
            ),
            Button(Const(ui.BTN_DONE), id="aud_ok", on_click=field_kept),
            MessageInput(forms.buttons_expected),
            nav,
            state=group.choosing_audience,
            getter=audience_getter,
        ),
        Window(
            *NOTICES,
            Format("{prompt}"),
            TextInput(
                id="tags",
                type_factory=tags_factory,
                on_success=tags_entered,
                on_error=forms.invalid,
            ),
            MessageInput(forms.text_expected),
            Button(Const(texts.BTN_KEEP), id="keep_tags", on_click=field_kept, when="has_tags"),
            Button(Const(ui.BTN_SKIP), id="skip_tags", on_click=field_kept, when="no_tags"),
            nav,
            state=group.waiting_for_tags,
            getter=tags_getter,
        ),
    ]


def _closing_windows(group: type[AddMaterial] | type[EditMaterial]) -> list[Window]:
    """The summary with «Сохранить», and the personal-data warning after it."""
    if group is EditMaterial:
        to_summary: Any = SwitchTo(Const(ui.BTN_BACK), id="to_sum", state=EditMaterial.confirming)
        warning_nav = Row(to_summary, forms.cancel_button())
    else:
        warning_nav = forms.nav()
    return [
        Window(
            *NOTICES,
            Format("{text}"),
            Button(Const(texts.BTN_SAVE), id="save", on_click=save_clicked),
            MessageInput(forms.buttons_expected),
            _nav(group),
            state=group.confirming,
            getter=preview_getter,
        ),
        Window(
            *NOTICES,
            Format("{text}"),
            Button(Const(texts.BTN_PD_FORCE), id="pdforce", on_click=publish_anyway, when="admin"),
            Button(
                Const(texts.BTN_PD_HOLD), id="pdhold", on_click=hand_to_admins, when="methodologist"
            ),
            MessageInput(forms.buttons_expected),
            warning_nav,
            state=group.deciding_on_personal_data,
            getter=warning_getter,
        ),
    ]


async def add_started(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    file = data.get("file")
    draft: dict[str, Any] = {"title": str(data.get("title") or ""), "tags": [], "kind": ""}
    if isinstance(file, dict):
        draft.update(file)
    manager.dialog_data.update(draft=draft, mode=service.Mode.ADD.value, from_source=not file)


async def edit_started(start_data: Any, manager: DialogManager) -> None:
    data = start_data if isinstance(start_data, dict) else {}
    materials: CatalogRepo = manager.middleware_data["materials"]
    material = await materials.get(int(data.get("material_id") or 0))
    if material is None:
        # Gone between the press and the form: nothing to edit. The router checks first.
        manager.dialog_data.update(draft={}, mode=service.Mode.EDIT.value)
        return
    manager.dialog_data.update(
        draft=service.draft_of(material), mode=service.Mode.EDIT.value, material_id=material.id
    )
    widgets = manager.current_context().widget_data
    widgets["dirs"] = list(material.topics)
    widgets["aud"] = list(material.audience)
    step = getattr(EditMaterial, str(data.get("step") or ""), None)
    if isinstance(step, State):
        await manager.switch_to(step)


def add_dialog() -> Dialog:
    a = AddMaterial
    return forms.form(
        Window(
            *NOTICES,
            Const(texts.ADD_ASK_SOURCE),
            TextInput(
                id="src_url",
                type_factory=source_url_factory,
                on_success=source_url_entered,
                on_error=forms.invalid,
            ),
            MessageInput(source_received),
            Row(forms.cancel_button()),
            state=a.waiting_for_source,
            getter=source_getter,
        ),
        *_field_windows(a),
        *_closing_windows(a),
        role=Role.METHODOLOGIST,
        on_start=add_started,
    )


def edit_dialog() -> Dialog:
    e = EditMaterial

    def field(name: str, state: State) -> SwitchTo:
        return SwitchTo(Const(texts.FIELD_TITLES[name]), id=f"f_{name}", state=state)

    return forms.form(
        Window(
            *NOTICES,
            Format("{prompt}"),
            Group(
                field("title", e.waiting_for_title),
                field("description", e.waiting_for_description),
                field("topics", e.choosing_directions),
                field("kind", e.choosing_kind),
                field("audience", e.choosing_audience),
                field("tags", e.waiting_for_tags),
                field("url", e.waiting_for_url),
                SwitchTo(
                    Const(texts.BTN_NEW_FILE),
                    id="f_file",
                    state=e.waiting_for_file,
                    when="has_file",
                ),
                width=2,
            ),
            MessageInput(forms.buttons_expected),
            Row(forms.cancel_button()),
            state=e.choosing_field,
            getter=menu_getter,
        ),
        *_field_windows(e),
        Window(
            *NOTICES,
            Format("{prompt}"),
            TextInput(
                id="url", type_factory=url_factory, on_success=url_entered, on_error=forms.invalid
            ),
            MessageInput(forms.text_expected),
            _nav(e),
            state=e.waiting_for_url,
            getter=url_getter,
        ),
        Window(
            *NOTICES,
            Const(texts.ASK_NEW_FILE),
            MessageInput(new_file_received),
            _nav(e),
            state=e.waiting_for_file,
            getter=source_getter,
        ),
        *_closing_windows(e),
        role=Role.METHODOLOGIST,
        on_start=edit_started,
    )


# -- /import ---------------------------------------------------------------------------------------


async def table_received(message: Message, widget: Any, manager: DialogManager) -> None:
    document = message.document
    name = (document.file_name or "") if document else ""
    if document is None or not name.lower().endswith((".csv", ".xlsx")):
        manager.dialog_data["error"] = texts.IMPORT_NEED_TABLE
        await forms.typed(message, manager)
        return
    if (document.file_size or 0) > service.DOWNLOAD_LIMIT_MB * 1024 * 1024:
        manager.dialog_data["error"] = texts.FILE_TOO_BIG.format(limit=service.DOWNLOAD_LIMIT_MB)
        await forms.typed(message, manager)
        return
    middleware = manager.middleware_data
    bot: Bot = middleware["bot"]
    # The form is done once it has its file: its keyboard goes, the progress comes below.
    await manager.done()
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    status = await message.answer(texts.IMPORT_STARTED)

    async def progress(done: int, total: int) -> None:
        # One message edited in place, so a long import does not flood the chat.
        if done < total:
            await status.edit_text(texts.import_progress(done, total))

    try:
        report = await service.import_table(
            middleware["materials"],
            middleware["delivery"],
            buffer.getvalue(),
            name,
            progress,
            middleware["user"],
        )
    except ImportFormatError as e:
        reason = ui.escape(ui.shorten(str(e), 300))
        await status.edit_text(texts.IMPORT_FAILED.format(reason=reason))
        return
    problems = [(p.row, p.field, p.message) for p in report.problems]
    held = [row for row, _ in report.held]
    await status.edit_text(texts.import_report(report.created, report.updated, problems, held))


def import_dialog() -> Dialog:
    return forms.form(
        Window(
            *NOTICES,
            Const(texts.IMPORT_ASK_FILE),
            MessageInput(table_received),
            Row(forms.cancel_button()),
            state=ImportCatalog.waiting_for_file,
            getter=source_getter,
        ),
        role=Role.METHODOLOGIST,
    )


def create_dialogs() -> list[Dialog]:
    """New dialogs for one dispatcher (a Dialog is a Router and joins one dispatcher only)."""
    return [add_dialog(), edit_dialog(), import_dialog()]
