"""A /stats view as a message (its text and keyboard), shared by the router and the custom
period form, and the period a button stands for."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardMarkup

from bot.settings import Settings
from catalog.stats import MAX_PERIOD_DAYS, Period, PeriodKind, period_of
from handlers.stats import service
from handlers.stats.callbacks import StatsCallback
from handlers.stats.keyboards import stats_kb
from storage.db import Database
from storage.users import Role, UserRecord, UserRepo


def today(db: Database, settings: Settings) -> date:
    """Today in the centre's zone, by the bot's one clock."""
    return db.now().astimezone(settings.tz).date()


def day_of(value: int) -> date | None:
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


def period_of_fields(kind: str, start: int, end: int, now: date) -> Period | None:
    """The period named by a button's fields; start=end=0 means the current one of its kind.
    Checked, never trusted: a forged period must not turn into a three-decade query."""
    try:
        which = PeriodKind(kind)
    except ValueError:
        return None
    if start == 0 and end == 0:
        return None if which is PeriodKind.CUSTOM else period_of(which, now)
    first, last = day_of(start), day_of(end)
    if first is None or last is None or last < first or (last - first).days >= MAX_PERIOD_DAYS:
        return None
    if first.year < 2000 or last.year > 2100:
        return None
    return Period(which, first, last)


def period_from(data: StatsCallback, now: date) -> Period | None:
    return period_of_fields(data.k, data.s, data.e, now)


async def stats_view(
    db: Database, settings: Settings, user: UserRecord, period: Period, section: str
) -> tuple[str, InlineKeyboardMarkup]:
    now = today(db, settings)
    section = section if section in service.SECTIONS else "d"
    text = await service.view(db, settings.tz, period, section, now)
    admin = user.role.at_least(Role.ADMIN)
    digest_on = admin and await UserRepo(db).digest_enabled(user.id)
    kb = stats_kb(
        period,
        section,
        can_go_later=period.shifted(1).start <= now,
        admin=admin,
        digest_on=digest_on,
    )
    return text, kb
