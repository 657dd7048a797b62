"""The ordinary handlers of training requests: the commands and menu labels that open the
forms, «Мои заявки», the methodologists' cards and queue, /sessions, the export, and /forget.

Cards may sit in the staff group, but every form runs in the methodologist's private chat: in
a group with privacy mode the bot would not see the answers. A card pressed in the group is
continued in private with one button there.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager, ShowMode

from bot import forms, ui
from bot.delivery import Delivery
from bot.filters import PRIVATE, Label
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from catalog.requests import Action, allowed
from handlers.requests import cards, service, texts
from handlers.requests.callbacks import (
    CardAction,
    CardCallback,
    ForgetAction,
    ForgetCallback,
    MineAction,
    MineCallback,
    QueueAction,
    QueueCallback,
    QueueFilter,
    SessionAction,
    SessionCallback,
)
from handlers.requests.keyboards import (
    continue_kb,
    forget_kb,
    my_request_kb,
    my_requests_kb,
    queue_kb,
    queue_orgs_kb,
    queue_topics_kb,
    sessions_kb,
    withdraw_kb,
)
from handlers.requests.states import (
    ApproveForm,
    ReasonForm,
    RequestForm,
    ResultsForm,
    SessionForm,
)
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.organisations import OrgRepo
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)


def _desk(
    db: Database, delivery: Delivery, scheduler: Scheduler, settings: Settings
) -> service.Desk:
    return service.Desk(
        db, delivery, scheduler, settings.tz, settings.request_sla_days, settings.staff_chat_id
    )


async def _edit(
    callback: CallbackQuery, answer: CallbackAnswer, text: str, kb: InlineKeyboardMarkup | None
) -> None:
    message = ui.message_of(callback)
    if message is None:
        ui.alert(answer, ui.STALE_BUTTON)
        return
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:
        # «Message is not modified»: the person pressed what is already shown.
        if "not modified" not in e.message:
            raise


async def _start_form(
    manager: DialogManager,
    state: FSMContext,
    bot: Bot,
    first: State,
    data: dict[str, Any],
    *,
    subject: str = "",
) -> None:
    """Open a form from a button, as a new message under the one pressed (which keeps its
    text). A form already open is put aside as a draft, with no live buttons left on it. A
    draft of the same form about another request (``subject``) is not resumed for this one."""
    if manager.has_context():
        await forms.keep_draft(manager, state)
        old = manager.current_stack().last_message_id
        chat = manager.middleware_data["event_chat"]
        await manager.reset_stack(remove_keyboard=False)
        if old is not None:
            with suppress(TelegramAPIError):
                await bot.edit_message_reply_markup(chat_id=chat.id, message_id=old)
    if subject:
        group = first.group.__full_group_name__
        drafts = dict((await state.get_data()).get(forms.DRAFTS) or {})
        kept = drafts.get(group) or {}
        if kept and str((kept.get("start_data") or {}).get(subject)) != str(data.get(subject)):
            drafts.pop(group)
            await state.update_data({forms.DRAFTS: drafts})
    manager.show_mode = ShowMode.SEND
    await forms.open_form(manager, state, first, data)


# -- the tutor ----------------------------------------------------------------------------------


async def cmd_request(
    message: Message,
    state: FSMContext,
    dialog_manager: DialogManager,
    materials: CatalogRepo,
    orgs: OrgRepo,
    user: UserRecord,
) -> None:
    if not await materials.topics():
        await message.answer(texts.TOPICS_EMPTY)
        return
    if not await orgs.all():
        await message.answer(texts.ORGS_EMPTY)
        return
    remembered = await orgs.remembered(user.id)
    data = {"org_id": remembered.id} if remembered else {}
    await forms.open_form(dialog_manager, state, RequestForm.waiting_for_organisation, data)


async def cmd_my_requests(message: Message, db: Database, user: UserRecord) -> None:
    text, kb = await _my_list(db, user)
    await message.answer(text, reply_markup=kb)


async def _my_list(db: Database, user: UserRecord) -> tuple[str, InlineKeyboardMarkup | None]:
    found, titles = await service.my_requests(db, user.id)
    if not found:
        return texts.MY_REQUESTS_EMPTY, None
    lines = [texts.MY_REQUESTS_HEADER]
    for r in found:
        topic = titles.get(r.topic_code, r.topic_code)
        lines.append(
            texts.request_line(
                r.id,
                r.status.value,
                topic,
                texts.short_dates(r.date_from, r.date_to),
                r.organisation,
            )
        )
    buttons = [(r.id, titles.get(r.topic_code, r.topic_code)) for r in found]
    return ui.fit(lines), my_requests_kb(buttons)


def _my_detail(mine: service.Mine, db: Database, tz: ZoneInfo) -> tuple[str, InlineKeyboardMarkup]:
    request, session = mine.request, mine.session
    view = cards.view_of(request, mine.topic, mine.organisation)
    lines = [f"📝 <b>Заявка №{request.id}</b> · {texts.REQUEST_STATUS[request.status.value]}"]
    lines += texts.request_fields(view)
    upcoming = session is not None and session.starts_at > db.now()
    link = None
    if session is not None:
        link = session.place if service.is_link(session.place) else None
        lines.append(
            "\n"
            + texts.MY_SESSION.format(
                when=texts.when(session.starts_at, tz),
                format=texts.FORMAT_TITLES.get(session.format.value, ""),
                place=ui.escape(ui.shorten(session.place, 300)),
                hours=texts.hours(session.planned_hours),
            )
        )
    elif request.status.is_open:
        lines.append("\n" + texts.MY_NO_SESSION)
    return ui.fit(lines), my_request_kb(request, session, link, upcoming=upcoming)


async def on_mine(
    callback: CallbackQuery,
    callback_data: MineCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    dialog_manager: DialogManager,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    action, number = callback_data.action, callback_data.id
    if action is MineAction.LIST:
        text, kb = await _my_list(db, user)
        await _edit(callback, callback_answer, text, kb)
        return
    if action is MineAction.CALENDAR:
        await _send_invitation(callback, callback_answer, db, settings, user, number)
        return
    mine = await service.my_request(db, user.id, number)
    if mine is None:
        ui.alert(callback_answer, texts.NOT_YOURS)
        return
    if action is MineAction.OPEN:
        text, kb = _my_detail(mine, db, settings.tz)
        await _edit(callback, callback_answer, text, kb)
    elif action is MineAction.WITHDRAW:
        if not service.can_withdraw(mine.request):
            ui.alert(callback_answer, texts.NOT_WITHDRAWABLE)
            return
        await _edit(
            callback, callback_answer, texts.ASK_WITHDRAW.format(id=number), withdraw_kb(number)
        )
    elif action is MineAction.WITHDRAW_YES:
        desk = _desk(db, delivery, scheduler, settings)
        if await service.withdraw(desk, user.id, number) is None:
            ui.alert(callback_answer, texts.NOT_WITHDRAWABLE)
        else:
            callback_answer.text = texts.WITHDRAWN.format(id=number)
        mine = await service.my_request(db, user.id, number)
        if mine is not None:
            text, kb = _my_detail(mine, db, settings.tz)
            await _edit(callback, callback_answer, text, kb)
    elif action is MineAction.FIX:
        await _start_fix(callback_answer, state, dialog_manager, bot, db, mine)


async def _start_fix(
    answer: CallbackAnswer,
    state: FSMContext,
    manager: DialogManager,
    bot: Bot,
    db: Database,
    mine: service.Mine,
) -> None:
    """The tutor's «Исправить»: the request becomes the form, at its summary."""
    request = mine.request
    if not service.can_fix(request):
        ui.alert(answer, texts.NOT_FIXABLE)
        return
    comment = await service.changes_asked(db, request)
    draft = {
        "fix_id": request.id,
        "editing": True,
        "fix_note": texts.FIX_STARTED.format(
            id=request.id, comment=ui.escape(ui.shorten(comment, 500))
        ),
        "org_id": request.organisation_id,
        "topic": request.topic_code,
        "format": request.format.value,
        "participants": request.participants,
        "date_from": request.date_from.isoformat(),
        "date_to": request.date_to.isoformat(),
        "dates_note": request.dates_text,
        "contact_name": request.contact_name or "",
        "contact_phone": request.contact_phone or "",
        "contact_code": request.contact_phone_code,
        "comment": request.comment,
    }
    data = {
        "draft": draft,
        "audience": [a.value for a in request.audience],
        "fix_id": request.id,
    }
    await _start_form(manager, state, bot, RequestForm.confirming, data, subject="fix_id")


async def _send_invitation(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    db: Database,
    settings: Settings,
    user: UserRecord,
    session_id: int,
) -> None:
    message = ui.message_of(callback)
    invitation = await service.invitation(db, settings.tz, user, session_id)
    if invitation is None or message is None:
        ui.alert(answer, texts.CALENDAR_GONE)
        return
    await message.answer_document(
        BufferedInputFile(invitation.body, filename=invitation.filename),
        caption=texts.CALENDAR_CAPTION.format(id=invitation.session_id),
    )


# -- /forget, everyone's right ------------------------------------------------------------------


async def cmd_forget(message: Message) -> None:
    await message.answer(texts.FORGET_ASK, reply_markup=forget_kb())


async def on_forget(
    callback: CallbackQuery,
    callback_data: ForgetCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    dialog_manager: DialogManager,
    db: Database,
    delivery: Delivery,
    user: UserRecord,
) -> None:
    if callback_data.action is ForgetAction.NO:
        await _edit(callback, callback_answer, texts.FORGET_KEPT, None)
        return
    # A form open or kept holds what the person typed: it goes first, so the checkpoint
    # after erasing takes its bytes too.
    if dialog_manager.has_context():
        await dialog_manager.reset_stack(remove_keyboard=False)
    await state.clear()
    erased = await service.erase_person(db, delivery, user.id)
    await _edit(callback, callback_answer, texts.forget_done(erased.requests), None)


# -- the methodologists: cards ------------------------------------------------------------------


async def on_card(
    callback: CallbackQuery,
    callback_data: CardCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    dialog_manager: DialogManager,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    action, number = callback_data.action, callback_data.id
    message = ui.message_of(callback)
    if action is CardAction.OPEN:
        drawn = await cards.request_card(db, number, settings.tz)
        if drawn is None or message is None:
            ui.alert(callback_answer, texts.REVIEW_GONE)
            return
        await _in_private(callback, callback_answer, bot, drawn[0], drawn[1])
    elif action is CardAction.HISTORY:
        events = await service.history(db, number)
        if events is None or message is None:
            ui.alert(callback_answer, texts.REVIEW_GONE)
            return
        rows = [
            (
                datetime.fromisoformat(e.at).astimezone(settings.tz).strftime("%d.%m.%Y %H:%M"),
                e.actor,
                e.action.value,
                e.comment,
            )
            for e in events
        ]
        await _in_private(callback, callback_answer, bot, texts.request_history(number, rows))
    elif action is CardAction.TAKE:
        desk = _desk(db, delivery, scheduler, settings)
        if await service.take(desk, number, user) is None:
            ui.alert(callback_answer, texts.REVIEW_TOO_LATE)
        else:
            callback_answer.text = texts.REVIEW_TAKEN
        await _redraw(callback, callback_answer, db, settings, number)
    else:
        await _review(
            callback, callback_answer, action, number, state, dialog_manager, bot, db, settings
        )


async def _in_private(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    bot: Bot,
    text: str,
    kb: InlineKeyboardMarkup | None = None,
) -> None:
    """What shows contacts or comments goes to the presser's private chat, whatever chat the
    card is in: anyone may read a group."""
    message = ui.message_of(callback)
    if message is not None and message.chat.type == "private":
        await message.answer(text, reply_markup=kb)
        return
    try:
        await bot.send_message(callback.from_user.id, text, reply_markup=kb)
    except (TelegramForbiddenError, TelegramBadRequest) as e:
        log.info("cannot write to methodologist %s: %s", callback.from_user.id, e.message)
        ui.alert(answer, texts.REVIEW_DM_FAILED)
        return
    answer.text = texts.REVIEW_GO_PRIVATE


async def _redraw(
    callback: CallbackQuery, answer: CallbackAnswer, db: Database, settings: Settings, number: int
) -> None:
    drawn = await cards.request_card(db, number, settings.tz)
    if drawn is None:
        ui.alert(answer, texts.REVIEW_GONE)
        return
    await _edit(callback, answer, *drawn)


async def _review(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    action: CardAction,
    number: int,
    state: FSMContext,
    manager: DialogManager,
    bot: Bot,
    db: Database,
    settings: Settings,
) -> None:
    """«Утвердить», «На исправление», «Отклонить»: a form in the methodologist's private chat."""
    found = await service.card(db, number)
    step = {
        CardAction.APPROVE: Action.APPROVED,
        CardAction.CHANGES: Action.CHANGES,
        CardAction.REJECT: Action.REJECTED,
    }[action]
    if found is None or not allowed(step, found.request.status):
        ui.alert(answer, texts.REVIEW_TOO_LATE)
        await _redraw(callback, answer, db, settings, number)
        return
    message = ui.message_of(callback)
    if message is None:
        ui.alert(answer, ui.STALE_BUTTON)
        return
    if message.chat.type != "private":
        # The form cannot open in another chat from here: the private chat gets a button.
        title = texts.REVIEW_ACTIONS[action.value]
        try:
            await bot.send_message(
                callback.from_user.id,
                texts.REVIEW_CONTINUE.format(title=title, id=number),
                reply_markup=continue_kb(action, number),
            )
        except (TelegramForbiddenError, TelegramBadRequest) as e:
            log.info("cannot write to methodologist %s: %s", callback.from_user.id, e.message)
            ui.alert(answer, texts.REVIEW_DM_FAILED)
            return
        answer.text = texts.REVIEW_GO_PRIVATE
        return
    request = found.request
    card = {"request_id": number, "card_chat": message.chat.id, "card_message": message.message_id}
    if action is CardAction.APPROVE:
        data = {
            **card,
            "topic": request.topic_code,
            "org_id": request.organisation_id,
            "format": request.format.value,
            "asked": [request.date_from.isoformat(), request.date_to.isoformat()],
            "asked_note": request.dates_text,
        }
        await _start_form(
            manager, state, bot, ApproveForm.waiting_for_date, data, subject="request_id"
        )
        return
    mode = "changes" if action is CardAction.CHANGES else "reject"
    await _start_form(
        manager, state, bot, ReasonForm.waiting_for_reason, {**card, "mode": mode},
        subject="request_id",
    )  # fmt: skip


# -- the methodologists: the queue ----------------------------------------------------------------


async def _queue_view(
    db: Database, where: QueueFilter, page: int, user: UserRecord
) -> tuple[str, InlineKeyboardMarkup]:
    found = await service.queue(db, where, page, user.id)
    parts = []
    if where.status:
        parts.append(texts.REQUEST_STATUS[where.status])
    if where.assignee:
        parts.append(texts.BTN_FILTER_MINE if where.assignee == "me" else texts.BTN_FILTER_NOBODY)
    if where.topic:
        parts.append(ui.escape(ui.shorten(found.titles.get(where.topic, where.topic), 40)))
    if where.org:
        name = found.organisation.short_name if found.organisation else str(where.org)
        parts.append(ui.escape(ui.shorten(name, 40)))
    lines = [texts.requests_header(", ".join(parts) or texts.REQUESTS_FILTER_ALL, found.total)]
    for r in found.requests:
        extra = f"{r.organisation} · {r.assignee or '—'}"
        lines.append(
            texts.request_line(
                r.id,
                r.status.value,
                found.titles.get(r.topic_code, r.topic_code),
                texts.short_dates(r.date_from, r.date_to),
                extra,
            )
        )
    if not found.requests:
        lines.append(texts.REQUESTS_EMPTY)
    kb = queue_kb([r.id for r in found.requests], where, found.page, found.pages)
    return ui.fit(lines), kb


async def cmd_requests(
    message: Message, command: CommandObject, db: Database, orgs: OrgRepo, user: UserRecord
) -> None:
    where = QueueFilter()
    query = " ".join((command.args or "").split())[:100]
    if query:
        matches = await orgs.find_understood(query)
        shown = matches.understood if matches.changed(query) else query
        exact = [o for o in matches.orgs if o.short_name.lower() == shown.lower()]
        if len(matches.orgs) > 1 and not exact:
            await message.answer(
                texts.REQUESTS_ORG_PICK.format(query=ui.escape(ui.shorten(shown, 50))),
                reply_markup=queue_orgs_kb([(o.id, o.short_name) for o in matches.orgs], where),
            )
            return
        if matches.orgs:
            where = where.replace(org=(exact or matches.orgs)[0].id)
        else:
            await message.answer(
                texts.REQUESTS_ORG_UNKNOWN.format(query=ui.escape(ui.shorten(query, 50)))
            )
    text, kb = await _queue_view(db, where, 0, user)
    await message.answer(text, reply_markup=kb)


async def on_queue(
    callback: CallbackQuery,
    callback_data: QueueCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    materials: CatalogRepo,
    user: UserRecord,
) -> None:
    where = QueueFilter.unpack(callback_data.f)
    if callback_data.action is QueueAction.PICK_TOPIC:
        topics = [(t.code, t.title) for t in await materials.topics()]
        await _edit(
            callback, callback_answer, texts.REQUESTS_PICK_TOPIC, queue_topics_kb(topics, where)
        )
        return
    page = max(callback_data.page, 0) if callback_data.action is QueueAction.PAGE else 0
    text, kb = await _queue_view(db, where, page, user)
    await _edit(callback, callback_answer, text, kb)


async def cmd_requests_export(message: Message, db: Database, settings: Settings) -> None:
    book, requests_csv, sessions_csv, requests, sessions = await service.export(db, settings.tz)
    today = db.now().astimezone(settings.tz).date().isoformat()
    caption = texts.export_caption(today, requests, sessions)
    await message.answer_document(
        BufferedInputFile(book, f"requests-{today}.xlsx"), caption=caption
    )
    await message.answer_document(BufferedInputFile(requests_csv, f"requests-{today}.csv"))
    await message.answer_document(BufferedInputFile(sessions_csv, f"sessions-{today}.csv"))


# -- the methodologists: sessions -----------------------------------------------------------------


async def cmd_sessions(
    message: Message, db: Database, settings: Settings, materials: CatalogRepo
) -> None:
    recent, totals = await service.sessions_overview(db)
    titles = await materials.topic_titles()
    lines = [
        texts.SESSIONS_HEADER,
        texts.sessions_total(totals.sessions, totals.people, totals.hours),
    ]
    if not recent:
        lines.append(texts.SESSIONS_EMPTY)
    for s in recent:
        lines.append(
            texts.session_line(
                s.id,
                s.starts_at.astimezone(settings.tz).strftime("%d.%m.%Y %H:%M"),
                s.organisation,
                titles.get(s.topic_code, s.topic_code),
                s.format.value,
                s.planned_hours,
                s.participants,
                s.hours,
            )
        )
    ready = [s.id for s in recent if s.starts_at <= db.now()]
    await message.answer(ui.fit(lines), reply_markup=sessions_kb(ready[:9]))


async def cmd_new_session(
    message: Message, state: FSMContext, dialog_manager: DialogManager
) -> None:
    await forms.open_form(dialog_manager, state, SessionForm.waiting_for_topic, {})


async def on_session(
    callback: CallbackQuery,
    callback_data: SessionCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    dialog_manager: DialogManager,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    action, number = callback_data.action, callback_data.id
    message = ui.message_of(callback)
    private = message is not None and message.chat.type == "private"
    if action in (SessionAction.NEW, SessionAction.RESULTS) and not private:
        ui.alert(callback_answer, ui.STALE_BUTTON)
        return
    if action is SessionAction.NEW:
        await _start_form(dialog_manager, state, bot, SessionForm.waiting_for_topic, {})
    elif action is SessionAction.RESULTS:
        if not await service.session_exists(db, number):
            ui.alert(callback_answer, texts.SESSION_GONE)
            return
        await _start_form(
            dialog_manager, state, bot, ResultsForm.waiting_for_results, {"session_id": number},
            subject="session_id",
        )  # fmt: skip
    else:
        await _announce(callback, callback_answer, number, db, settings, delivery, scheduler, user)


async def _announce(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    session_id: int,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    done = await service.announce(_desk(db, delivery, scheduler, settings), session_id, user.id)
    if done.outcome is service.Announce.GONE:
        ui.alert(answer, texts.SESSION_GONE)
        return
    if done.outcome is service.Announce.NO_CHATS:
        ui.alert(answer, texts.REVIEW_NO_CHATS)
        return
    ui.alert(
        answer,
        texts.announced(done.chats)
        if done.outcome is service.Announce.DONE
        else texts.REVIEW_ALREADY_ANNOUNCED,
    )
    message = ui.message_of(callback)
    if message is None:
        return
    # The announce button goes: on a queue card by redrawing it, elsewhere with the keyboard.
    if done.request_id is not None and _is_card(message):
        await _redraw(callback, answer, db, settings, done.request_id)
    else:
        with suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


def _is_card(message: Message) -> bool:
    prefix = CardCallback.__prefix__ + ":"
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    return any((b.callback_data or "").startswith(prefix) for row in rows for b in row)


def create_router() -> Router:
    router = Router(name=__name__)

    everyone = Router(name=f"{__name__}.everyone")
    everyone.message.filter(PRIVATE)
    everyone.callback_query.filter(PRIVATE)
    everyone.message.register(cmd_forget, Command("forget"))
    everyone.callback_query.register(on_forget, ForgetCallback.filter())

    tutors = Router(name=f"{__name__}.tutors")
    tutors.message.filter(PRIVATE)
    tutors.callback_query.filter(PRIVATE)
    gate = RequireRole(Role.TUTOR)
    tutors.message.middleware(gate)
    tutors.callback_query.middleware(gate)
    tutors.message.register(cmd_request, Command("request"))
    tutors.message.register(cmd_request, Label(ui.BTN_REQUEST))
    tutors.message.register(cmd_my_requests, Command("myrequests"))
    tutors.message.register(cmd_my_requests, Label(ui.BTN_MY_REQUESTS))
    tutors.callback_query.register(on_mine, MineCallback.filter())

    staff = Router(name=f"{__name__}.methodologists")
    staff_gate = RequireRole(Role.METHODOLOGIST)
    staff.message.middleware(staff_gate)
    staff.callback_query.middleware(staff_gate)
    # Cards may be in the staff group; everything that shows contacts answers in private.
    staff.callback_query.register(on_card, CardCallback.filter())
    staff.callback_query.register(on_queue, QueueCallback.filter())
    staff.callback_query.register(on_session, SessionCallback.filter())
    staff.message.register(cmd_requests, Command("requests"), PRIVATE)
    staff.message.register(
        cmd_requests_export, Command("requests_export"), PRIVATE, flags={THROTTLE_FLAG: "heavy"}
    )
    staff.message.register(cmd_sessions, Command("sessions"), PRIVATE)
    staff.message.register(cmd_new_session, Command("session"), PRIVATE)

    router.include_routers(everyone, tutors, staff)
    return router
