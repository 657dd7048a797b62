"""The VKS 8.38 reminders as a planner for ``bot.scheduler``: each date's offsets (the eve at
15:00, 30 minutes before...). A run only puts the post into the outbox; a second run of the
same moment finds its outcome recorded and does nothing."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.scheduler import Due
from catalog.schedule import Offset, is_holiday, next_dates, starts_at
from handlers.vks import service, texts
from storage.announcements import AnnouncementRepo, Content, Kind, Render
from storage.users import Role
from storage.vks import VksRepo

log = logging.getLogger(__name__)


class VksPlanner:
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
        begins = starts_at(slot, date.fromisoformat(item.ref[0]), self.tz)
        return now - item.at > grace or now >= begins - timedelta(minutes=1)

    async def missed(self, item: Due) -> None:
        day, key = date.fromisoformat(item.ref[0]), item.ref[1]
        if is_holiday(day) or (await self.vks.get(day)).cancelled:
            # Recording it as skipped for that reason is truer than calling it missed, and
            # needs no apology to the methodologists.
            await self.run(item, item.at)
            return
        if await self.vks.record_outcome(day, key, "missed"):
            when = item.at.astimezone(self.tz).strftime("%d.%m %H:%M")
            await self.delivery.notify(Role.METHODOLOGIST, texts.REMINDER_MISSED.format(when=when))

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
                    Role.METHODOLOGIST, texts.ASK_TOPIC.format(day=day.strftime("%d.%m.%Y"))
                )
            return
        slot = await self.vks.slot()
        text = texts.announcement(vks, slot, starts_at(slot, day, self.tz), now)
        created = await self.outbox.create(
            Kind.VKS,
            Content(text=text, render=Render.VKS_POST, ref=day.isoformat()),
            service.targets(vks),
            vks_date=day.isoformat(),
            once=(day.isoformat(), offset.key),
        )
        if created is not None:
            log.info("VKS %s reminder %s queued for %d target(s)", day, offset.key, created[1])
            self.delivery.kick()


def planner(delivery: Delivery, tz: ZoneInfo) -> VksPlanner:
    return VksPlanner(delivery, tz)
