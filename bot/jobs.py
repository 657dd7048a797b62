"""The features' scheduled work, as planners for ``bot.scheduler``. A job only decides and moves
rows into the outbox; the delivery engine does the sending. Every job is safe to run twice: the
database records what was done (a reminder's outcome, a broadcast's status), so a second run
finds it done."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import reports, texts
from bot.delivery import Delivery
from bot.scheduler import Due
from catalog.schedule import Offset, is_holiday, next_dates, starts_at
from storage.announcements import AnnouncementRepo, Content, Kind, Render, Targets
from storage.users import Role, UserRepo
from storage.vks import VksDate, VksRepo

log = logging.getLogger(__name__)

# The admins' digest of last week: Mondays at 09:00. A digest that could not go out then (the
# bot was down) still goes the same day, and is dropped after that: by Tuesday it is old news.
DIGEST_AT = time(9, 0)
DIGEST_LATEST = timedelta(hours=12)
# The digest's once-only mark shares the reminders' table: (its Monday, this key).
DIGEST_KEY = "digest"


def _when(item: Due, tz: ZoneInfo) -> str:
    return item.at.astimezone(tz).strftime("%d.%m %H:%M")


class VksPlanner:
    """The VKS 8.38 reminders: each date's offsets (the eve at 15:00, 30 minutes before...)."""

    name = "vks"

    def __init__(self, delivery: Delivery, tz: ZoneInfo) -> None:
        self.delivery = delivery
        self.tz = tz
        self.vks = VksRepo(delivery.db)
        self.outbox = AnnouncementRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        found: list[Due] = []
        slot = await self.vks.slot()
        offsets = await self.vks.offsets()
        weeks = (end - start).days // 7 + 2
        for day in next_dates(slot, start.astimezone(self.tz).date(), weeks):
            for offset in offsets:
                at = offset.moment(slot, day, self.tz)
                if start < at <= end:
                    key = f"vks:{day.isoformat()}:{offset.key}"
                    found.append(Due(at, key, self.name, (day.isoformat(), offset.key)))
        return found

    async def _offset(self, item: Due) -> tuple[date, Offset] | None:
        day, key = date.fromisoformat(item.ref[0]), item.ref[1]
        for offset in await self.vks.offsets():
            if offset.key == key:
                return day, offset
        return None

    async def done(self, item: Due) -> bool:
        return item.ref[1] in await self.vks.outcomes(date.fromisoformat(item.ref[0]))

    def catches_up(self, item: Due) -> bool:
        return False

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        # "In 30 minutes" read after the start would mislead.
        slot = await self.vks.slot()
        started = now >= starts_at(slot, date.fromisoformat(item.ref[0]), self.tz) - timedelta(
            minutes=1
        )
        return now - item.at > grace or started

    async def missed(self, item: Due) -> None:
        day, key = date.fromisoformat(item.ref[0]), item.ref[1]
        if is_holiday(day) or (await self.vks.get(day)).cancelled:
            # Recording it as skipped for that reason is truer than calling it missed, and
            # needs no apology to the methodologists.
            await self.run(item, item.at)
            return
        if await self.vks.record_outcome(day, key, "missed"):
            await self.delivery.notify(
                Role.METHODOLOGIST, texts.VKS_REMINDER_MISSED.format(when=_when(item, self.tz))
            )

    async def run(self, item: Due, now: datetime) -> None:
        found = await self._offset(item)
        if found is None:
            return
        day, offset = found
        if offset.key in await self.vks.outcomes(day):
            return
        if is_holiday(day):
            await self.vks.record_outcome(day, offset.key, "skipped_holiday")
            log.info("VKS %s is a public holiday: reminder %s skipped", day, offset.key)
            return
        vks = await self.vks.get(day)
        if vks.cancelled:
            await self.vks.record_outcome(day, offset.key, "skipped_cancelled")
            log.info("VKS %s is cancelled: reminder %s skipped", day, offset.key)
            return
        if not vks.topic:
            if await self.vks.record_outcome(day, offset.key, "asked_topic"):
                await self.delivery.notify(
                    Role.METHODOLOGIST, texts.VKS_ASK_TOPIC.format(day=day.strftime("%d.%m.%Y"))
                )
            return
        slot = await self.vks.slot()
        text = texts.vks_announcement(vks, slot, starts_at(slot, day, self.tz), now)
        created = await self.outbox.create(
            Kind.VKS,
            Content(text=text, render=Render.VKS_POST, ref=day.isoformat()),
            vks_targets(vks),
            vks_date=day.isoformat(),
            once=(day.isoformat(), offset.key),
        )
        if created is not None:
            log.info("VKS %s reminder %s queued for %d target(s)", day, offset.key, created[1])
            self.delivery.kick()


def vks_targets(vks: VksDate) -> Targets:
    """The chats bound to the date's directions, or every active chat; plus the people who
    subscribed to those directions (or to anything) in private."""
    if vks.directions:
        return Targets(topics=vks.directions, subscribers=True)
    return Targets(all_chats=True, subscribers=True)


class BroadcastPlanner:
    """Broadcasts scheduled for a moment: released into the outbox then."""

    name = "broadcast"

    def __init__(self, delivery: Delivery, tz: ZoneInfo) -> None:
        self.delivery = delivery
        self.tz = tz
        self.outbox = AnnouncementRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        found = []
        for a in await self.outbox.scheduled():
            at = datetime.fromisoformat(a.scheduled_at or a.created_at)
            if at <= end:
                found.append(Due(at, f"broadcast:{a.id}", self.name, (str(a.id),)))
        return found

    async def done(self, item: Due) -> bool:
        announcement = await self.outbox.get(int(item.ref[0]))
        return announcement is None or announcement.status != "scheduled"

    def catches_up(self, item: Due) -> bool:
        return False

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        return now - item.at > grace

    async def missed(self, item: Due) -> None:
        number = int(item.ref[0])
        if await self.outbox.mark_missed(number):
            await self.delivery.notify(
                Role.METHODOLOGIST,
                texts.BROADCAST_MISSED.format(id=number, when=_when(item, self.tz)),
            )

    async def run(self, item: Due, now: datetime) -> None:
        count = await self.outbox.release(int(item.ref[0]))
        if count is not None:
            log.info("scheduled broadcast %s released to %d target(s)", item.ref[0], count)
            self.delivery.kick()


class DigestPlanner:
    """The admins' Monday digest of last week, with its chart."""

    name = "digest"

    def __init__(self, delivery: Delivery, tz: ZoneInfo, enabled: bool) -> None:
        self.delivery = delivery
        self.tz = tz
        self.enabled = enabled
        self.vks = VksRepo(delivery.db)
        self.outbox = AnnouncementRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        found: list[Due] = []
        if not self.enabled:
            return found
        monday = (end - DIGEST_LATEST).astimezone(self.tz).date()
        monday -= timedelta(days=monday.weekday())
        while (at := datetime.combine(monday, DIGEST_AT, tzinfo=self.tz)) <= end:
            # The one a restart may still owe is at most DIGEST_LATEST old, whatever ``start``.
            if at > start or at >= end - DIGEST_LATEST:
                key = f"digest:{monday.isoformat()}"
                found.append(Due(at, key, self.name, (monday.isoformat(),)))
            monday += timedelta(weeks=1)
        return found

    async def done(self, item: Due) -> bool:
        return DIGEST_KEY in await self.vks.outcomes(date.fromisoformat(item.ref[0]))

    def catches_up(self, item: Due) -> bool:
        # Run however late; run() drops it once it is old news.
        return True

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        return False

    async def missed(self, item: Due) -> None:
        return None

    async def run(self, item: Due, now: datetime) -> None:
        """Last week in one message with the trend chart, to every admin who has not switched
        it off. The caption is written now; the chart is drawn when the first copy is sent."""
        monday = date.fromisoformat(item.ref[0])
        if now - item.at > DIGEST_LATEST:
            await self.vks.record_outcome(monday, DIGEST_KEY, "missed")
            log.warning("weekly digest of %s dropped: the bot was down until %s", monday, now)
            return
        readers = await UserRepo(self.delivery.db).digest_readers()
        if not readers:
            await self.vks.record_outcome(monday, DIGEST_KEY, "missed")
            log.info("weekly digest of %s: every admin has switched it off", monday)
            return
        week = reports.last_week(monday)
        caption = await reports.digest_caption(self.delivery.db, self.tz, week)
        created = await self.outbox.create(
            Kind.NOTICE,
            Content(text=caption, render=Render.DIGEST, ref=week.start.isoformat()),
            Targets(users=tuple(readers)),
            once=(monday.isoformat(), DIGEST_KEY),
        )
        if created is not None:
            log.info("weekly digest queued for %d admin(s)", created[1])
            self.delivery.kick()
