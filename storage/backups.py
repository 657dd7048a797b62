"""Nightly backups with rotation, and restoring one.

Backups are ``VACUUM INTO`` copies (``Database.backup``): consistent while the bot writes.
Names carry the moment (``bot-20261123-0330.sqlite3``), so sorting them by name sorts them by
age, and rotation keeps the newest ``keep``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.db import Database

log = logging.getLogger(__name__)

PREFIX = "bot-"
SUFFIX = ".sqlite3"


def backups(folder: Path) -> list[Path]:
    """Nightly backups in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())


async def nightly(db: Database, folder: Path, keep: int, now: datetime) -> Path:
    """A backup named for ``now``; then only the newest ``keep`` stay."""
    dest = folder / f"{PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}{SUFFIX}"
    await db.backup(dest)
    check = quick_check(dest)
    if check != "ok":
        # A copy that fails its own check is no backup; keep it aside for a look, never rotate
        # a good one out for it.
        broken = dest.with_suffix(".broken")
        os.replace(dest, broken)
        raise RuntimeError(f"backup {dest.name} failed its check: {check}")
    for old in backups(folder)[:-keep]:
        old.unlink(missing_ok=True)
        log.info("old backup %s removed", old.name)
    return dest


def newest(folder: Path) -> Path | None:
    found = backups(folder)
    return found[-1] if found else None


def quick_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        return str(row[0]) if row else "no answer"
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class Restored:
    schema_version: int
    kept_as: Path | None


def restore(backup: Path, database: Path, now: datetime) -> Restored:
    """Put ``backup`` in place of ``database``; the bot must be stopped. The current database
    (with its -wal and -shm) is moved aside, never deleted, so a wrong restore can be undone."""
    if not backup.is_file():
        raise FileNotFoundError(f"backup {backup} does not exist")
    check = full_check(backup)
    if check != "ok":
        raise ValueError(f"backup {backup} is damaged: {check}")
    conn = sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True)
    try:
        version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    except sqlite3.DatabaseError as e:
        raise ValueError(f"{backup} is not a database of this bot: {e}") from None
    finally:
        conn.close()
    kept_as = None
    database.parent.mkdir(parents=True, exist_ok=True)
    if database.exists():
        kept_as = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        os.replace(database, kept_as)
    for extra in ("-wal", "-shm"):
        side = database.with_name(database.name + extra)
        if side.exists():
            if kept_as is not None:
                os.replace(side, kept_as.with_name(kept_as.name + extra))
            else:
                side.unlink()
    tmp = database.with_name(f".{database.name}.restoring")
    shutil.copyfile(backup, tmp)
    os.replace(tmp, database)
    return Restored(int(version[0]), kept_as)


def full_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        row = conn.execute("PRAGMA integrity_check").fetchone()
        return str(row[0]) if row else "no answer"
    except sqlite3.DatabaseError as e:
        return str(e)
    finally:
        conn.close()
