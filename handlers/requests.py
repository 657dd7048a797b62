"""The tutor's side of training requests: the eight-step form with its summary, "Мои заявки",
resubmitting after a methodologist asked for changes, and /forget for everyone.

The draft is the user's FSM data, kept in SQLite, so a restart in the middle of the form loses
nothing: the user answers the step they were at. Button payloads name only an option of the
current step; the request id of a resubmission lives in the draft, checked against the owner.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import request_cards, texts
from bot.callbacks import RequestAction, RequestCallback
from bot.delivery import Delivery
from bot.filters import PRIVATE, Label
from bot.jobs import sla_due
from bot.keyboards import (
    main_menu_kb,
    req_audience_kb,
    req_back_kb,
    req_calendar_kb,
    req_comment_kb,
    req_format_kb,
    req_org_kb,
    req_summary_kb,
    req_topics_kb,
)
from bot.middlewares import RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.states import RequestStates
from catalog.requests import (
    MAX_AHEAD_DAYS,
    MAX_PARTICIPANTS,
    MAX_RANGE_DAYS,
    MIN_PARTICIPANTS,
    Audience,
    DateRange,
    Format,
    Status,
    mask_phone,
    parse_dates,
    parse_participants,
    split_contact,
)
from handlers.common import alert, local_now, message_of
from storage.announcements import AnnouncementRepo, Render
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.organisations import OrgRepo
from storage.requests import RequestInput, RequestRepo
from storage.users import Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

STEPS = ("org", "topic", "format", "audience", "participants", "dates", "contact", "comment")
STATES: dict[str, State] = {
    "org": RequestStates.waiting_for_organisation,
    "topic": RequestStates.waiting_for_topic,
    "format": RequestStates.waiting_for_format,
    "audience": RequestStates.waiting_for_audience,
    "participants": RequestStates.waiting_for_participants,
    "dates": RequestStates.waiting_for_dates,
    "contact": RequestStates.waiting_for_contact,
    "comment": RequestStates.waiting_for_comment,
}
STEP_OF_STATE = {state.state: step for step, state in STATES.items()}
BUTTON_STEPS = {"topic", "format", "audience"}
MAX_QUERY = 100
MAX_DATES_TEXT = 200
MAX_CONTACT = 200
MAX_COMMENT = 1000
BACK_WORDS = {"назад", "⬅️ назад", "back"}


def _today(db: Database, settings: Settings) -> date:
    return local_now(db, settings.tz).date()


def _window(db: Database, settings: Settings) -> tuple[date, date]:
    today = _today(db, settings)
    return today + timedelta(days=1), today + timedelta(days=MAX_AHEAD_DAYS)


class Form:
    """What a handler needs to show a step: the stores and the user's draft."""

    def __init__(
        self,
        state: FSMContext,
        db: Database,
        settings: Settings,
        materials: CatalogRepo,
        orgs: OrgRepo,
        user: UserRecord,
    ) -> None:
        self.state = state
        self.db = db
        self.settings = settings
        self.materials = materials
        self.orgs = orgs
        self.user = user

    async def data(self) -> dict[str, Any]:
        return await self.state.get_data()

    async def prompt(self, step: str) -> tuple[str, InlineKeyboardMarkup | None]:
        data = await self.data()
        header = texts.REQ_STEP.format(step=STEPS.index(step) + 1, total=texts.REQUEST_STEPS)
        if step == "org":
            remembered = await self.orgs.remembered(self.user.id)
            chosen = await self.orgs.get(int(data.get("org_id", 0) or 0))
            keep = chosen or remembered
            if keep is not None:
                text = texts.REQ_ASK_ORG_REMEMBERED.format(org=texts.escape(keep.name))
                return header + text, req_org_kb([], (keep.id, keep.short_name))
            return header + texts.REQ_ASK_ORG, None
        if step == "topic":
            topics = [(t.code, t.title) for t in await self.materials.topics()]
            return header + texts.REQ_ASK_TOPIC, req_topics_kb(topics)
        if step == "format":
            return header + texts.REQ_ASK_FORMAT, req_format_kb()
        if step == "audience":
            return header + texts.REQ_ASK_AUDIENCE, req_audience_kb(data.get("audience", []))
        if step == "participants":
            return header + texts.REQ_ASK_PARTICIPANTS, req_back_kb()
        if step == "dates":
            return header + texts.REQ_ASK_DATES, self.calendar(data)
        if step == "contact":
            return header + texts.REQ_ASK_CONTACT, req_back_kb()
        return header + texts.REQ_ASK_COMMENT, req_comment_kb()

    def calendar(self, data: dict[str, Any], month: date | None = None) -> InlineKeyboardMarkup:
        lo, hi = _window(self.db, self.settings)
        start = date.fromisoformat(data["cal_start"]) if data.get("cal_start") else None
        return req_calendar_kb(month or start or lo, lo, hi, start)

    async def summary(self) -> tuple[str, InlineKeyboardMarkup]:
        data = await self.data()
        org = await self.orgs.get(int(data.get("org_id", 0) or 0))
        titles = await self.materials.topic_titles()
        dates = ""
        if data.get("date_from"):
            dates = texts.date_range(
                date.fromisoformat(data["date_from"]), date.fromisoformat(data["date_to"])
            )
        view = texts.RequestView(
            organisation=org.name if org else "",
            topic=titles.get(data.get("topic", ""), ""),
            format=data.get("format", ""),
            audience=tuple(data.get("audience", [])),
            participants=data.get("participants"),
            dates=dates,
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            comment=data.get("comment", ""),
        )
        return texts.request_summary(view), req_summary_kb(bool(data.get("fix_id")))

    async def go(self, step: str | None, target: Message, *, edit: bool = False) -> None:
        """Show ``step`` (None: the summary), setting the state the answer is expected in."""
        kb: InlineKeyboardMarkup | None
        if step is None:
            await self.state.set_state(RequestStates.confirming)
            text, kb = await self.summary()
        else:
            await self.state.set_state(STATES[step])
            text, kb = await self.prompt(step)
        if edit:
            try:
                await target.edit_text(text, reply_markup=kb)
                return
            except TelegramBadRequest as e:  # too old to edit, or not changed: say it anew
                log.debug("could not edit the form message: %s", e)
        await target.answer(text, reply_markup=kb)

    async def next(self, step: str, target: Message, *, edit: bool = False) -> None:
        """After a step is answered: the summary when editing from it, else the next step."""
        data = await self.data()
        index = STEPS.index(step)
        following = None if data.get("editing") or index + 1 == len(STEPS) else STEPS[index + 1]
        await self.go(following, target, edit=edit)


def _form(data: dict[str, Any], user: UserRecord, state: FSMContext) -> Form:
    return Form(state, data["db"], data["settings"], data["materials"], data["orgs"], user)


# -- starting ---------------------------------------------------------------------------------


async def cmd_request(
    message: Message,
    state: FSMContext,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    orgs: OrgRepo,
    user: UserRecord,
) -> None:
    await state.clear()
    if not await materials.topics():
        await message.answer(texts.REQ_TOPICS_EMPTY)
        return
    if not await orgs.all():
        await message.answer(texts.REQ_ORGS_EMPTY)
        return
    remembered = await orgs.remembered(user.id)
    if remembered is not None:
        await state.update_data(org_id=remembered.id)
    form = Form(state, db, settings, materials, orgs, user)
    await form.go("org", message)


async def cmd_my_requests(
    message: Message, db: Database, materials: CatalogRepo, user: UserRecord
) -> None:
    found = await RequestRepo(db).for_user(user.id)
    if not found:
        await message.answer(texts.MY_REQUESTS_EMPTY)
        return
    titles = await materials.topic_titles()
    lines = [texts.MY_REQUESTS_HEADER]
    for r in found:
        dates = f"{r.date_from:%d.%m}" + (f"–{r.date_to:%d.%m}" if r.date_to != r.date_from else "")
        lines.append(
            texts.request_line(
                r.id, r.status.value, titles.get(r.topic_code, r.topic_code), dates, r.organisation
            )
        )
    await message.answer(texts.fit(lines))


async def cmd_forget(
    message: Message, state: FSMContext, db: Database, delivery: Delivery, user: UserRecord
) -> None:
    await state.clear()
    erased = await UserRepo(db).erase(user.id, texts.FORGOTTEN_NOTICE)
    # The cards methodologists already have are edited to show no contact.
    cards = [str(i) for i in erased.request_ids]
    if await AnnouncementRepo(db).refresh(Render.REQUEST_CARD, cards):
        delivery.kick()
    log.info("user %s erased their personal data (%d request(s))", user.id, erased.requests)
    await message.answer(
        texts.FORGET_DONE.format(count=erased.requests), reply_markup=main_menu_kb(user.role)
    )


# -- text answers -----------------------------------------------------------------------------


async def on_text(message: Message, state: FSMContext, user: UserRecord, **data: Any) -> None:
    form = _form(data, user, state)
    step = STEP_OF_STATE.get(await state.get_state() or "")
    raw = " ".join((message.text or "").split())
    if raw.lower() in BACK_WORDS:
        await _back(form, step, message)
        return
    if step is None:  # confirming: the summary waits for a button
        await message.answer(texts.BUTTONS_EXPECTED)
        return
    if step in BUTTON_STEPS:
        await message.answer(texts.BUTTONS_EXPECTED)
        return
    if step == "org":
        await _org_typed(form, raw, message)
    elif step == "participants":
        count = parse_participants(raw)
        if count is None or not MIN_PARTICIPANTS <= count <= MAX_PARTICIPANTS:
            await message.answer(texts.REQ_PARTICIPANTS_INVALID)
            return
        await state.update_data(participants=count)
        await form.next(step, message)
    elif step == "dates":
        found = parse_dates(raw[:MAX_DATES_TEXT], _today(form.db, form.settings))
        if len(raw) > MAX_DATES_TEXT or found is None:
            await message.answer(texts.REQ_DATES_INVALID)
            return
        await _dates_chosen(form, found, raw, message)
    elif step == "contact":
        contact = split_contact(raw) if len(raw) <= MAX_CONTACT else None
        if contact is None:
            await message.answer(texts.REQ_CONTACT_INVALID)
            return
        await state.update_data(contact_name=contact[0][:100], contact_phone=contact[1])
        log.info("user %s gave a contact phone %s", user.id, mask_phone(contact[1]))
        await form.next(step, message)
    elif step == "comment":
        text = (message.text or "").strip()
        if len(text) > MAX_COMMENT:
            await message.answer(texts.REQ_TEXT_TOO_LONG.format(limit=MAX_COMMENT))
            return
        await state.update_data(comment=text)
        await form.next(step, message)


async def _org_typed(form: Form, raw: str, message: Message) -> None:
    query = raw[:MAX_QUERY]
    found = await form.orgs.find(query) if query else []
    if not found:
        await message.answer(
            texts.REQ_ORG_NONE.format(query=texts.escape(texts.shorten(query, 50)))
        )
        return
    await message.answer(
        texts.REQ_ORG_PICK.format(query=texts.escape(texts.shorten(query, 50))),
        reply_markup=req_org_kb([(o.id, o.short_name) for o in found]),
    )


async def _dates_chosen(form: Form, found: DateRange, typed: str, message: Message) -> None:
    await form.state.update_data(
        date_from=found.start.isoformat(),
        date_to=found.end.isoformat(),
        dates_text=typed,
        cal_start=None,
    )
    understood = texts.date_range(found.start, found.end)
    await message.answer(texts.REQ_DATES_UNDERSTOOD.format(dates=understood))
    await form.next("dates", message)


async def on_not_text(message: Message, state: FSMContext) -> None:
    step = STEP_OF_STATE.get(await state.get_state() or "")
    if step is None or step in BUTTON_STEPS:
        await message.answer(texts.BUTTONS_EXPECTED)
    else:
        await message.answer(texts.TEXT_EXPECTED)


# -- buttons ----------------------------------------------------------------------------------


async def _back(form: Form, step: str | None, target: Message, *, edit: bool = False) -> None:
    data = await form.data()
    if step is None:
        # From the summary, "back" is the last step.
        await form.go(STEPS[-1], target, edit=edit)
        return
    if data.get("editing"):
        await form.go(None, target, edit=edit)
        return
    index = STEPS.index(step)
    await form.go(STEPS[max(index - 1, 0)], target, edit=edit)


async def on_button(
    callback: CallbackQuery,
    callback_data: RequestCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    user: UserRecord,
    **data: Any,
) -> None:
    message = message_of(callback)
    if message is None:
        alert(callback_answer, texts.STALE_BUTTON)
        return
    form = _form(data, user, state)
    step = STEP_OF_STATE.get(await state.get_state() or "")
    action, value = callback_data.action, callback_data.value
    expected = {
        RequestAction.KEEP_ORG: "org",
        RequestAction.ORG: "org",
        RequestAction.TOPIC: "topic",
        RequestAction.FORMAT: "format",
        RequestAction.AUDIENCE: "audience",
        RequestAction.AUDIENCE_DONE: "audience",
        RequestAction.DAY: "dates",
        RequestAction.MONTH: "dates",
        RequestAction.RANGE_DONE: "dates",
        RequestAction.SKIP: "comment",
    }
    if action in expected and expected[action] != step:
        # A button of a step already left: pressing it must not rewrite the draft.
        alert(callback_answer, texts.STALE_BUTTON)
        return
    if action is RequestAction.BACK:
        await _back(form, step, message, edit=True)
    elif action is RequestAction.EDIT:
        if value not in STEPS or step is not None:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.update_data(editing=True)
        await form.go(value, message)
    elif action in (RequestAction.KEEP_ORG, RequestAction.ORG):
        org = await form.orgs.get(int(value)) if value.isdigit() and len(value) < 10 else None
        if org is None or not org.active:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.update_data(org_id=org.id)
        await form.next("org", message, edit=True)
    elif action is RequestAction.TOPIC:
        if value not in await form.materials.topic_titles():
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.update_data(topic=value)
        await form.next("topic", message, edit=True)
    elif action is RequestAction.FORMAT:
        if value not in Format._value2member_map_:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await state.update_data(format=value)
        await form.next("format", message, edit=True)
    elif action is RequestAction.AUDIENCE:
        if value not in Audience._value2member_map_:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        chosen = list((await form.data()).get("audience", []))
        chosen = [c for c in chosen if c != value] if value in chosen else [*chosen, value]
        await state.update_data(audience=chosen)
        await form.go("audience", message, edit=True)
    elif action is RequestAction.AUDIENCE_DONE:
        if not (await form.data()).get("audience"):
            alert(callback_answer, texts.REQ_AUDIENCE_EMPTY)
            return
        await form.next("audience", message, edit=True)
    elif action in (RequestAction.DAY, RequestAction.MONTH, RequestAction.RANGE_DONE):
        await _calendar(form, action, value, message, callback_answer)
    elif action is RequestAction.SKIP:
        await state.update_data(comment="")
        await form.next("comment", message, edit=True)
    elif action is RequestAction.SUBMIT:
        if step is not None:
            alert(callback_answer, texts.STALE_BUTTON)
            return
        await _submit(form, message, callback_answer, data["delivery"], data["scheduler"])


def _parse_yyyymmdd(value: str) -> date | None:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


async def _calendar(
    form: Form,
    action: RequestAction,
    value: str,
    message: Message,
    answer: CallbackAnswer,
) -> None:
    data = await form.data()
    lo, hi = _window(form.db, form.settings)
    if action is RequestAction.MONTH:
        month = _parse_yyyymmdd(value + "01") if len(value) == 6 else None
        if month is None or not lo.replace(day=1) <= month <= hi:
            alert(answer, texts.STALE_BUTTON)
            return
        await _show_calendar(message, form.calendar(data, month), data)
        return
    start = date.fromisoformat(data["cal_start"]) if data.get("cal_start") else None
    if action is RequestAction.RANGE_DONE:
        if start is None:
            alert(answer, texts.STALE_BUTTON)
            return
        await _dates_chosen(form, DateRange(start, start), "", message)
        return
    day = _parse_yyyymmdd(value) if len(value) == 8 else None
    if day is None or not lo <= day <= hi:
        alert(answer, texts.STALE_BUTTON)
        return
    if start is None or day < start:
        await form.state.update_data(cal_start=day.isoformat())
        data = await form.data()
        await _show_calendar(message, form.calendar(data, day), data)
        return
    if (day - start).days + 1 > MAX_RANGE_DAYS:
        alert(answer, texts.REQ_DATES_INVALID)
        return
    await _dates_chosen(form, DateRange(start, day), "", message)


async def _show_calendar(message: Message, kb: InlineKeyboardMarkup, data: dict[str, Any]) -> None:
    header = texts.REQ_STEP.format(step=STEPS.index("dates") + 1, total=texts.REQUEST_STEPS)
    text = header + texts.REQ_ASK_DATES
    if data.get("cal_start"):
        start = date.fromisoformat(data["cal_start"])
        text = header + texts.REQ_DATES_END.format(start=texts.date_range(start, start))
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:  # "not modified": the same month pressed again
        log.debug("calendar not redrawn: %s", e)


def _draft_input(data: dict[str, Any]) -> RequestInput | None:
    try:
        return RequestInput(
            organisation_id=int(data["org_id"]),
            topic_code=str(data["topic"]),
            format=Format(data["format"]),
            audience=tuple(Audience(a) for a in data["audience"]),
            participants=int(data["participants"]),
            date_from=date.fromisoformat(data["date_from"]),
            date_to=date.fromisoformat(data["date_to"]),
            dates_text=str(data.get("dates_text") or ""),
            contact_name=str(data["contact_name"]),
            contact_phone=str(data["contact_phone"]),
            comment=str(data.get("comment") or ""),
        )
    except (KeyError, ValueError, TypeError):
        return None


async def _submit(
    form: Form,
    message: Message,
    answer: CallbackAnswer,
    delivery: Delivery,
    scheduler: Scheduler,
) -> None:
    data = await form.data()
    draft = _draft_input(data)
    if draft is None or not draft.audience:
        await form.state.clear()
        alert(answer, texts.REQ_DRAFT_LOST)
        return
    repo = RequestRepo(form.db)
    fix_id = int(data.get("fix_id") or 0)
    if fix_id:
        request = await repo.resubmit(fix_id, form.user.id, draft)
        if request is None:
            await form.state.clear()
            await message.answer(texts.REQ_NOT_FIXABLE)
            return
        headline, done = texts.REVIEW_RESUBMITTED, texts.REQ_RESUBMITTED
    else:
        request = await repo.create(form.user.id, draft)
        headline, done = texts.REVIEW_NEW, texts.REQ_SUBMITTED
    await form.state.clear()
    log.info(
        "request %s %s by user %s", request.id, "resubmitted" if fix_id else "filed", form.user.id
    )
    await request_cards.to_queue(form.db, form.settings.staff_chat_id, request.id, headline)
    delivery.kick()
    due = sla_due(request.id, request.touched_at, form.settings.request_sla_days, form.settings.tz)
    scheduler.schedule(due, replacing=f"sla:{request.id}:")
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as e:
        log.debug("summary buttons not removed: %s", e.message)
    await message.answer(done.format(id=request.id), reply_markup=main_menu_kb(form.user.role))


async def on_fix(
    callback: CallbackQuery,
    callback_data: RequestCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    user: UserRecord,
    **data: Any,
) -> None:
    """The tutor's «Исправить» under a "changes asked" notice: the request becomes the draft."""
    message = message_of(callback)
    value = callback_data.value
    repo = RequestRepo(data["db"])
    request = await repo.get(int(value)) if value.isdigit() and len(value) < 12 else None
    if request is None or request.user_id != user.id or request.status is not Status.CHANGES:
        alert(callback_answer, texts.REQ_NOT_FIXABLE)
        return
    if message is None:
        alert(callback_answer, texts.STALE_BUTTON)
        return
    comment = next(
        (e.comment for e in reversed(await repo.events(request.id)) if e.action == "changes"), ""
    )
    await state.clear()
    await state.update_data(
        fix_id=request.id,
        editing=True,
        org_id=request.organisation_id,
        topic=request.topic_code,
        format=request.format.value,
        audience=[a.value for a in request.audience],
        participants=request.participants,
        date_from=request.date_from.isoformat(),
        date_to=request.date_to.isoformat(),
        dates_text=request.dates_text,
        contact_name=request.contact_name or "",
        contact_phone=request.contact_phone or "",
        comment=request.comment,
    )
    await message.answer(
        texts.REQ_FIX_STARTED.format(
            id=request.id, comment=texts.escape(texts.shorten(comment, 500))
        )
    )
    await _form(data, user, state).go(None, message)


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE
    router.message.filter(private)
    router.callback_query.filter(PRIVATE)
    # /forget is everyone's right, whatever their role.
    router.message.register(cmd_forget, Command("forget"))

    tutors = Router(name=f"{__name__}.tutors")
    gate = RequireRole(Role.TUTOR)
    tutors.message.middleware(gate)
    tutors.callback_query.middleware(gate)
    tutors.message.register(cmd_request, Command("request"))
    tutors.message.register(cmd_request, Label(texts.BTN_REQUEST))
    tutors.message.register(cmd_my_requests, Command("myrequests"))
    tutors.message.register(cmd_my_requests, Label(texts.BTN_MY_REQUESTS))
    tutors.callback_query.register(on_fix, RequestCallback.filter(F.action == RequestAction.FIX))
    in_form = StateFilter(RequestStates)
    tutors.callback_query.register(on_button, RequestCallback.filter(), in_form)
    # Commands and menu buttons keep working in the middle of the form: they are not answers.
    answer = F.text & ~F.text.startswith("/") & ~F.text.in_(texts.MENU_BUTTONS)
    tutors.message.register(on_text, in_form, answer)
    tutors.message.register(on_not_text, in_form, ~F.text)
    router.include_router(tutors)
    return router
