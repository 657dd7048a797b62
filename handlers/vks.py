"""The weekly VKS 8.38: methodologists set each date's topic, link, speaker and directions,
cancel a date, change the slot and reminders, attach the recording; everyone can say "I will
attend" under an announcement and take the .ics invitation from a deep link."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.callbacks import VksAction, VksCallback
from bot.deeplinks import DeepLink, Route
from bot.delivery import Delivery, RenderContext, Rendered, Renderer
from bot.filters import PRIVATE
from bot.jobs import vks_targets
from bot.keyboards import vks_card_kb, vks_dates_kb, vks_directions_kb, vks_post_kb
from bot.middlewares import RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.states import VksStates
from catalog.model import MAX_TOPICS, FieldError, Kind, MaterialInput, validate
from catalog.schedule import (
    format_offsets,
    human_date,
    is_holiday,
    next_dates,
    parse_offsets,
    parse_slot,
    render_ics,
    starts_at,
)
from handlers.common import edit, local_now, message_of
from storage.announcements import Announcement, Content, Render
from storage.announcements import Kind as AnnouncementKind
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.users import Role, UserRecord
from storage.vks import FIELDS, VksDate, VksRepo

log = logging.getLogger(__name__)

DATES_SHOWN = 4
# How far from today a date may be edited; anything else in callback data is forged or stale.
PAST_LIMIT = timedelta(days=60)
FUTURE_LIMIT = timedelta(days=366)


def _parse_day(raw: str, today: date) -> date | None:
    try:
        day = datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        return None
    if not today - PAST_LIMIT <= day <= today + FUTURE_LIMIT:
        return None
    return day


def _today(db: Database, settings: Settings) -> datetime:
    return local_now(db, settings.tz)


async def _upcoming(repo: VksRepo, settings: Settings) -> list[date]:
    slot = await repo.slot()
    now = _today(repo.db, settings)
    first = now.date()
    if now >= starts_at(slot, first, settings.tz) + timedelta(minutes=slot.minutes):
        first += timedelta(days=1)
    return next_dates(slot, first, DATES_SHOWN)


def _status(vks: VksDate) -> str:
    if is_holiday(vks.date):
        return texts.VKS_HOLIDAY
    if vks.cancelled:
        return texts.VKS_CANCELLED
    if not vks.topic:
        return texts.VKS_NO_TOPIC
    return f"{texts.VKS_READY} {vks.topic[:40]}"


async def _dates_view(db: Database, settings: Settings) -> tuple[str, list[tuple[date, str]]]:
    repo = VksRepo(db)
    slot = await repo.slot()
    days = await _upcoming(repo, settings)
    found = await repo.many(days)
    offsets = ", ".join(o.describe() for o in await repo.offsets())
    text = texts.VKS_LIST.format(slot=slot.describe(), tz=settings.timezone, offsets=offsets)
    return text, [(d, _status(found[d])) for d in days]


async def cmd_vks(message: Message, state: FSMContext, db: Database, settings: Settings) -> None:
    await state.clear()
    text, days = await _dates_view(db, settings)
    await message.answer(text, reply_markup=vks_dates_kb(days))


async def _card_text(repo: VksRepo, vks: VksDate, materials: CatalogRepo) -> str:
    slot = await repo.slot()
    titles = await materials.topic_titles()
    directions = (
        ", ".join(texts.escape(titles.get(c, c)) for c in vks.directions)
        if vks.directions
        else "все активные чаты"
    )
    outcomes = await repo.outcomes(vks.date)
    reminders = [
        f"{o.describe()}"
        + (f" — {texts.VKS_OUTCOMES[outcomes[o.key]]}" if o.key in outcomes else "")
        for o in await repo.offsets()
    ]
    return texts.vks_card(
        f"{human_date(vks.date)} {vks.date.year}, {slot.start:%H:%M}",
        topic=vks.topic,
        link=vks.link,
        speaker=vks.speaker,
        directions=directions,
        cancelled=vks.cancelled,
        holiday=is_holiday(vks.date),
        attending=await repo.attendance(vks.date),
        reminders=reminders,
    )


async def on_vks(
    callback: CallbackQuery,
    callback_data: VksCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    user: UserRecord,
) -> None:
    repo = VksRepo(db)
    action = callback_data.action
    if action is VksAction.LIST:
        text, days = await _dates_view(db, settings)
        await edit(callback, callback_answer, text, vks_dates_kb(days))
        return
    day = _parse_day(callback_data.day, _today(db, settings).date())
    if day is None:
        callback_answer.text, callback_answer.show_alert = texts.VKS_DAY_INVALID, True
        return
    if action is VksAction.FIELD:
        if callback_data.field not in FIELDS:
            callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
            return
        await state.set_state(VksStates.waiting_for_value)
        await state.update_data(day=day.isoformat(), field=callback_data.field)
        if (message := message_of(callback)) is not None:
            await message.answer(texts.VKS_ASK_FIELD[callback_data.field])
        return
    if action is VksAction.RECORDING:
        if not (await repo.get(day)).topic:
            callback_answer.text, callback_answer.show_alert = texts.VKS_RECORDING_NEEDS_TOPIC, True
            return
        await state.set_state(VksStates.waiting_for_recording)
        await state.update_data(day=day.isoformat())
        if (message := message_of(callback)) is not None:
            await message.answer(texts.VKS_ASK_RECORDING)
        return
    if action is VksAction.PREVIEW:
        await _preview(callback, callback_answer, repo, day, settings)
        return
    if action in (VksAction.DIRECTIONS, VksAction.TOGGLE_DIRECTION):
        chosen = (await repo.get(day)).directions
        if action is VksAction.TOGGLE_DIRECTION:
            if callback_data.topic not in await materials.topic_titles():
                callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
                return
            chosen = await repo.toggle_direction(day, callback_data.topic, user.id)
        options = [(t.code, t.title) for t in await materials.topics()]
        await edit(
            callback,
            callback_answer,
            texts.VKS_DIRECTIONS_PICK.format(day=f"{day:%d.%m}"),
            vks_directions_kb(day, options, chosen),
        )
        return
    if action is VksAction.CANCEL:
        await repo.set_cancelled(day, True, user.id)
        callback_answer.text = texts.VKS_CANCELLED_DONE.format(day=f"{day:%d.%m}")
    elif action is VksAction.RESTORE:
        await repo.set_cancelled(day, False, user.id)
        callback_answer.text = texts.VKS_RESTORED_DONE.format(day=f"{day:%d.%m}")
    vks = await repo.get(day)
    await edit(
        callback,
        callback_answer,
        await _card_text(repo, vks, materials),
        vks_card_kb(day, vks.cancelled),
    )


async def _preview(
    callback: CallbackQuery,
    callback_answer: CallbackAnswer,
    repo: VksRepo,
    day: date,
    settings: Settings,
) -> None:
    vks = await repo.get(day)
    message = message_of(callback)
    if not vks.topic or message is None:
        callback_answer.text, callback_answer.show_alert = texts.VKS_RECORDING_NEEDS_TOPIC, True
        return
    slot = await repo.slot()
    offsets = await repo.offsets()
    me = await message.bot.me() if message.bot else None
    # As the first reminder will read when it goes out.
    start = starts_at(slot, day, settings.tz)
    text = texts.vks_announcement(vks, slot, start, offsets[0].moment(slot, day, settings.tz))
    await message.answer(
        text,
        reply_markup=vks_post_kb(day, await repo.attendance(day), me.username or "" if me else ""),
    )


async def value_entered(
    message: Message,
    state: FSMContext,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    user: UserRecord,
) -> None:
    data = await state.get_data()
    field = str(data.get("field", ""))
    day = _parse_day(str(data.get("day", "")).replace("-", ""), _today(db, settings).date())
    if field not in FIELDS or day is None:
        await state.clear()
        await message.answer(texts.VKS_DAY_INVALID)
        return
    raw = " ".join((message.text or "").split())
    value: str | None = raw
    if field != "topic" and raw == "-":
        value = None
    elif (
        (field == "topic" and not 3 <= len(raw) <= 200)
        or (field == "link" and (not raw.startswith("https://") or len(raw) > 500 or " " in raw))
        or (field == "speaker" and not 1 <= len(raw) <= 150)
    ):
        await message.answer(texts.VKS_FIELD_INVALID[field])
        return
    repo = VksRepo(db)
    await repo.set_field(day, field, value, user.id)
    await state.clear()
    vks = await repo.get(day)
    await message.answer(
        await _card_text(repo, vks, materials), reply_markup=vks_card_kb(day, vks.cancelled)
    )


async def value_invalid(message: Message) -> None:
    await message.answer(texts.TEXT_EXPECTED)


async def recording_received(
    message: Message,
    state: FSMContext,
    db: Database,
    settings: Settings,
    materials: CatalogRepo,
    delivery: Delivery,
    user: UserRecord,
) -> None:
    day = _parse_day(
        str((await state.get_data()).get("day", "")).replace("-", ""), _today(db, settings).date()
    )
    repo = VksRepo(db)
    vks = await repo.get(day) if day else None
    if day is None or vks is None or not vks.topic:
        await state.clear()
        await message.answer(texts.VKS_DAY_INVALID)
        return
    media = message.video or message.document
    url = (message.text or "").strip()
    if media is None and not (url.startswith("https://") and " " not in url and len(url) < 2000):
        await message.answer(texts.VKS_RECORDING_INVALID)
        return
    topics = list(vks.directions[:MAX_TOPICS]) or ["base"]
    draft = MaterialInput(
        title=f"Запись ВКС 8.38 от {day:%d.%m.%Y}: {vks.topic}"[:200],
        kind=Kind.VIDEO,
        topics=topics,
        description=vks.topic,
        tags=["ВКС 8.38", "вебинар", "запись"],
        published_at=day.isoformat(),
    )
    if media is not None:
        existing = await materials.by_file_unique_id(media.file_unique_id)
        if existing is not None:
            await message.answer(texts.DUPLICATE_FILE)
            return
        draft.file_id = media.file_id
        draft.file_unique_id = media.file_unique_id
        draft.file_name = media.file_name
        draft.file_size = media.file_size
        draft.mime_type = media.mime_type
        draft.file_type = "video" if message.video else "document"
    else:
        draft.url = url
    try:
        draft = validate(draft, set(await materials.topic_titles()))
    except FieldError as e:
        await message.answer(f"{texts.VKS_RECORDING_INVALID} ({texts.escape(str(e))})")
        return
    material_id = await materials.create(draft, created_by=user.id)
    await repo.set_recording(day, material_id, user.id)
    created = await delivery.outbox.create(
        AnnouncementKind.RECORDING,
        Content(
            text=texts.recording_announcement(f"{day:%d.%m.%Y}", vks.topic),
            render=Render.MATERIAL_LINK,
            ref=str(material_id),
        ),
        vks_targets(vks),
        created_by=user.id,
    )
    delivery.kick()
    await state.clear()
    count = created[1] if created else 0
    await message.answer(texts.VKS_RECORDING_DONE.format(id=material_id, count=count))


async def recording_invalid(message: Message) -> None:
    await message.answer(texts.VKS_RECORDING_INVALID)


async def cmd_vksslot(
    message: Message, command: CommandObject, db: Database, scheduler: Scheduler
) -> None:
    slot = parse_slot(command.args or "")
    if slot is None:
        await message.answer(texts.VKS_SLOT_USAGE)
        return
    await VksRepo(db).set_slot(slot)
    await scheduler.rebuild()
    await message.answer(texts.VKS_SLOT_SET.format(slot=slot.describe(), minutes=slot.minutes))


async def cmd_vksremind(
    message: Message, command: CommandObject, db: Database, scheduler: Scheduler
) -> None:
    offsets = parse_offsets(command.args or "")
    if offsets is None:
        await message.answer(texts.VKS_REMIND_USAGE)
        return
    await VksRepo(db).set_offsets(offsets)
    await scheduler.rebuild()
    described = ", ".join(o.describe() for o in offsets)
    await message.answer(texts.VKS_REMIND_SET.format(offsets=described))
    log.info("VKS reminders set to %s", format_offsets(offsets))


# -- for everyone -----------------------------------------------------------------------------


async def on_attend(
    callback: CallbackQuery,
    callback_data: VksCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    settings: Settings,
) -> None:
    today = _today(db, settings).date()
    day = _parse_day(callback_data.day, today)
    if day is None or day < today:
        callback_answer.text, callback_answer.show_alert = texts.VKS_ATTEND_CLOSED, True
        return
    attending, count = await VksRepo(db).toggle_attendance(day, callback.from_user.id)
    callback_answer.text = texts.VKS_ATTEND_ON if attending else texts.VKS_ATTEND_OFF
    message = message_of(callback)
    if message is None or message.bot is None:
        return
    me = await message.bot.me()
    try:
        await message.edit_reply_markup(reply_markup=vks_post_kb(day, count, me.username or ""))
    except TelegramBadRequest as e:
        if "not modified" not in e.message:
            raise


async def on_ics_link(
    message: Message, deeplink_arg: str, db: Database, settings: Settings
) -> None:
    day = _parse_day(deeplink_arg, _today(db, settings).date())
    repo = VksRepo(db)
    vks = await repo.get(day) if day else None
    if day is None or vks is None or not vks.topic or vks.cancelled or is_holiday(day):
        await message.answer(texts.VKS_ICS_UNKNOWN)
        return
    slot = await repo.slot()
    start = starts_at(slot, day, settings.tz)
    summary = texts.VKS_SUMMARY.format(topic=vks.topic)
    description = "\n".join(p for p in (vks.speaker, vks.link) if p)
    data = render_ics(
        uid=f"vks-{day:%Y%m%d}@mct-vologda",
        start=start,
        minutes=slot.minutes,
        summary=summary,
        description=description,
        url=vks.link,
        stamp=local_now(db, settings.tz),
    )
    await message.answer_document(
        BufferedInputFile(data, filename=f"vks-838-{day:%Y-%m-%d}.ics"),
        caption=texts.VKS_ICS_CAPTION.format(day=f"{day:%d.%m}"),
    )


def renderers(db: Database) -> dict[Render, Renderer]:
    async def post(announcement: Announcement, ctx: RenderContext) -> Rendered:
        """A VKS reminder with its attendance count as it is when the post goes out."""
        day = date.fromisoformat(announcement.content.ref or announcement.vks_date or "")
        attending = await VksRepo(db).attendance(day)
        markup = vks_post_kb(day, attending, ctx.bot_username)
        return Rendered(announcement.content.text, markup)

    return {Render.VKS_POST: post}


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE
    router.message.register(on_ics_link, CommandStart(deep_link=True), DeepLink(Route.ICS), private)
    router.callback_query.register(on_attend, VksCallback.filter(F.action == VksAction.ATTEND))

    gated = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    gated.message.middleware(gate)
    gated.callback_query.middleware(gate)
    gated.message.filter(private)
    gated.message.register(cmd_vks, Command("vks"))
    gated.message.register(cmd_vksslot, Command("vksslot"))
    gated.message.register(cmd_vksremind, Command("vksremind"))
    gated.message.register(value_entered, StateFilter(VksStates.waiting_for_value), F.text)
    gated.message.register(value_invalid, StateFilter(VksStates.waiting_for_value))
    gated.message.register(
        recording_received,
        StateFilter(VksStates.waiting_for_recording),
        F.video | F.document | F.text,
    )
    gated.message.register(recording_invalid, StateFilter(VksStates.waiting_for_recording))
    gated.callback_query.register(on_vks, VksCallback.filter())
    router.include_router(gated)
    return router
