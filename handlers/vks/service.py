"""The VKS 8.38 use cases as plain async functions over the repositories (no aiogram types):
which dates to show, a date's card, setting and cancelling, the recording that becomes a
material and is announced, the post's text and the .ics invitation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from catalog.model import MAX_TOPICS, FieldError, Kind, MaterialInput, validate
from catalog.schedule import (
    Offset,
    Slot,
    holiday_name,
    is_holiday,
    next_dates,
    render_ics,
    starts_at,
)
from handlers.vks import texts
from storage.announcements import AnnouncementRepo, Content, Render, Targets
from storage.announcements import Kind as AnnouncementKind
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.vks import VksDate, VksRepo

DATES_SHOWN = 4
# How far from today a date may be edited; anything else is forged or stale.
PAST_LIMIT = timedelta(days=60)
FUTURE_LIMIT = timedelta(days=366)
TOPIC_LENGTH = (3, 200)
LINK_LENGTH = 500
SPEAKER_LENGTH = 150


def local_now(db: Database, tz: ZoneInfo) -> datetime:
    """Now in the centre's zone, by the bot's one clock."""
    return db.now().astimezone(tz)


def editable(day: date, today: date) -> bool:
    return today - PAST_LIMIT <= day <= today + FUTURE_LIMIT


def parse_day(raw: str, today: date) -> date | None:
    """A date from a button or a deep link (``YYYYMMDD`` or ISO), if it may be edited."""
    try:
        day = date.fromisoformat(raw) if "-" in raw else datetime.strptime(raw, "%Y%m%d").date()
    except ValueError:
        return None
    return day if editable(day, today) else None


async def upcoming(db: Database, tz: ZoneInfo) -> list[date]:
    """The next dates of the slot, from today's if it has not ended yet."""
    repo = VksRepo(db)
    slot = await repo.slot()
    now = local_now(db, tz)
    first = now.date()
    if now >= starts_at(slot, first, tz) + timedelta(minutes=slot.minutes):
        first += timedelta(days=1)
    return next_dates(slot, first, DATES_SHOWN)


def status(vks: VksDate) -> str:
    """A date's state in one short phrase, for its button."""
    if is_holiday(vks.date):
        return texts.HOLIDAY
    if vks.cancelled:
        return texts.CANCELLED
    if not vks.topic:
        return texts.NO_TOPIC
    return f"{texts.READY} {vks.topic}"


@dataclass(frozen=True, slots=True)
class Overview:
    slot: Slot
    offsets: list[Offset]
    dates: list[tuple[date, str]]


async def overview(db: Database, tz: ZoneInfo) -> Overview:
    repo = VksRepo(db)
    days = await upcoming(db, tz)
    found = await repo.many(days)
    return Overview(await repo.slot(), await repo.offsets(), [(d, status(found[d])) for d in days])


@dataclass(frozen=True, slots=True)
class Card:
    day: date
    slot: Slot
    vks: VksDate
    directions: list[str]
    holiday: str | None
    attending: int
    reminders: list[tuple[Offset, str | None]] = field(default_factory=list)


async def card(db: Database, materials: CatalogRepo, day: date) -> Card:
    repo = VksRepo(db)
    vks = await repo.get(day)
    titles = await materials.topic_titles()
    outcomes = await repo.outcomes(day)
    return Card(
        day=day,
        slot=await repo.slot(),
        vks=vks,
        directions=[titles.get(c, c) for c in vks.directions],
        holiday=holiday_name(day),
        attending=await repo.attendance(day),
        reminders=[(o, outcomes.get(o.key)) for o in await repo.offsets()],
    )


# -- what a methodologist sets ------------------------------------------------------------------


def clean_topic(text: str) -> str:
    """The topic as typed, or ValueError with the hint."""
    value = " ".join(text.split())
    if not TOPIC_LENGTH[0] <= len(value) <= TOPIC_LENGTH[1]:
        raise ValueError(texts.FIELD_INVALID["topic"])
    return value


def clean_link(text: str) -> str:
    value = text.strip()
    if (
        not value.startswith("https://")
        or len(value) > LINK_LENGTH
        or any(c.isspace() for c in value)
    ):
        raise ValueError(texts.FIELD_INVALID["link"])
    return value


def clean_speaker(text: str) -> str:
    value = " ".join(text.split())
    if not 1 <= len(value) <= SPEAKER_LENGTH:
        raise ValueError(texts.FIELD_INVALID["speaker"])
    return value


async def set_field(db: Database, day: date, name: str, value: str | None, by: int) -> None:
    await VksRepo(db).set_field(day, name, value, by)


async def set_directions(
    db: Database, materials: CatalogRepo, day: date, codes: list[str], by: int
) -> tuple[str, ...]:
    """The date's directions become ``codes`` (unknown codes are dropped: forged or gone)."""
    known = await materials.topic_titles()
    return await VksRepo(db).set_directions(day, [c for c in codes if c in known], by)


async def set_cancelled(db: Database, day: date, cancelled: bool, by: int) -> None:
    await VksRepo(db).set_cancelled(day, cancelled, by)


# -- the recording ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording as it arrived: a file (video or document) or a link."""

    url: str | None = None
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    file_type: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingOutcome:
    material_id: int | None = None
    recipients: int = 0
    # Why nothing was created: the date already has one, the file is in the catalog, a problem.
    existing: int | None = None
    duplicate: int | None = None
    problem: str = ""


def recording_link(text: str) -> str | None:
    url = text.strip()
    if url.startswith("https://") and not any(c.isspace() for c in url) and len(url) < 2000:
        return url
    return None


def targets(vks: VksDate) -> Targets:
    """The chats bound to the date's directions, or every active chat; plus the people who
    subscribed to those directions (or to anything) in private."""
    if vks.directions:
        return Targets(topics=vks.directions, subscribers=True)
    return Targets(all_chats=True, subscribers=True)


async def add_recording(
    db: Database, materials: CatalogRepo, day: date, source: Recording, by: int
) -> RecordingOutcome:
    """The recording becomes a catalog material named after the date's topic and is announced
    in the date's chats. Once per date: a second one is refused, so a message sent twice does
    not make two materials and two announcements."""
    repo = VksRepo(db)
    vks = await repo.get(day)
    if vks.recording_id is not None:
        return RecordingOutcome(existing=vks.recording_id)
    if not vks.topic:
        return RecordingOutcome(problem=texts.NEEDS_TOPIC)
    draft = MaterialInput(
        title=texts.recording_title(day, vks.topic),
        kind=Kind.VIDEO,
        topics=list(vks.directions[:MAX_TOPICS]) or ["base"],
        description=vks.topic,
        tags=["ВКС 8.38", "вебинар", "запись"],
        published_at=day.isoformat(),
        url=source.url,
        file_id=source.file_id,
        file_unique_id=source.file_unique_id,
        file_name=source.file_name,
        file_size=source.file_size,
        mime_type=source.mime_type,
        file_type=source.file_type,
    )
    if source.file_unique_id:
        existing = await materials.by_file_unique_id(source.file_unique_id)
        if existing is not None:
            return RecordingOutcome(duplicate=existing.id)
    try:
        draft = validate(draft, set(await materials.topic_titles()))
    except FieldError as e:
        return RecordingOutcome(problem=str(e))
    material_id = await materials.create(draft, created_by=by)
    await repo.set_recording(day, material_id, by)
    created = await AnnouncementRepo(db).create(
        AnnouncementKind.RECORDING,
        Content(
            text=texts.recording_announcement(day, vks.topic),
            render=Render.MATERIAL_LINK,
            ref=str(material_id),
        ),
        targets(vks),
        created_by=by,
    )
    return RecordingOutcome(material_id=material_id, recipients=created[1] if created else 0)


# -- the post and the invitation ----------------------------------------------------------------


async def preview(db: Database, tz: ZoneInfo, day: date) -> tuple[str, datetime] | None:
    """The post as its first reminder will read when it goes out, and when that is."""
    repo = VksRepo(db)
    vks = await repo.get(day)
    if not vks.topic:
        return None
    slot = await repo.slot()
    offsets = await repo.offsets()
    start = starts_at(slot, day, tz)
    moment = offsets[0].moment(slot, day, tz) if offsets else start
    return texts.announcement(vks, slot, start, moment), moment


async def invitation(db: Database, tz: ZoneInfo, day: date) -> bytes | None:
    """The .ics of a date that takes place, None otherwise."""
    repo = VksRepo(db)
    vks = await repo.get(day)
    if not vks.topic or vks.cancelled or is_holiday(day):
        return None
    slot = await repo.slot()
    return render_ics(
        uid=f"vks-{day:%Y%m%d}@mct-vologda",
        start=starts_at(slot, day, tz),
        minutes=slot.minutes,
        summary=texts.SUMMARY.format(topic=vks.topic),
        description="\n".join(p for p in (vks.speaker, vks.link) if p),
        url=vks.link,
        stamp=local_now(db, tz),
    )
