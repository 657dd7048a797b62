"""Methodologists keep the catalog: add a file or a link through a short form, edit any field
from the card, archive and restore, upload a new version, import and export in bulk."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import date
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.callbacks import (
    DraftAction,
    DraftCallback,
    EditAction,
    EditCallback,
    HoldAction,
    HoldCallback,
    Source,
)
from bot.delivery import Delivery, RenderContext, Rendered
from bot.filters import PRIVATE, Carries, NoForm
from bot.keyboards import (
    audience_pick_kb,
    edit_menu_kb,
    kind_pick_kb,
    pd_choice_kb,
    pd_hold_kb,
    preview_kb,
    single_button_kb,
    topics_pick_kb,
)
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.states import ImportStates, MaterialStates
from catalog.importer import ImportFormatError, export_rows, to_csv, to_xlsx
from catalog.model import (
    AUDIENCES,
    KIND_TITLES,
    MAX_TOPICS,
    FieldError,
    Kind,
    MaterialInput,
    check_tags,
    check_title,
    check_url,
    split_list,
    validate,
)
from catalog.pdscan import (
    MAX_FINDINGS,
    MAX_SCAN_BYTES,
    Finding,
    document_text,
    material_fields,
    scan_fields,
    scan_text,
    scannable,
)
from handlers.catalog import render_card
from storage.announcements import Announcement, Render
from storage.catalog import CatalogRepo, Material
from storage.db import Database
from storage.imports import import_file
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

# getFile refuses files over 20 MB on the cloud Bot API; imports are downloaded, so they must fit.
DOWNLOAD_LIMIT_MB = 20
MAX_TEXT = 2000

# The order of the form; editing one field jumps straight to the preview instead.
STEPS = [
    MaterialStates.waiting_for_title,
    MaterialStates.waiting_for_description,
    MaterialStates.waiting_for_topics,
    MaterialStates.waiting_for_kind,
    MaterialStates.waiting_for_audience,
    MaterialStates.waiting_for_tags,
    MaterialStates.confirming,
]
FIELD_STEP = {
    "title": MaterialStates.waiting_for_title,
    "description": MaterialStates.waiting_for_description,
    "topics": MaterialStates.waiting_for_topics,
    "kind": MaterialStates.waiting_for_kind,
    "audience": MaterialStates.waiting_for_audience,
    "tags": MaterialStates.waiting_for_tags,
    "url": MaterialStates.waiting_for_url,
}


def _draft_from(material: Material) -> dict[str, Any]:
    names = {f.name for f in fields(MaterialInput)}
    draft = {k: v for k, v in asdict(material).items() if k in names}
    draft.update(
        topics=list(material.topics), audience=list(material.audience), tags=list(material.tags)
    )
    draft["kind"] = material.kind.value
    return draft


def _material_input(draft: dict[str, Any]) -> MaterialInput:
    values = dict(draft)
    values["kind"] = Kind(values.get("kind") or Kind.MANUAL)
    names = {f.name for f in fields(MaterialInput)}
    return MaterialInput(**{k: v for k, v in values.items() if k in names})


def _file_info(message: Message) -> dict[str, Any] | None:
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
        # Telegram sends every size of a photo; the last is the largest.
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


def _title_from(file_name: str | None, caption: str | None) -> str:
    if caption and caption.strip():
        return " ".join(caption.split())[:200]
    if not file_name:
        return ""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name)
    return " ".join(re.sub(r"[_]+", " ", stem).split())[:200]


async def _ask(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    """Show the question of the current step."""
    current = await state.get_state()
    data = await state.get_data()
    draft = data.get("draft", {})
    if current == MaterialStates.waiting_for_title.state:
        title = draft.get("title") or ""
        if title:
            await message.answer(
                texts.ASK_TITLE.format(title=texts.escape(title)),
                reply_markup=single_button_kb(texts.BTN_KEEP, DraftAction.KEEP_TITLE),
            )
        else:
            await message.answer(texts.ASK_TITLE_EMPTY)
    elif current == MaterialStates.waiting_for_description.state:
        await message.answer(
            texts.ASK_DESCRIPTION, reply_markup=single_button_kb(texts.BTN_SKIP, DraftAction.SKIP)
        )
    elif current == MaterialStates.waiting_for_topics.state:
        topics = [(t.code, t.title) for t in await materials.topics()]
        await message.answer(
            texts.ASK_TOPICS, reply_markup=topics_pick_kb(topics, draft.get("topics", []))
        )
    elif current == MaterialStates.waiting_for_kind.state:
        await message.answer(texts.ASK_KIND, reply_markup=kind_pick_kb())
    elif current == MaterialStates.waiting_for_audience.state:
        await message.answer(
            texts.ASK_AUDIENCE, reply_markup=audience_pick_kb(draft.get("audience", []))
        )
    elif current == MaterialStates.waiting_for_tags.state:
        await message.answer(
            texts.ASK_TAGS, reply_markup=single_button_kb(texts.BTN_SKIP, DraftAction.SKIP)
        )
    elif current == MaterialStates.waiting_for_url.state:
        await message.answer(texts.ASK_URL)
    elif current == MaterialStates.waiting_for_new_file.state:
        await message.answer(texts.ASK_NEW_FILE)
    elif current == MaterialStates.confirming.state:
        await message.answer(await _preview(draft, materials), reply_markup=preview_kb())


async def _preview(draft: dict[str, Any], materials: CatalogRepo) -> str:
    titles = await materials.topic_titles()
    kind = Kind(draft.get("kind") or Kind.MANUAL)
    lines = [
        f"<b>{texts.escape(draft.get('title', ''))}</b>",
        f"📄 {KIND_TITLES[kind]} · "
        + texts.escape(", ".join(titles.get(t, t) for t in draft.get("topics", []))),
        f"👥 {texts.audience_titles(draft.get('audience', []), AUDIENCES)}",
    ]
    if draft.get("tags"):
        lines.append("🏷 " + texts.escape(", ".join(draft["tags"])))
    if draft.get("description"):
        lines += ["", texts.escape(texts.shorten(draft["description"], 1500))]
    if draft.get("file_name") or draft.get("file_type"):
        lines.append(f"\n📎 {texts.escape(draft.get('file_name') or draft.get('file_type') or '')}")
    if draft.get("url"):
        lines.append(f"🔗 {texts.escape(draft['url'])}")
    return texts.PREVIEW_HEADER + "\n".join(lines)


async def _advance(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    """Go to the next step, or to the preview when a single field is being edited."""
    data = await state.get_data()
    current = await state.get_state()
    if data.get("edit_id") or current not in {s.state for s in STEPS}:
        await state.set_state(MaterialStates.confirming)
    else:
        index = [s.state for s in STEPS].index(current)
        await state.set_state(STEPS[index + 1])
    await _ask(message, state, materials)


async def _update_draft(state: FSMContext, **values: Any) -> dict[str, Any]:
    data = await state.get_data()
    draft = dict(data.get("draft", {}))
    draft.update(values)
    await state.update_data(draft=draft)
    return draft


def _message_of(callback: CallbackQuery) -> Message | None:
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        return None
    return callback.message


# -- starting ---------------------------------------------------------------------------------


async def cmd_add(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(MaterialStates.waiting_for_source)
    await message.answer(texts.ADD_ASK_SOURCE)


async def file_received(
    message: Message, state: FSMContext, materials: CatalogRepo, bot: Bot, role: Role
) -> None:
    info = _file_info(message)
    if info is None:
        await message.answer(texts.ADD_SOURCE_INVALID)
        return
    existing = await materials.by_file_unique_id(info["file_unique_id"])
    if existing is not None:
        await state.clear()
        await message.answer(texts.DUPLICATE_FILE)
        text, kb = await render_card(existing, materials, bot, role, Source.SEARCH, None)
        await message.answer(text, reply_markup=kb)
        return
    title = _title_from(info.get("file_name"), message.caption)
    await state.set_data(
        {"draft": {**info, "title": title, "topics": [], "audience": [], "tags": []}}
    )
    await state.set_state(MaterialStates.waiting_for_title)
    await _ask(message, state, materials)


async def url_received(
    message: Message, state: FSMContext, materials: CatalogRepo, bot: Bot, role: Role
) -> None:
    try:
        url = check_url((message.text or "")[:MAX_TEXT])
    except FieldError:
        await message.answer(texts.ADD_SOURCE_INVALID)
        return
    existing = await materials.by_url(url)
    if existing is not None:
        await state.clear()
        await message.answer(texts.DUPLICATE_URL)
        text, kb = await render_card(existing, materials, bot, role, Source.SEARCH, None)
        await message.answer(text, reply_markup=kb)
        return
    await state.set_data(
        {"draft": {"url": url, "title": "", "topics": [], "audience": [], "tags": []}}
    )
    await state.set_state(MaterialStates.waiting_for_title)
    await _ask(message, state, materials)


async def source_invalid(message: Message) -> None:
    await message.answer(texts.ADD_SOURCE_INVALID)


# -- text steps -------------------------------------------------------------------------------


async def title_entered(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    try:
        title = check_title((message.text or "")[:MAX_TEXT])
    except FieldError:
        await message.answer(texts.ASK_TITLE_EMPTY)
        return
    await _update_draft(state, title=title)
    await _advance(message, state, materials)


async def description_entered(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    text = " ".join((message.text or "").split())
    if len(text) > MAX_TEXT:
        await message.answer(texts.TOO_LONG)
        return
    await _update_draft(state, description=text)
    await _advance(message, state, materials)


async def tags_entered(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    try:
        tags = check_tags(split_list((message.text or "")[:MAX_TEXT].replace(",", "|")))
    except FieldError as e:
        await message.answer(str(e).capitalize() + ".")
        return
    await _update_draft(state, tags=tags)
    await _advance(message, state, materials)


async def url_entered(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    try:
        url = check_url((message.text or "")[:MAX_TEXT])
    except FieldError:
        await message.answer(texts.ASK_URL)
        return
    await _update_draft(state, url=url)
    await _advance(message, state, materials)


async def text_expected(message: Message) -> None:
    await message.answer(texts.TEXT_EXPECTED)


async def buttons_expected(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    # The step is chosen with buttons: show them again rather than guess from the text.
    await _ask(message, state, materials)


# -- button steps -----------------------------------------------------------------------------


async def on_draft(
    callback: CallbackQuery,
    callback_data: DraftCallback,
    state: FSMContext,
    materials: CatalogRepo,
    bot: Bot,
    delivery: Delivery,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    message = _message_of(callback)
    data = await state.get_data()
    current = await state.get_state()
    if message is None or "draft" not in data or current is None:
        callback_answer.text, callback_answer.show_alert = texts.DRAFT_EXPIRED, True
        return
    draft = data["draft"]
    action = callback_data.action
    expected = {
        DraftAction.KEEP_TITLE: MaterialStates.waiting_for_title,
        DraftAction.SKIP: None,
        DraftAction.TOPIC: MaterialStates.waiting_for_topics,
        DraftAction.TOPICS_DONE: MaterialStates.waiting_for_topics,
        DraftAction.KIND: MaterialStates.waiting_for_kind,
        DraftAction.AUDIENCE: MaterialStates.waiting_for_audience,
        DraftAction.AUDIENCE_DONE: MaterialStates.waiting_for_audience,
        DraftAction.SAVE: MaterialStates.confirming,
        DraftAction.PD_FORCE: MaterialStates.confirming,
        DraftAction.PD_HOLD: MaterialStates.confirming,
        DraftAction.CANCEL: None,
    }[action]
    skippable = {
        MaterialStates.waiting_for_description.state,
        MaterialStates.waiting_for_tags.state,
    }
    if (expected is not None and current != expected.state) or (
        action is DraftAction.SKIP and current not in skippable
    ):
        callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
        return

    if action is DraftAction.CANCEL:
        await state.clear()
        await message.edit_text(texts.CANCELLED)
    elif action is DraftAction.KEEP_TITLE:
        if not draft.get("title"):
            await message.answer(texts.ASK_TITLE_EMPTY)
            return
        await message.edit_reply_markup(reply_markup=None)
        await _advance(message, state, materials)
    elif action is DraftAction.SKIP:
        await message.edit_reply_markup(reply_markup=None)
        await _advance(message, state, materials)
    elif action is DraftAction.TOPIC:
        known = {t.code: t.title for t in await materials.topics()}
        chosen = list(draft.get("topics", []))
        if callback_data.value not in known:
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        if callback_data.value in chosen:
            chosen.remove(callback_data.value)
        elif len(chosen) >= MAX_TOPICS:
            callback_answer.text = texts.TOPICS_TOO_MANY
            return
        else:
            chosen.append(callback_data.value)
        await _update_draft(state, topics=chosen)
        await message.edit_reply_markup(reply_markup=topics_pick_kb(list(known.items()), chosen))
    elif action is DraftAction.TOPICS_DONE:
        if not draft.get("topics"):
            callback_answer.text, callback_answer.show_alert = texts.TOPICS_NEED_ONE, True
            return
        await message.edit_reply_markup(reply_markup=None)
        await _advance(message, state, materials)
    elif action is DraftAction.KIND:
        if callback_data.value not in set(Kind):
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        await _update_draft(state, kind=callback_data.value)
        await message.edit_reply_markup(reply_markup=None)
        await _advance(message, state, materials)
    elif action is DraftAction.AUDIENCE:
        if callback_data.value not in AUDIENCES:
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        chosen = list(draft.get("audience", []))
        if callback_data.value in chosen:
            chosen.remove(callback_data.value)
        else:
            chosen.append(callback_data.value)
        await _update_draft(state, audience=chosen)
        await message.edit_reply_markup(reply_markup=audience_pick_kb(chosen))
    elif action is DraftAction.AUDIENCE_DONE:
        await message.edit_reply_markup(reply_markup=None)
        await _advance(message, state, materials)
    elif action is DraftAction.SAVE:
        await _save(message, state, materials, bot, delivery, user, data, callback_answer)
    elif action is DraftAction.PD_FORCE:
        if not user.role.at_least(Role.ADMIN) or "pd_findings" not in data:
            callback_answer.text, callback_answer.show_alert = texts.PD_ONLY_ADMIN, True
            return
        log.warning("admin %s publishes despite a personal-data warning", user.id)
        await _save(
            message, state, materials, bot, delivery, user, data, callback_answer, checked=True
        )
    elif action is DraftAction.PD_HOLD:
        if "pd_findings" not in data:
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        await _save(
            message, state, materials, bot, delivery, user, data, callback_answer, hold=True
        )


async def _save(
    message: Message,
    state: FSMContext,
    materials: CatalogRepo,
    bot: Bot,
    delivery: Delivery,
    user: UserRecord,
    data: dict[str, Any],
    callback_answer: CallbackAnswer,
    *,
    checked: bool = False,
    hold: bool = False,
) -> None:
    """Save the draft. Unless an admin has already seen the warning (``checked``) or a
    methodologist hands it over (``hold``), it is scanned for personal data first."""
    known = {t.code for t in await materials.topics()}
    try:
        material = validate(_material_input(data["draft"]), known)
    except FieldError as e:
        callback_answer.text, callback_answer.show_alert = str(e).capitalize(), True
        return
    unread = ""
    if not checked and not hold:
        findings, unread = await _pd_scan(bot, material)
        if findings:
            await state.update_data(pd_findings=[asdict(f) for f in findings])
            admin = user.role.at_least(Role.ADMIN)
            shown = [(f.title, f.shown, f.where) for f in findings]
            await message.edit_text(
                texts.pd_warning(shown, admin, unread), reply_markup=pd_choice_kb(admin)
            )
            return
    edit_id = data.get("edit_id")
    if data.get("new_version_of"):
        material_id = await materials.new_version(int(data["new_version_of"]), material, user.id)
        done = texts.NEW_VERSION_SAVED
    elif edit_id:
        material_id = int(edit_id)
        await materials.update(material_id, material)
        done = texts.UPDATED
    else:
        material.published_at = date.today().isoformat()
        material_id = await materials.create(material, user.id)
        done = texts.SAVED
    log.info("user %s saved material %s", user.id, material_id)
    await state.clear()
    if hold:
        findings = [Finding(**f) for f in data.get("pd_findings", [])]
        await materials.hold(material_id, findings, user.id)
        await _to_admins(delivery, material_id, material.title, user, findings)
        log.info("material %s held for the admins: possible personal data", material_id)
        await message.edit_text(texts.PD_HELD.format(id=material_id))
        return
    if unread:
        # Nothing found, but the file's text was not read: a scanned PDF, say.
        done += "\n" + texts.PD_UNREAD.format(reason=texts.escape(unread))
    await message.edit_text(done)
    saved = await materials.get(material_id)
    if saved is not None:
        text, kb = await render_card(saved, materials, bot, user.role, Source.SEARCH, None)
        await message.answer(text, reply_markup=kb)


async def _pd_scan(bot: Bot, material: MaterialInput) -> tuple[list[Finding], str]:
    """Personal-data findings in the fields and the document's text, and why the text could
    not be read (empty when it was read or there is none to read)."""
    findings = scan_fields(material_fields(material))
    kind = scannable(material.file_name, material.mime_type)
    if material.file_id is None or kind is None:
        return findings, ""
    if (material.file_size or 0) > MAX_SCAN_BYTES:
        return findings, texts.FILE_TOO_BIG.format(limit=DOWNLOAD_LIMIT_MB)
    try:
        buffer = io.BytesIO()
        await bot.download(material.file_id, destination=buffer)
        text = await asyncio.to_thread(document_text, buffer.getvalue(), kind)
    except (ValueError, TelegramAPIError, OSError) as e:
        log.info("could not read %s for the personal-data scan: %s", kind, e)
        return findings, type(e).__name__
    return (findings + scan_text(text, "текст файла"))[:MAX_FINDINGS], ""


async def _to_admins(
    delivery: Delivery,
    material_id: int,
    title: str,
    who: UserRecord | None,
    found: Sequence[Finding],
) -> None:
    """The held material's card with the decision buttons, to every admin, via the outbox."""
    lines = [
        texts.PD_CARD.format(
            id=material_id,
            title=texts.escape(texts.shorten(title, 200)),
            person=texts.person(who, who.id) if who else "импорт",
        ),
        *texts.pd_lines([(f.title, f.shown, f.where) for f in found]),
    ]
    card = texts.fit(lines)
    await delivery.notify(Role.ADMIN, card, Render.PD_HOLD, str(material_id))


async def on_hold_decision(
    callback: CallbackQuery,
    callback_data: HoldCallback,
    db: Database,
    materials: CatalogRepo,
    delivery: Delivery,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    hold = await materials.hold_of(callback_data.id)
    publish = callback_data.action is HoldAction.PUBLISH
    if hold is None or not await materials.decide_hold(callback_data.id, publish, user.id):
        callback_answer.text, callback_answer.show_alert = texts.PD_DECIDED, True
        return
    log.warning(
        "admin %s %s held material %s",
        user.id,
        "published" if publish else "kept",
        hold.material_id,
    )
    done = texts.PD_PUBLISHED if publish else texts.PD_KEPT
    callback_answer.text = done.format(id=hold.material_id)
    message = _message_of(callback)
    if message is not None:
        await message.edit_reply_markup(reply_markup=None)
    if hold.held_by is not None and hold.held_by != user.id:
        note = texts.PD_TO_AUTHOR_PUBLISHED if publish else texts.PD_TO_AUTHOR_KEPT
        await delivery.tell(
            [hold.held_by], note.format(title=texts.escape(texts.shorten(hold.title, 200)))
        )


# -- editing from the card --------------------------------------------------------------------


async def on_edit(
    callback: CallbackQuery,
    callback_data: EditCallback,
    state: FSMContext,
    materials: CatalogRepo,
    bot: Bot,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    message = _message_of(callback)
    material = await materials.get(callback_data.id)
    if material is None or message is None:
        callback_answer.text, callback_answer.show_alert = texts.MATERIAL_GONE, True
        return
    action = callback_data.action
    if action is EditAction.MENU:
        await message.answer(
            texts.EDIT_MENU.format(title=texts.escape(material.title)),
            reply_markup=edit_menu_kb(material.id, bool(material.file_id)),
        )
    elif action in (EditAction.ARCHIVE, EditAction.RESTORE):
        status = "archived" if action is EditAction.ARCHIVE else "active"
        await materials.set_status(material.id, status)
        log.info("user %s set material %s %s", user.id, material.id, status)
        callback_answer.text = texts.ARCHIVED if status == "archived" else texts.RESTORED
        updated = await materials.get(material.id)
        if updated is not None:
            text, kb = await render_card(updated, materials, bot, user.role, Source.SEARCH, None)
            await message.edit_text(text, reply_markup=kb)
    elif action is EditAction.FIELD and callback_data.field in FIELD_STEP:
        await state.set_data({"draft": _draft_from(material), "edit_id": material.id})
        await state.set_state(FIELD_STEP[callback_data.field])
        await _ask(message, state, materials)
    elif action is EditAction.NEW_FILE:
        await state.set_data({"draft": _draft_from(material), "new_version_of": material.id})
        await state.set_state(MaterialStates.waiting_for_new_file)
        await _ask(message, state, materials)
    else:
        callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True


async def new_file_received(message: Message, state: FSMContext, materials: CatalogRepo) -> None:
    info = _file_info(message)
    if info is None:
        await message.answer(texts.ASK_NEW_FILE)
        return
    if await materials.by_file_unique_id(info["file_unique_id"]) is not None:
        await message.answer(texts.DUPLICATE_FILE)
        return
    await _update_draft(state, **info)
    await state.set_state(MaterialStates.confirming)
    await _ask(message, state, materials)


# -- bulk import and export -------------------------------------------------------------------


async def cmd_import(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(ImportStates.waiting_for_file)
    await message.answer(texts.IMPORT_ASK_FILE)


async def import_file_received(
    message: Message,
    state: FSMContext,
    bot: Bot,
    materials: CatalogRepo,
    delivery: Delivery,
    user: UserRecord,
) -> None:
    document = message.document
    name = (document.file_name or "") if document else ""
    if document is None or not name.lower().endswith((".csv", ".xlsx")):
        await message.answer(texts.IMPORT_NEED_TABLE)
        return
    if (document.file_size or 0) > DOWNLOAD_LIMIT_MB * 1024 * 1024:
        await message.answer(texts.FILE_TOO_BIG.format(limit=DOWNLOAD_LIMIT_MB))
        return
    await state.clear()
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    status = await message.answer(texts.IMPORT_PROGRESS.format(done=0, total="?"))

    async def progress(done: int, total: int) -> None:
        # One message edited in place, so a long import does not flood the chat.
        if done < total:
            await status.edit_text(texts.IMPORT_PROGRESS.format(done=done, total=total))

    try:
        report = await import_file(materials, buffer.getvalue(), name, progress, user.id)
    except ImportFormatError as e:
        await status.edit_text(texts.IMPORT_FAILED.format(reason=texts.escape(str(e))))
        return
    problems = [(p.row, p.field, p.message) for p in report.problems]
    text = texts.import_report(report.created, report.updated, problems)
    if report.held:
        rows = ", ".join(str(row) for row, _ in report.held[:50])
        text = f"{texts.PD_IMPORT_HELD.format(rows=rows)}\n\n{text}"
        for _, material_id in report.held:
            hold = await materials.hold_of(material_id)
            if hold is not None:
                await _to_admins(delivery, material_id, hold.title, user, hold.findings)
    await status.edit_text(text)


async def cmd_export(message: Message, materials: CatalogRepo) -> None:
    rows = export_rows(await materials.export_records())
    today = date.today().isoformat()
    caption = texts.EXPORT_CAPTION.format(date=today, count=len(rows) - 1)
    await message.answer_document(
        BufferedInputFile(to_xlsx(rows), f"catalog-{today}.xlsx"), caption=caption
    )
    await message.answer_document(BufferedInputFile(to_csv(rows), f"catalog-{today}.csv"))


async def render_hold(announcement: Announcement, ctx: RenderContext) -> Rendered:
    """A held material's card for the admins, with their decision buttons."""
    return Rendered(announcement.content.text, pd_hold_kb(int(announcement.content.ref or 0)))


def create_router() -> Router:
    router = Router(name=__name__)
    gate = RequireRole(Role.METHODOLOGIST)
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
    router.message.filter(PRIVATE)
    media = Carries("document", "video", "photo")
    s = MaterialStates

    router.message.register(cmd_add, Command("add"))
    router.message.register(cmd_import, Command("import"))
    router.message.register(cmd_export, Command("export"), flags={THROTTLE_FLAG: "heavy"})
    router.message.register(
        import_file_received, StateFilter(ImportStates.waiting_for_file), F.document
    )
    router.message.register(source_invalid, StateFilter(ImportStates.waiting_for_file))
    router.message.register(file_received, NoForm(), StateFilter(None, s.waiting_for_source), media)
    router.message.register(url_received, StateFilter(s.waiting_for_source), F.text)
    router.message.register(source_invalid, StateFilter(s.waiting_for_source))
    router.message.register(title_entered, StateFilter(s.waiting_for_title), F.text)
    router.message.register(description_entered, StateFilter(s.waiting_for_description), F.text)
    router.message.register(tags_entered, StateFilter(s.waiting_for_tags), F.text)
    router.message.register(url_entered, StateFilter(s.waiting_for_url), F.text)
    router.message.register(new_file_received, StateFilter(s.waiting_for_new_file))
    router.message.register(
        buttons_expected,
        StateFilter(s.waiting_for_topics, s.waiting_for_kind, s.waiting_for_audience, s.confirming),
    )
    router.message.register(
        text_expected,
        StateFilter(
            s.waiting_for_title, s.waiting_for_description, s.waiting_for_tags, s.waiting_for_url
        ),
    )
    router.callback_query.register(on_draft, DraftCallback.filter())
    router.callback_query.register(on_edit, EditCallback.filter())

    admins = Router(name=f"{__name__}.admins")
    admin_gate = RequireRole(Role.ADMIN)
    admins.callback_query.middleware(admin_gate)
    admins.callback_query.register(on_hold_decision, HoldCallback.filter())
    router.include_router(admins)
    return router
