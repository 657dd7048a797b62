"""/forget: erasing one person's personal data from every table that holds it.

What a person asked for (how many, when, which direction) stays for statistics; who they are
and how to reach them goes: their name and username, the contacts and free text of their
requests, the comments on those requests, the notices that named them, and the link from their
searches to them. The WAL is checkpointed afterwards, and ``secure_delete`` zeroes the freed
space, so the bytes do not linger in the database file or its WAL either.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from storage.announcements import Content
from storage.db import Database
from storage.requests import Action
from storage.users import UserRepo

# Notices whose content is one of these "buttons" show a request's card, rendered from the
# database when sent: after an erasure they are edited to the card without its contacts.
REQUEST_CARD = "request:"


@dataclass(frozen=True, slots=True)
class Erased:
    requests: int
    notices: int
    cards: list[str]


def _phone_forms(phone: str) -> set[str]:
    """The ways a stored phone may have been written into a text: as stored, digits only, and
    the digits after the country code."""
    digits = re.sub(r"\D", "", phone)
    forms = {phone, digits}
    if len(digits) == 11:
        forms.add(digits[1:])
    return {f for f in forms if len(f) >= 5}


def _scrub(text: str, secrets: set[str], replacement: str) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, replacement)
    return text


async def erase_person(db: Database, user_id: int, replacement: str) -> Erased:
    """Erase ``user_id``'s personal data in one transaction; texts that named them get
    ``replacement`` instead. Returns what was touched, with the card buttons to refresh."""

    def run(conn: sqlite3.Connection) -> Erased:
        now = db.stamp()
        user = conn.execute(
            "SELECT first_name, last_name, username FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        secrets: set[str] = set()
        if user is not None:
            full = " ".join(p for p in (user["first_name"], user["last_name"]) if p)
            if user["last_name"]:
                secrets.add(full)
            if user["username"]:
                secrets.add(f"@{user['username']}")
        requests = conn.execute(
            "SELECT id, contact_name, contact_phone FROM requests WHERE user_id = ?", (user_id,)
        ).fetchall()
        for r in requests:
            if r["contact_name"] and len(r["contact_name"]) >= 4:
                secrets.add(r["contact_name"])
            if r["contact_phone"]:
                secrets |= _phone_forms(r["contact_phone"])
        ids = [int(r["id"]) for r in requests]
        marks = ",".join("?" * len(ids))
        conn.execute(
            "UPDATE requests SET contact_name = NULL, contact_phone = NULL, comment = '',"
            " dates_text = '', erased_at = COALESCE(erased_at, ?), updated_at = ?"
            " WHERE user_id = ?",
            (now, now, user_id),
        )
        if ids:
            conn.execute(
                f"UPDATE request_events SET comment = '' WHERE request_id IN ({marks})",  # noqa: S608
                ids,
            )
        conn.execute("UPDATE request_events SET comment = '' WHERE actor_id = ?", (user_id,))
        conn.executemany(
            "INSERT INTO request_events (request_id, actor_id, action, comment, at)"
            " VALUES (?, NULL, ?, '', ?)",
            [(i, Action.ERASED.value, now) for i in ids],
        )
        notices = 0
        for row in conn.execute(
            "SELECT id, content FROM announcements WHERE kind = 'notice'"
        ).fetchall():
            content = Content.loads(row["content"])
            if content.about == user_id:
                new = Content(text=replacement, about=None)
            elif secrets and any(s in content.text for s in secrets):
                new = Content(
                    text=_scrub(content.text, secrets, replacement),
                    photo=content.photo,
                    document=content.document,
                    buttons=content.buttons,
                )
            else:
                continue
            conn.execute(
                "UPDATE announcements SET content = ? WHERE id = ?", (new.dumps(), row["id"])
            )
            notices += 1
        conn.execute(
            "UPDATE users SET first_name = '', last_name = NULL, username = NULL,"
            " organisation_id = NULL, forgotten_at = ? WHERE id = ?",
            (now, user_id),
        )
        for table in ("searches", "material_wishes"):
            conn.execute(f"UPDATE {table} SET user_id = NULL WHERE user_id = ?", (user_id,))  # noqa: S608
        return Erased(len(ids), notices, [f"{REQUEST_CARD}{i}" for i in ids])

    erased = await db.write(run)
    UserRepo(db).uncache(user_id)
    await db.checkpoint()
    return erased
