"""``python -m bot doctor``: a readable health report for the operator.

It checks what breaks a bot that runs unattended: the token (getMe), the database (integrity,
migrations), deliveries stuck in the outbox, chats where the bot lost its rights, what the
scheduler will do next, and how old the newest backup is. Exit code 1 when anything failed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.delivery import Delivery
from bot.factory import create_bot
from bot.settings import Settings
from storage import backups
from storage.announcements import AnnouncementRepo
from storage.chats import ChatRepo
from storage.db import Database, load_migrations

OK, WARN, FAIL = "ok", "warn", "FAIL"
GETME_TIMEOUT = 15.0
STUCK = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Finding:
    status: str
    what: str
    detail: str


async def diagnose(settings: Settings, now: datetime | None = None) -> list[Finding]:
    now = now or datetime.now(UTC)
    found = [await _token(settings)]
    if not settings.database_path.exists():
        found.append(Finding(FAIL, "database", f"{settings.database_path} does not exist"))
        return found
    db = Database(settings.database_path, clock=settings.clock())
    await db.connect()
    try:
        found.append(await _database(db))
        found.append(await _outbox(db, now))
        found.append(await _chats(db))
        found.append(await _schedule(db, settings, now))
    finally:
        await db.close()
    found.append(_backups(settings, now))
    return found


async def _token(settings: Settings) -> Finding:
    bot = create_bot(settings)
    try:
        me = await asyncio.wait_for(bot.get_me(), GETME_TIMEOUT)
    except Exception as e:
        return Finding(FAIL, "token", f"getMe failed: {type(e).__name__}: {e}")
    finally:
        await bot.session.close()
    return Finding(OK, "token", f"@{me.username} (id {me.id})")


async def _database(db: Database) -> Finding:
    check = await db.integrity_check()
    version = await db.schema_version()
    latest = max(m.version for m in load_migrations())
    if check != "ok":
        return Finding(FAIL, "database", f"integrity check: {check}")
    return Finding(OK, "database", f"integrity ok, schema {version} of {latest}")


async def _outbox(db: Database, now: datetime) -> Finding:
    since = (now - timedelta(days=7)).isoformat(timespec="seconds")
    waiting, oldest, failed = await AnnouncementRepo(db).backlog(since)
    detail = f"{waiting} message(s) waiting, {failed} failed in the last 7 days"
    if oldest and now - datetime.fromisoformat(oldest) > STUCK:
        return Finding(WARN, "outbox", f"{detail}; the oldest queued at {oldest}")
    return Finding(WARN if failed else OK, "outbox", detail)


async def _chats(db: Database) -> Finding:
    chats = await ChatRepo(db).list()
    lost = [c for c in chats if not c.active or not c.can_post]
    if not lost:
        return Finding(OK, "chats", f"{len(chats)} chat(s), the bot can post in all")
    names = ", ".join(f"{c.title or c.id} ({c.last_error or 'no rights'})" for c in lost[:10])
    return Finding(WARN, "chats", f"{len(lost)} of {len(chats)} lost: {names}")


async def _schedule(db: Database, settings: Settings, now: datetime) -> Finding:
    from bot.factory import build_scheduler

    scheduler = build_scheduler(settings, Delivery(db, tz=settings.tz))
    shown = [
        f"{d.key} at {d.at.astimezone(settings.tz):%d.%m %H:%M}"
        for d in await scheduler.upcoming(14)
    ][:5]
    if not shown:
        return Finding(OK, "scheduler", "nothing due in the next 14 days")
    return Finding(OK, "scheduler", "next: " + "; ".join(shown))


def _backups(settings: Settings, now: datetime) -> Finding:
    if settings.backup_keep == 0:
        return Finding(WARN, "backups", "nightly backups are off (BACKUP_KEEP=0)")
    last = backups.newest(settings.backups_folder)
    if last is None:
        return Finding(WARN, "backups", f"none yet in {settings.backups_folder}")
    age = now - datetime.fromtimestamp(last.stat().st_mtime, UTC)
    hours = age.total_seconds() / 3600
    status = WARN if hours > 26 else OK
    return Finding(status, "backups", f"newest {last.name}, {hours:.0f} h old")


def report(findings: list[Finding]) -> str:
    width = max(len(f.what) for f in findings)
    return "\n".join(f"[{f.status:<4}] {f.what:<{width}}  {f.detail}" for f in findings)
