"""The methodologists' side of training requests: the queue cards and their buttons, /requests
with filters, the scheduling dialog that approves a request (or records a session that came
from no request), comments to the tutor, session results, exports, and the МО directory.

Cards may sit in the staff group, but every dialog runs in the methodologist's private chat:
in a group with privacy mode the bot would not see the answers. Each transition is checked
against the request's current status in one transaction (storage.requests), so a stale card
or two methodologists at once cannot approve a request twice.
"""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, timedelta
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import request_cards, texts
from bot.callbacks import OrgAction, OrgCallback, QueueFilter, ReviewAction, ReviewCallback
from bot.delivery import Delivery
from bot.filters import PRIVATE
from bot.keyboards import (
    announce_kb,
    filter_orgs_kb,
    filter_topics_kb,
    org_card_kb,
    org_found_kb,
    org_menu_kb,
    requests_list_kb,
    schedule_calendar_kb,
    schedule_format_kb,
    schedule_hours_kb,
    schedule_orgs_kb,
    schedule_save_kb,
    schedule_skip_kb,
    schedule_time_kb,
    schedule_topics_kb,
    sessions_kb,
)
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.states import OrgStates, ReviewStates
from catalog.importer import ImportFormatError, to_csv, to_xlsx_book
from catalog.organisations import MAX_STAFF, parse_staff
from catalog.requests import (
    SESSION_PAST_DAYS,
    Format,
    Status,
    parse_clock,
    parse_hours,
    parse_results,
    parse_session_day,
)
from handlers.common import alert, edit, local_now, message_of
from storage.announcements import AnnouncementRepo, Content, Kind, Targets
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.organisations import OrgRepo
from storage.requests import Request, RequestFilter, RequestRepo, SessionInput, SessionRepo
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

PAGE = 10
MAX_COMMENT = 1000
ORG_FILE_LIMIT = 5 * 1024 * 1024
SCHEDULE_STEPS = ("topic", "org", "date", "time", "format", "place", "hours", "comment")
SCHEDULE_STATES = {
    "topic": ReviewStates.waiting_for_topic,
    "org": ReviewStates.waiting_for_organisation,
    "date": ReviewStates.waiting_for_date,
    "time": ReviewStates.waiting_for_time,
    "format": ReviewStates.waiting_for_format,
    "place": ReviewStates.waiting_for_place,
    "hours": ReviewStates.waiting_for_hours,
    "comment": ReviewStates.waiting_for_comment,
}
STEP_OF_STATE = {state.state: step for step, state in SCHEDULE_STATES.items()}


def _today(db: Database, settings: Settings) -> date:
    return local_now(db, settings.tz).date()


def private_state(state: FSMContext, bot: Bot, user_id: int) -> FSMContext:
    """The user's FSM context in their private chat with the bot, wherever they pressed."""
    key = StorageKey(bot_id=bot.id, chat_id=user_id, user_id=user_id)
    return FSMContext(storage=state.storage, key=key)


async def _say_private(bot: Bot, user_id: int, text: str, kb: InlineKeyboardMarkup | None) -> bool:
    try:
        await bot.send_message(user_id, text, reply_markup=kb)
    except (TelegramForbiddenError, TelegramBadRequest) as e:
        log.info("cannot write to methodologist %s in private: %s", user_id, e.message)
        return False
    return True


# -- the card and its buttons -----------------------------------------------------------------


async def _refresh_card(
    callback: CallbackQuery, answer: CallbackAnswer, db: Database, settings: Settings, rid: int
) -> Request | None:
    request = await RequestRepo(db).get(rid)
    if request is None:
        alert(answer, texts.REVIEW_GONE)
        return None
    text, kb = await request_cards.request_card(db, request, settings.tz)
    await edit(callback, answer, text, kb)
    return request


async def _tell_tutor(
    db: Database,
    delivery: Delivery,
    request: Request,
    text: str,
    comment: str = "",
    **values: str,
) -> None:
    topic = await request_cards.topic_title(db, request.topic_code)
    body = text.format(id=request.id, topic=texts.escape(topic), **values)
    if comment:
        body += texts.REQ_NOTE_COMMENT.format(comment=texts.escape(comment))
    fix = request.id if request.status is Status.CHANGES else None
    await request_cards.to_tutor(db, request.user_id, body, fix)
    delivery.kick()


async def on_review(
    callback: CallbackQuery,
    callback_data: ReviewCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    materials: CatalogRepo,
    user: UserRecord,
) -> None:
    action, rid = callback_data.action, callback_data.id
    repo = RequestRepo(db)
    if action is ReviewAction.OPEN:
        request = await repo.get(rid)
        message = message_of(callback)
        if request is None or message is None:
            alert(callback_answer, texts.REVIEW_GONE)
            return
        text, kb = await request_cards.request_card(db, request, settings.tz)
        await message.answer(text, reply_markup=kb)
    elif action is ReviewAction.TAKE:
        taken = await repo.take(rid, user.id)
        if taken is None:
            alert(callback_answer, texts.REVIEW_TOO_LATE)
        else:
            callback_answer.text = texts.REVIEW_TAKEN
            who = texts.escape(user.display_name)
            await _tell_tutor(db, delivery, taken, texts.REQ_NOTE_TAKEN, who=who)
            await scheduler.rebuild()
        await _refresh_card(callback, callback_answer, db, settings, rid)
    elif action in (ReviewAction.APPROVE, ReviewAction.CHANGES, ReviewAction.REJECT):
        await _start_dialog(callback, callback_answer, action, rid, state, bot, db, settings, user)
    elif action is ReviewAction.HISTORY:
        request = await repo.get(rid)
        message = message_of(callback)
        if request is None or message is None:
            alert(callback_answer, texts.REVIEW_GONE)
            return
        events = [
            (
                datetime.fromisoformat(e.at).astimezone(settings.tz).strftime("%d.%m.%Y %H:%M"),
                e.actor,
                e.action.value,
                e.comment,
            )
            for e in await repo.events(rid)
        ]
        await message.answer(texts.request_history(rid, events))
    elif action is ReviewAction.ANNOUNCE:
        await _announce(callback, callback_answer, rid, db, settings, delivery, user)
    elif action in (ReviewAction.FILTER, ReviewAction.PAGE):
        packed = callback_data.value
        page = rid if action is ReviewAction.PAGE else 0
        if QueueFilter.unpack(packed).topic == "*":
            topics = [(t.code, t.title) for t in await materials.topics()]
            await edit(
                callback,
                callback_answer,
                texts.REQUESTS_PICK_TOPIC,
                filter_topics_kb(topics, packed),
            )
            return
        text, kb = await _queue_view(db, materials, QueueFilter.unpack(packed), page, user)
        await edit(callback, callback_answer, text, kb)
    elif action is ReviewAction.RESULTS:
        session = await SessionRepo(db).get(rid)
        if session is None:
            alert(callback_answer, texts.REVIEW_GONE)
            return
        private = private_state(state, bot, user.id)
        await private.clear()
        await private.set_state(ReviewStates.waiting_for_results)
        await private.update_data(session_id=session.id)
        if not await _say_private(bot, user.id, texts.RESULTS_ASK.format(id=session.id), None):
            await private.clear()
            alert(callback_answer, texts.REVIEW_DM_FAILED)
    elif action is ReviewAction.TOPIC and rid == 0 and not callback_data.value:
        # «Новое занятие» under /sessions.
        await _start_new_session(state, bot, materials, user, callback_answer)
    else:
        alert(callback_answer, texts.STALE_BUTTON)


async def _start_dialog(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    action: ReviewAction,
    rid: int,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    user: UserRecord,
) -> None:
    request = await RequestRepo(db).get(rid)
    allowed = {
        ReviewAction.APPROVE: (Status.NEW, Status.TAKEN),
        ReviewAction.CHANGES: (Status.NEW, Status.TAKEN),
        ReviewAction.REJECT: (Status.NEW, Status.TAKEN, Status.CHANGES),
    }[action]
    if request is None or request.status not in allowed:
        alert(answer, texts.REVIEW_TOO_LATE)
        await _refresh_card(callback, answer, db, settings, rid)
        return
    message = message_of(callback)
    card = {"card_chat": message.chat.id, "card_message": message.message_id} if message else {}
    private = private_state(state, bot, user.id)
    await private.clear()
    if action is ReviewAction.APPROVE:
        await private.update_data(
            {
                "mode": "approve",
                "request_id": rid,
                "topic": request.topic_code,
                "org_id": request.organisation_id,
                "format": request.format.value,
                **card,
            }
        )
        await private.set_state(ReviewStates.waiting_for_date)
        text, kb = _schedule_prompt(
            "date", await private.get_data(), settings, _today(db, settings)
        )
    else:
        mode = "changes" if action is ReviewAction.CHANGES else "reject"
        await private.update_data({"mode": mode, "request_id": rid, **card})
        await private.set_state(ReviewStates.waiting_for_reason)
        ask = texts.REVIEW_ASK_CHANGES if mode == "changes" else texts.REVIEW_ASK_REASON
        text, kb = ask.format(id=rid), None
    if not await _say_private(bot, user.id, text, kb):
        await private.clear()
        alert(answer, texts.REVIEW_DM_FAILED)
        return
    if message is not None and message.chat.type != "private":
        answer.text = texts.REVIEW_GO_PRIVATE


async def _announce(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    session_id: int,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    user: UserRecord,
) -> None:
    sessions = SessionRepo(db)
    session = await sessions.get(session_id)
    if session is None:
        alert(answer, texts.REVIEW_GONE)
        return
    if session.announcement_id is not None:
        alert(answer, texts.REVIEW_ALREADY_ANNOUNCED)
        return
    outbox = AnnouncementRepo(db)
    targets = Targets(topics=(session.topic_code,))
    if await outbox.count_targets(targets) == 0:
        alert(answer, texts.REVIEW_NO_CHATS)
        return
    topic = await request_cards.topic_title(db, session.topic_code)
    created = await outbox.create(
        Kind.BROADCAST,
        Content(text=request_cards.session_announcement(session, topic, settings.tz)),
        targets,
        created_by=user.id,
    )
    if created is None or not await sessions.set_announcement(session_id, created[0]):
        alert(answer, texts.REVIEW_ALREADY_ANNOUNCED)
        return
    delivery.kick()
    alert(answer, texts.REVIEW_ANNOUNCED.format(count=created[1]))
    message = message_of(callback)
    if message is None:
        return
    # The announce button goes: on a queue card by redrawing it, elsewhere with the keyboard.
    request = await RequestRepo(db).get(session.request_id or 0)
    if request is not None and _is_card(message):
        text, kb = await request_cards.request_card(db, request, settings.tz)
        await edit(callback, answer, text, kb)
    else:
        await _drop_buttons(message)


async def _drop_buttons(message: Message) -> None:
    """Best effort: the action is done whether or not the old keyboard can still be removed."""
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as e:
        log.debug("buttons not removed: %s", e.message)


def _is_card(message: Message) -> bool:
    history = ReviewCallback(action=ReviewAction.HISTORY, id=0).pack().rsplit(":", 2)[0]
    rows = message.reply_markup.inline_keyboard if message.reply_markup else []
    return any((b.callback_data or "").startswith(history) for row in rows for b in row)


# -- the queue --------------------------------------------------------------------------------


async def _queue_view(
    db: Database, materials: CatalogRepo, where: QueueFilter, page: int, user: UserRecord
) -> tuple[str, InlineKeyboardMarkup]:
    assignee = {"me": user.id, "none": 0}.get(where.assignee)
    found, total = await RequestRepo(db).search(
        RequestFilter(
            status=Status(where.status) if where.status else None,
            organisation_id=where.org or None,
            topic_code=where.topic or None,
            assignee_id=assignee,
        ),
        limit=PAGE,
        offset=page * PAGE,
    )
    titles = await materials.topic_titles()
    parts = []
    if where.status:
        parts.append(texts.REQUEST_STATUS[where.status])
    if where.assignee:
        parts.append(texts.BTN_FILTER_MINE if where.assignee == "me" else texts.BTN_FILTER_NOBODY)
    if where.topic:
        parts.append(texts.escape(titles.get(where.topic, where.topic)))
    if where.org:
        org = await OrgRepo(db).get(where.org)
        parts.append(texts.escape(org.short_name if org else str(where.org)))
    lines = [
        texts.REQUESTS_HEADER.format(
            filters=", ".join(parts) or texts.REQUESTS_FILTER_ALL, total=total
        )
    ]
    for r in found:
        dates = f"{r.date_from:%d.%m}" + (f"–{r.date_to:%d.%m}" if r.date_to != r.date_from else "")
        extra = f"{r.organisation} · {r.assignee or '—'}"
        lines.append(
            texts.request_line(
                r.id, r.status.value, titles.get(r.topic_code, r.topic_code), dates, extra
            )
        )
    if not found:
        lines.append(texts.REQUESTS_EMPTY)
    pages = max((total + PAGE - 1) // PAGE, 1)
    kb = requests_list_kb(
        [r.id for r in found], where.pack(), page, pages, where.assignee, where.status
    )
    return texts.fit(lines), kb


async def cmd_requests(
    message: Message,
    command: CommandObject,
    db: Database,
    materials: CatalogRepo,
    orgs: OrgRepo,
    user: UserRecord,
) -> None:
    where = QueueFilter()
    query = " ".join((command.args or "").split())[:100]
    if query:
        found = await orgs.find(query)
        exact = [o for o in found if o.short_name.lower() == query.lower()]
        if len(found) > 1 and not exact:
            options = [(o.short_name, where.replace(org=o.id).pack()) for o in found]
            await message.answer(
                texts.REQ_ORG_PICK.format(query=texts.escape(query)),
                reply_markup=filter_orgs_kb(options),
            )
            return
        if found:
            where = where.replace(org=(exact or found)[0].id)
        else:
            await message.answer(texts.REQUESTS_ORG_UNKNOWN.format(query=texts.escape(query)))
    text, kb = await _queue_view(db, materials, where, 0, user)
    await message.answer(text, reply_markup=kb)


async def cmd_requests_export(message: Message, db: Database, settings: Settings) -> None:
    requests = await RequestRepo(db).export_rows()
    sessions = await SessionRepo(db).export_rows()
    today = _today(db, settings).isoformat()
    book = to_xlsx_book([("Заявки", requests), ("Занятия", sessions)])
    caption = texts.REQUESTS_EXPORT_CAPTION.format(
        date=today, requests=len(requests) - 1, sessions=len(sessions) - 1
    )
    await message.answer_document(
        BufferedInputFile(book, f"requests-{today}.xlsx"), caption=caption
    )
    await message.answer_document(BufferedInputFile(to_csv(requests), f"requests-{today}.csv"))
    await message.answer_document(BufferedInputFile(to_csv(sessions), f"sessions-{today}.csv"))


# -- the scheduling dialog --------------------------------------------------------------------


def _schedule_steps(mode: str) -> tuple[str, ...]:
    if mode == "approve":
        return ("date", "time", "format", "place", "hours", "comment")
    return ("topic", "org", "date", "time", "format", "place", "hours")


def _schedule_prompt(
    step: str, data: dict[str, Any], settings: Settings, today: date
) -> tuple[str, InlineKeyboardMarkup | None]:
    title = (
        texts.SCHEDULE_TITLE_APPROVE.format(id=data.get("request_id"))
        if data.get("mode") == "approve"
        else texts.SCHEDULE_TITLE_NEW
    )
    if step == "date":
        lo, hi = today - timedelta(days=SESSION_PAST_DAYS), today + timedelta(days=366)
        month = date.fromisoformat(data["month"]) if data.get("month") else today
        return title + texts.SCHEDULE_ASK_DATE, schedule_calendar_kb(month, lo, hi)
    prompts: dict[str, tuple[str, InlineKeyboardMarkup | None]] = {
        "org": (texts.SCHEDULE_ASK_ORG, schedule_orgs_kb([])),
        "time": (texts.SCHEDULE_ASK_TIME, schedule_time_kb()),
        "format": (texts.SCHEDULE_ASK_FORMAT, schedule_format_kb()),
        "place": (texts.SCHEDULE_ASK_PLACE, None),
        "hours": (texts.SCHEDULE_ASK_HOURS, schedule_hours_kb()),
        "comment": (texts.SCHEDULE_ASK_COMMENT, schedule_skip_kb()),
    }
    text, kb = prompts[step]
    return title + text, kb


async def _schedule_go(
    state: FSMContext,
    target: Message,
    settings: Settings,
    db: Database,
    after: str | None,
) -> None:
    """Move to the step after ``after`` (None: the first), or to the check before saving."""
    data = await state.get_data()
    steps = _schedule_steps(str(data.get("mode")))
    index = steps.index(after) + 1 if after in steps else 0
    if index < len(steps):
        step = steps[index]
        await state.set_state(SCHEDULE_STATES[step])
        if step == "topic":
            topics = [(t.code, t.title) for t in await CatalogRepo(db).topics()]
            await target.answer(
                texts.SCHEDULE_TITLE_NEW + texts.SCHEDULE_ASK_TOPIC,
                reply_markup=schedule_topics_kb(topics),
            )
            return
        text, kb = _schedule_prompt(step, data, settings, _today(db, settings))
        await target.answer(text, reply_markup=kb)
        return
    await state.set_state(ReviewStates.confirming)
    await target.answer(await _schedule_check(data, db), reply_markup=schedule_save_kb())


async def _schedule_check(data: dict[str, Any], db: Database) -> str:
    title = (
        texts.SCHEDULE_TITLE_APPROVE.format(id=data.get("request_id"))
        if data.get("mode") == "approve"
        else texts.SCHEDULE_TITLE_NEW
    )
    org = await OrgRepo(db).get(int(data.get("org_id") or 0))
    lines = [
        ("📚 Направление", await request_cards.topic_title(db, str(data.get("topic", "")))),
        ("🏥 МО", org.name if org else texts.SCHEDULE_FOR_ALL),
        ("📅 Когда", f"{date.fromisoformat(data['date']):%d.%m.%Y} {data.get('time', '')}"),
        ("🎓 Формат", texts.FORMAT_TITLES.get(str(data.get("format")), "—")),
        ("📍 Место", str(data.get("place", ""))),
        ("⏱ Ак. часов", texts.hours(float(data.get("hours", 0)))),
    ]
    if data.get("mode") == "approve":
        lines.append(("💬 Комментарий", str(data.get("comment") or "—")))
    return f"{title}\n{texts.schedule_draft(lines)}\n\n{texts.SCHEDULE_CHECK}"


async def _start_new_session(
    state: FSMContext,
    bot: Bot,
    materials: CatalogRepo,
    user: UserRecord,
    answer: CallbackAnswer,
) -> None:
    private = private_state(state, bot, user.id)
    await private.clear()
    await private.update_data(mode="new")
    await private.set_state(ReviewStates.waiting_for_topic)
    topics = [(t.code, t.title) for t in await materials.topics()]
    text = texts.SCHEDULE_TITLE_NEW + texts.SCHEDULE_ASK_TOPIC
    if not await _say_private(bot, user.id, text, schedule_topics_kb(topics)):
        await private.clear()
        alert(answer, texts.REVIEW_DM_FAILED)


async def cmd_new_session(
    message: Message, state: FSMContext, bot: Bot, materials: CatalogRepo, user: UserRecord
) -> None:
    await state.clear()
    await state.update_data(mode="new")
    await state.set_state(ReviewStates.waiting_for_topic)
    topics = [(t.code, t.title) for t in await materials.topics()]
    await message.answer(
        texts.SCHEDULE_TITLE_NEW + texts.SCHEDULE_ASK_TOPIC,
        reply_markup=schedule_topics_kb(topics),
    )


async def on_schedule_button(
    callback: CallbackQuery,
    callback_data: ReviewCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    materials: CatalogRepo,
    user: UserRecord,
) -> None:
    message = message_of(callback)
    current = await state.get_state()
    step = STEP_OF_STATE.get(current or "")
    action, value = callback_data.action, callback_data.value
    wanted = {
        ReviewAction.TOPIC: "topic",
        ReviewAction.ORG: "org",
        ReviewAction.DAY: "date",
        ReviewAction.MONTH: "date",
        ReviewAction.TIME: "time",
        ReviewAction.FORMAT: "format",
        ReviewAction.HOURS: "hours",
        ReviewAction.SKIP: "comment",
    }
    if message is None or (action in wanted and wanted[action] != step):
        alert(callback_answer, texts.STALE_BUTTON)
        return
    if action is ReviewAction.SAVE:
        if current != ReviewStates.confirming.state:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await _schedule_save(message, state, bot, db, settings, delivery, scheduler, user)
        return
    if action is ReviewAction.MONTH:
        try:
            month = datetime.strptime(value + "01", "%Y%m%d").date()
        except ValueError:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.update_data(month=month.isoformat())
        text, kb = _schedule_prompt("date", await state.get_data(), settings, _today(db, settings))
        await edit(callback, callback_answer, text, kb)
        return
    update: dict[str, Any] = {}
    if action is ReviewAction.TOPIC:
        if value not in await materials.topic_titles():
            alert(callback_answer, texts.STALE_BUTTON)
            return
        update["topic"] = value
    elif action is ReviewAction.ORG:
        org = await OrgRepo(db).get(int(value)) if value.isdigit() and len(value) < 10 else None
        if value != "0" and org is None:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        update["org_id"] = org.id if org else 0
    elif action is ReviewAction.DAY:
        day = parse_session_day(f"{value[6:8]}.{value[4:6]}.{value[:4]}", _today(db, settings))
        if len(value) != 8 or day is None:
            alert(callback_answer, texts.SCHEDULE_DATE_INVALID)
            return
        update["date"] = day.isoformat()
    elif action is ReviewAction.TIME:
        moment = parse_clock(f"{value[:2]}:{value[2:]}")
        if len(value) != 4 or moment is None:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        update["time"] = f"{moment:%H:%M}"
    elif action is ReviewAction.FORMAT:
        if value not in Format._value2member_map_:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        update["format"] = value
    elif action is ReviewAction.HOURS:
        hours = parse_hours(value)
        if hours is None:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        update["hours"] = hours
    elif action is ReviewAction.SKIP:
        update["comment"] = ""
    else:
        alert(callback_answer, texts.STALE_BUTTON)
        return
    await state.update_data(**update)
    await _drop_buttons(message)
    await _schedule_go(state, message, settings, db, step)


async def on_schedule_text(
    message: Message,
    state: FSMContext,
    db: Database,
    settings: Settings,
    orgs: OrgRepo,
) -> None:
    step = STEP_OF_STATE.get(await state.get_state() or "")
    raw = " ".join((message.text or "").split())
    if step in (None, "topic", "format"):
        await message.answer(texts.BUTTONS_EXPECTED)
        return
    update: dict[str, Any] = {}
    if step == "org":
        found = await orgs.find(raw[:100]) if raw else []
        if not found:
            await message.answer(
                texts.REQ_ORG_NONE.format(query=texts.escape(texts.shorten(raw, 50))),
                reply_markup=schedule_orgs_kb([]),
            )
            return
        await message.answer(
            texts.REQ_ORG_PICK.format(query=texts.escape(texts.shorten(raw, 50))),
            reply_markup=schedule_orgs_kb([(o.id, o.short_name) for o in found]),
        )
        return
    if step == "date":
        day = parse_session_day(raw[:20], _today(db, settings))
        if day is None:
            await message.answer(texts.SCHEDULE_DATE_INVALID)
            return
        update["date"] = day.isoformat()
    elif step == "time":
        moment = parse_clock(raw[:10])
        if moment is None:
            await message.answer(texts.SCHEDULE_TIME_INVALID)
            return
        update["time"] = f"{moment:%H:%M}"
    elif step == "place":
        if not 3 <= len(raw) <= 300:
            await message.answer(texts.SCHEDULE_PLACE_INVALID)
            return
        update["place"] = raw
    elif step == "hours":
        hours = parse_hours(raw[:20])
        if hours is None:
            await message.answer(texts.SCHEDULE_HOURS_INVALID)
            return
        update["hours"] = hours
    elif step == "comment":
        text = (message.text or "").strip()
        if len(text) > MAX_COMMENT:
            await message.answer(texts.REQ_TEXT_TOO_LONG.format(limit=MAX_COMMENT))
            return
        update["comment"] = text
    await state.update_data(**update)
    await _schedule_go(state, message, settings, db, step)


async def _schedule_save(
    message: Message,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    data = await state.get_data()
    try:
        moment = datetime.combine(
            date.fromisoformat(data["date"]),
            datetime.strptime(data["time"], "%H:%M").time(),
            tzinfo=settings.tz,
        )
        session_input = SessionInput(
            topic_code=str(data["topic"]),
            format=Format(data["format"]),
            starts_at=moment,
            place=str(data["place"]),
            planned_hours=float(data["hours"]),
            organisation_id=int(data.get("org_id") or 0) or None,
        )
    except (KeyError, ValueError, TypeError):
        await state.clear()
        await message.answer(texts.REQ_DRAFT_LOST.replace("/request", "/sessions"))
        return
    await state.clear()
    await _drop_buttons(message)
    if data.get("mode") != "approve":
        session = await SessionRepo(db).create(session_input, user.id)
        log.info("session %s recorded by %s", session.id, user.id)
        await message.answer(
            texts.SCHEDULE_SAVED.format(id=session.id), reply_markup=announce_kb(session.id)
        )
        return
    rid = int(data["request_id"])
    comment = str(data.get("comment") or "")
    request = await RequestRepo(db).approve(rid, user.id, session_input, comment)
    if request is None or request.session_id is None:
        await message.answer(texts.REVIEW_TOO_LATE)
        return
    log.info("request %s approved by %s, session %s", rid, user.id, request.session_id)
    topic = await request_cards.topic_title(db, request.topic_code)
    note = texts.REQ_NOTE_APPROVED.format(
        id=rid,
        topic=texts.escape(topic),
        when=request_cards.when(moment, settings.tz),
        format=texts.FORMAT_TITLES[session_input.format.value],
        place=texts.escape(session_input.place),
        hours=texts.hours(session_input.planned_hours),
    )
    if comment:
        note += texts.REQ_NOTE_COMMENT.format(comment=texts.escape(comment))
    await request_cards.to_tutor(db, request.user_id, note)
    delivery.kick()
    await scheduler.rebuild()
    await _update_card(bot, db, settings, data, request)
    await message.answer(
        texts.REVIEW_APPROVED.format(id=rid, session=request.session_id),
        reply_markup=announce_kb(request.session_id),
    )


async def _update_card(
    bot: Bot, db: Database, settings: Settings, data: dict[str, Any], request: Request
) -> None:
    """The card the dialog started from shows the new status; a card too old to edit stays."""
    chat, message_id = data.get("card_chat"), data.get("card_message")
    if not chat or not message_id:
        return
    text, kb = await request_cards.request_card(db, request, settings.tz)
    try:
        await bot.edit_message_text(
            text=text, chat_id=int(chat), message_id=int(message_id), reply_markup=kb
        )
    except (TelegramBadRequest, TelegramForbiddenError) as e:
        log.info("request card %s not updated: %s", request.id, e.message)


async def on_reason(
    message: Message,
    state: FSMContext,
    bot: Bot,
    db: Database,
    settings: Settings,
    delivery: Delivery,
    scheduler: Scheduler,
    user: UserRecord,
) -> None:
    text = (message.text or "").strip()
    if not 3 <= len(text) <= MAX_COMMENT:
        await message.answer(texts.REVIEW_COMMENT_INVALID)
        return
    data = await state.get_data()
    await state.clear()
    repo = RequestRepo(db)
    rid = int(data.get("request_id") or 0)
    if data.get("mode") == "changes":
        request = await repo.ask_changes(rid, user.id, text)
        note, done = texts.REQ_NOTE_CHANGES, texts.REVIEW_CHANGES_SENT
    else:
        request = await repo.reject(rid, user.id, text)
        note, done = texts.REQ_NOTE_REJECTED, texts.REVIEW_REJECTED
    if request is None:
        await message.answer(texts.REVIEW_TOO_LATE)
        return
    log.info("request %s: %s by %s", rid, request.status.value, user.id)
    await _tell_tutor(db, delivery, request, note, text)
    await scheduler.rebuild()
    await _update_card(bot, db, settings, data, request)
    await message.answer(done.format(id=rid))


async def on_results(message: Message, state: FSMContext, db: Database, user: UserRecord) -> None:
    found = parse_results(message.text or "")
    if found is None:
        await message.answer(texts.RESULTS_INVALID)
        return
    people, hours = found
    session_id = int((await state.get_data()).get("session_id") or 0)
    await state.clear()
    if not await SessionRepo(db).record(session_id, people, hours, user.id):
        await message.answer(texts.REVIEW_GONE)
        return
    await message.answer(
        texts.RESULTS_SAVED.format(id=session_id, people=people, hours=texts.hours(hours))
    )


async def on_dialog_not_text(message: Message) -> None:
    await message.answer(texts.TEXT_EXPECTED)


# -- sessions ---------------------------------------------------------------------------------


async def cmd_sessions(
    message: Message, db: Database, settings: Settings, materials: CatalogRepo
) -> None:
    repo = SessionRepo(db)
    recent = await repo.recent(15)
    titles = await materials.topic_titles()
    totals = await db.fetchone(
        "SELECT COUNT(*) AS n, COALESCE(SUM(participants), 0) AS people,"
        " COALESCE(SUM(hours), 0) AS hours FROM sessions WHERE participants IS NOT NULL"
    )
    lines = [texts.SESSIONS_HEADER]
    if totals is not None:
        lines.append(
            texts.SESSIONS_TOTAL.format(
                sessions=totals["n"], people=totals["people"], hours=texts.hours(totals["hours"])
            )
        )
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
    now = local_now(db, settings.tz)
    ready = [s.id for s in recent if s.starts_at <= now]
    await message.answer(texts.fit(lines), reply_markup=sessions_kb(ready[:9]))


# -- the МО directory (admins) ----------------------------------------------------------------


async def cmd_mo(
    message: Message, command: CommandObject, state: FSMContext, orgs: OrgRepo
) -> None:
    await state.clear()
    query = " ".join((command.args or "").split())[:100]
    if not query:
        await message.answer(
            texts.ORG_HEADER.format(active=len(await orgs.all())), reply_markup=org_menu_kb()
        )
        return
    found = await orgs.find(query)
    if not found:
        await message.answer(texts.ORG_NONE.format(query=texts.escape(query)))
        return
    await message.answer(
        texts.REQ_ORG_PICK.format(query=texts.escape(query)),
        reply_markup=org_found_kb([(o.id, o.short_name) for o in found]),
    )


def _org_card(org: Any) -> str:
    return texts.ORG_CARD.format(
        name=texts.escape(org.name),
        short_name=texts.escape(org.short_name),
        district=texts.escape(org.district or "—"),
        type=org.type.value,
        staff=org.staff if org.staff is not None else "—",
    )


async def on_org(
    callback: CallbackQuery,
    callback_data: OrgCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    orgs: OrgRepo,
    settings: Settings,
) -> None:
    message = message_of(callback)
    if message is None:
        alert(callback_answer, texts.STALE_BUTTON)
        return
    if callback_data.action is OrgAction.IMPORT:
        await state.set_state(OrgStates.waiting_for_file)
        await message.answer(texts.ORG_ASK_FILE)
        return
    if callback_data.action is OrgAction.EXPORT:
        rows = await orgs.export_rows()
        today = _today(orgs.db, settings).isoformat()
        book = to_xlsx_book([("МО", rows)])
        await message.answer_document(BufferedInputFile(book, f"organisations-{today}.xlsx"))
        await message.answer_document(BufferedInputFile(to_csv(rows), f"organisations-{today}.csv"))
        return
    org = await orgs.get(callback_data.id)
    if org is None:
        alert(callback_answer, texts.REVIEW_GONE)
        return
    if callback_data.action is OrgAction.FIELD:
        if callback_data.field not in texts.ORG_FIELDS:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.set_state(OrgStates.waiting_for_value)
        await state.update_data(org_id=org.id, field=callback_data.field)
        await message.answer(
            texts.ORG_ASK_VALUE.format(field=texts.ORG_FIELDS[callback_data.field])
        )
        return
    await message.answer(_org_card(org), reply_markup=org_card_kb(org.id))


async def org_value_entered(message: Message, state: FSMContext, orgs: OrgRepo) -> None:
    data = await state.get_data()
    field = str(data.get("field", ""))
    org_id = int(data.get("org_id") or 0)
    raw = " ".join((message.text or "").split())
    value: str | int | None = raw
    problem = ""
    if field == "name" and not 3 <= len(raw) <= 300:
        problem = "от 3 до 300 символов"
    elif field == "short_name" and not 2 <= len(raw) <= 80:
        problem = "от 2 до 80 символов"
    elif field == "district":
        value = "" if raw == "-" else raw
        if len(raw) > 100:
            problem = "до 100 символов"
    elif field == "staff":
        value = None if raw == "-" else parse_staff(raw)
        if raw != "-" and value is None:
            problem = f"целое число от 0 до {MAX_STAFF} или «-»"
    elif field not in texts.ORG_FIELDS:
        await state.clear()
        await message.answer(texts.STALE_BUTTON)
        return
    if problem:
        await message.answer(texts.ORG_VALUE_INVALID.format(reason=problem))
        return
    if not await orgs.update(org_id, field, value):
        await message.answer(
            texts.ORG_VALUE_INVALID.format(reason="такое краткое название уже есть")
        )
        return
    await state.clear()
    org = await orgs.get(org_id)
    await message.answer(texts.ORG_SAVED)
    if org is not None:
        await message.answer(_org_card(org), reply_markup=org_card_kb(org.id))


async def org_file_received(message: Message, state: FSMContext, bot: Bot, orgs: OrgRepo) -> None:
    document = message.document
    name = (document.file_name or "") if document else ""
    if document is None or not name.lower().endswith((".csv", ".xlsx")):
        await message.answer(texts.IMPORT_NEED_TABLE)
        return
    if (document.file_size or 0) > ORG_FILE_LIMIT:
        await message.answer(texts.FILE_TOO_BIG.format(limit=ORG_FILE_LIMIT // 1024 // 1024))
        return
    await state.clear()
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        report = await orgs.import_table(buffer.getvalue(), name)
    except ImportFormatError as e:
        await message.answer(texts.IMPORT_FAILED.format(reason=texts.escape(str(e))))
        return
    problems = [(p.row, p.field, p.message) for p in report.plan.problems]
    if problems or not report.plan.rows:
        lines = [texts.ORG_IMPORT_REFUSED]
        lines += [
            texts.IMPORT_PROBLEM.format(
                row=r, field=texts.escape(f or "—"), message=texts.escape(m)
            )
            for r, f, m in problems[:30]
        ]
        await message.answer(texts.fit(lines))
        return
    await message.answer(
        texts.ORG_IMPORT_DONE.format(
            created=report.created, updated=report.updated, hidden=report.deactivated
        )
    )


def create_router() -> Router:
    router = Router(name=__name__)

    staff = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    staff.message.middleware(gate)
    staff.callback_query.middleware(gate)
    private = PRIVATE
    dialog_buttons = ReviewCallback.filter(
        F.action.in_(
            {
                ReviewAction.DAY,
                ReviewAction.MONTH,
                ReviewAction.TIME,
                ReviewAction.FORMAT,
                ReviewAction.HOURS,
                ReviewAction.ORG,
                ReviewAction.SKIP,
                ReviewAction.SAVE,
            }
        )
        | ((F.action == ReviewAction.TOPIC) & (F.value != ""))
    )
    staff.callback_query.register(on_schedule_button, dialog_buttons, StateFilter(ReviewStates))
    staff.callback_query.register(on_review, ReviewCallback.filter())
    # Private only: a card opened from the list carries contacts, and any group may read it.
    staff.message.register(cmd_requests, Command("requests"), private)
    staff.message.register(
        cmd_requests_export, Command("requests_export"), private, flags={THROTTLE_FLAG: "heavy"}
    )
    staff.message.register(cmd_sessions, Command("sessions"), private)
    staff.message.register(cmd_new_session, Command("session"), private)
    answer = F.text & ~F.text.startswith("/") & ~F.text.in_(texts.MENU_BUTTONS)
    staff.message.register(on_reason, StateFilter(ReviewStates.waiting_for_reason), private, answer)
    staff.message.register(
        on_results, StateFilter(ReviewStates.waiting_for_results), private, answer
    )
    staff.message.register(on_schedule_text, StateFilter(ReviewStates), private, answer)
    staff.message.register(on_dialog_not_text, StateFilter(ReviewStates), private, ~F.text)

    admins = Router(name=f"{__name__}.admins")
    admin_gate = RequireRole(Role.ADMIN)
    admins.message.middleware(admin_gate)
    admins.callback_query.middleware(admin_gate)
    admins.message.filter(private)
    admins.message.register(cmd_mo, Command("mo"))
    admins.callback_query.register(on_org, OrgCallback.filter())
    admins.message.register(org_file_received, StateFilter(OrgStates.waiting_for_file), F.document)
    admins.message.register(on_dialog_not_text, StateFilter(OrgStates.waiting_for_file))
    admins.message.register(org_value_entered, StateFilter(OrgStates.waiting_for_value), answer)
    admins.message.register(on_dialog_not_text, StateFilter(OrgStates.waiting_for_value), ~F.text)

    router.include_routers(staff, admins)
    return router
