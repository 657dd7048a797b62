"""Scheduled broadcasts, as a planner for ``bot.scheduler``. It only decides and moves rows into
the outbox; the delivery engine does the sending. Safe to run twice: a broadcast's status says
whether it went."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.scheduler import Due
from handlers.broadcasts import texts
from storage.announcements import AnnouncementRepo
from storage.users import Role

log = logging.getLogger(__name__)


def _when(item: Due, tz: ZoneInfo) -> str:
    return item.at.astimezone(tz).strftime("%d.%m %H:%M")


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
                texts.MISSED.format(id=number, when=_when(item, self.tz)),
            )

    async def run(self, item: Due, now: datetime) -> None:
        count = await self.outbox.release(int(item.ref[0]))
        if count is not None:
            log.info("scheduled broadcast %s released to %d target(s)", item.ref[0], count)
            self.delivery.kick()
