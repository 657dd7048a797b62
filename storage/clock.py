"""The bot's one clock. Handlers, jobs, the delivery engine and every timestamp the storage
writes read "now" from the same function, so that a driven clock (soak tests) moves them all
together and a request's age, a reminder's moment and a row's stamp always agree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def file_clock(path: Path) -> Clock:
    """The soak tests' clock: the moment written in ``path``, or the real one if unreadable."""

    def now() -> datetime:
        try:
            moment = datetime.fromisoformat(path.read_text().strip())
        except (OSError, ValueError):
            return datetime.now(UTC)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    return now
