"""The broadcasts' use cases as plain async functions over the repositories (no aiogram types):
put a composed broadcast into the outbox once per form, cancel, recall, resend what failed,
and what a report may still offer. The handlers parse, call these and render the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.delivery import Delivery
from bot.scheduler import Scheduler
from storage.announcements import Announcement, AnnouncementRepo, Content, Kind, Status, Targets
from storage.db import Database

log = logging.getLogger(__name__)

# How far back a second «Отправить» looks for the announcement its form already made.
RECENT_OWN = 50


@dataclass(frozen=True, slots=True)
class Made:
    announcement_id: int
    rows: int  # outbox rows written now (0 when scheduled)
    new: bool  # False: this form had made it already, nothing was written


@dataclass(frozen=True, slots=True)
class Offers:
    """What a broadcast's report may still offer."""

    can_cancel: bool
    can_recall: bool
    failed: int


async def made_by_form(db: Database, author: int, ref: str) -> int | None:
    """The announcement a form (``ref``) of ``author`` already made, if it did."""
    for a in await AnnouncementRepo(db).recent(RECENT_OWN):
        if a.created_by == author and a.content.ref == ref:
            return a.id
    return None


async def make(
    db: Database,
    delivery: Delivery,
    scheduler: Scheduler,
    content: Content,
    targets: Targets,
    author: int,
    *,
    pin: bool,
    scheduled_at: str | None = None,
) -> Made:
    """Queue (or schedule) a broadcast, once per form: ``content.ref`` names the form, and a
    second call for it (a second press, or one after a crash between saving and closing the
    form) returns what the first made and writes nothing."""
    before = await made_by_form(db, author, content.ref)
    if before is not None:
        return Made(before, 0, new=False)
    created = await AnnouncementRepo(db).create(
        Kind.BROADCAST, content, targets, created_by=author, pin=pin, scheduled_at=scheduled_at
    )
    assert created is not None
    if scheduled_at:
        await scheduler.rebuild()
        log.info("broadcast %s scheduled by %s for %s", created[0], author, scheduled_at)
    else:
        delivery.kick()
        log.info("broadcast %s queued by %s for %d target(s)", created[0], author, created[1])
    return Made(created[0], created[1], new=True)


async def get(db: Database, announcement_id: int) -> Announcement | None:
    """A broadcast (notices to people are not broadcasts and are not managed here)."""
    found = await AnnouncementRepo(db).get(announcement_id)
    return None if found is None or found.kind is Kind.NOTICE else found


async def cancel(db: Database, scheduler: Scheduler, announcement_id: int, actor: int) -> bool:
    if not await AnnouncementRepo(db).cancel(announcement_id):
        return False
    await scheduler.rebuild()
    log.info("broadcast %s cancelled by %s", announcement_id, actor)
    return True


async def recall(db: Database, delivery: Delivery, announcement_id: int, actor: int) -> int | None:
    """Delete every delivered copy; how many messages go, None if there is nothing to recall."""
    count = await AnnouncementRepo(db).recall(announcement_id)
    if count is None:
        return None
    delivery.kick()
    log.info("broadcast %s recalled by %s: %d message(s)", announcement_id, actor, count)
    return count


async def retry_failed(db: Database, delivery: Delivery, announcement_id: int, actor: int) -> int:
    retried = await AnnouncementRepo(db).retry_failed(announcement_id)
    if retried:
        delivery.kick()
        log.info("broadcast %s: %d row(s) sent again by %s", announcement_id, retried, actor)
    return retried


def offers(announcement: Announcement, failed: int) -> Offers:
    status, counts = announcement.status, announcement.counts
    can_cancel = status in (Status.SCHEDULED, Status.QUEUED) and bool(
        status is Status.SCHEDULED or counts.get("pending")
    )
    can_recall = status in (Status.QUEUED, Status.DONE) and bool(counts.get("sent"))
    return Offers(can_cancel, can_recall, failed if status in (Status.QUEUED, Status.DONE) else 0)
