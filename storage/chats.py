"""The registry of groups the bot is in, their bindings to training directions, and people's
private subscriptions to announcements."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from storage.db import Database


@dataclass(frozen=True, slots=True)
class ChatInfo:
    """What a ``my_chat_member`` update tells about a chat and the bot's place in it."""

    id: int
    title: str
    type: str
    is_forum: bool = False
    active: bool = True
    can_post: bool = True
    can_pin: bool = False
    member_count: int | None = None


@dataclass(frozen=True, slots=True)
class ChatRecord:
    id: int
    title: str
    type: str
    is_forum: bool
    active: bool
    can_post: bool
    can_pin: bool
    member_count: int | None
    last_post_at: str | None
    last_error: str | None
    welcome_text: str | None
    welcome_message_id: int | None
    # thread id (0 = the whole chat) -> bound topic codes
    bindings: dict[int, list[str]] = field(default_factory=dict)


def _record(row: sqlite3.Row, bindings: dict[int, list[str]]) -> ChatRecord:
    return ChatRecord(
        id=row["id"],
        title=row["title"],
        type=row["type"],
        is_forum=bool(row["is_forum"]),
        active=bool(row["active"]),
        can_post=bool(row["can_post"]),
        can_pin=bool(row["can_pin"]),
        member_count=row["member_count"],
        last_post_at=row["last_post_at"],
        last_error=row["last_error"],
        welcome_text=row["welcome_text"],
        welcome_message_id=row["welcome_message_id"],
        bindings=bindings,
    )


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(self, info: ChatInfo) -> bool:
        """Record the chat as it is now; True if it was not active before (newly added)."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute("SELECT active FROM chats WHERE id = ?", (info.id,))
            old = cur.fetchone()
            conn.execute(
                """
                INSERT INTO chats (id, title, type, is_forum, active, can_post, can_pin,
                                   member_count, added_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    title = excluded.title, type = excluded.type,
                    is_forum = excluded.is_forum, active = excluded.active,
                    can_post = excluded.can_post, can_pin = excluded.can_pin,
                    member_count = COALESCE(excluded.member_count, chats.member_count),
                    last_error = CASE WHEN excluded.active THEN NULL ELSE chats.last_error END,
                    updated_at = excluded.updated_at
                """,
                (
                    info.id,
                    info.title,
                    info.type,
                    int(info.is_forum),
                    int(info.active),
                    int(info.can_post),
                    int(info.can_pin),
                    info.member_count,
                    now,
                    now,
                ),
            )
            return info.active and (old is None or not old["active"])

        return await self.db.write(run)

    async def deactivate(self, chat_id: int, reason: str) -> bool:
        """Mark a chat inactive; True if it was active (so admins are told only once)."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE chats SET active = 0, can_post = 0, last_error = ?, updated_at = ?"
                " WHERE id = ? AND active = 1",
                (reason, self.db.stamp(), chat_id),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: keep its settings under the new id.

        If the new id is already registered (its my_chat_member came first), the old row's
        bindings and welcome are merged into it and the old row goes.
        """

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute("SELECT 1 FROM chats WHERE id = ?", (old_id,))
            if cur.fetchone() is None:
                return False
            cur = conn.execute("SELECT 1 FROM chats WHERE id = ?", (new_id,))
            if cur.fetchone() is None:
                # ON UPDATE CASCADE moves the bindings with the row.
                conn.execute(
                    "UPDATE chats SET id = ?, type = 'supergroup', updated_at = ? WHERE id = ?",
                    (new_id, self.db.stamp(), old_id),
                )
            else:
                conn.execute(
                    "INSERT OR IGNORE INTO chat_bindings (chat_id, thread_id, topic_code)"
                    " SELECT ?, thread_id, topic_code FROM chat_bindings WHERE chat_id = ?",
                    (new_id, old_id),
                )
                conn.execute(
                    "UPDATE chats SET welcome_text = COALESCE(welcome_text,"
                    " (SELECT welcome_text FROM chats WHERE id = ?)) WHERE id = ?",
                    (old_id, new_id),
                )
                conn.execute("DELETE FROM chats WHERE id = ?", (old_id,))
            conn.execute(
                "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
                (new_id, old_id),
            )
            return True

        return await self.db.write(run)

    async def get(self, chat_id: int) -> ChatRecord | None:
        row = await self.db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
        if row is None:
            return None
        rows = await self.db.fetchall(
            "SELECT thread_id, topic_code FROM chat_bindings WHERE chat_id = ?"
            " ORDER BY thread_id, topic_code",
            (chat_id,),
        )
        bindings: dict[int, list[str]] = {}
        for r in rows:
            bindings.setdefault(r["thread_id"], []).append(r["topic_code"])
        return _record(row, bindings)

    async def list(self) -> list[ChatRecord]:
        rows = await self.db.fetchall(
            "SELECT * FROM chats ORDER BY active DESC, title COLLATE NOCASE, id"
        )
        bound = await self.db.fetchall(
            "SELECT chat_id, thread_id, topic_code FROM chat_bindings"
            " ORDER BY chat_id, thread_id, topic_code"
        )
        by_chat: dict[int, dict[int, list[str]]] = {}
        for b in bound:
            by_chat.setdefault(b["chat_id"], {}).setdefault(b["thread_id"], []).append(
                b["topic_code"]
            )
        return [_record(r, by_chat.get(r["id"], {})) for r in rows]

    async def toggle_binding(self, chat_id: int, thread_id: int, topic_code: str) -> bool:
        """Bind or unbind one direction; True if it is bound afterwards."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "DELETE FROM chat_bindings WHERE chat_id = ? AND thread_id = ? AND topic_code = ?",
                (chat_id, thread_id, topic_code),
            )
            if cur.rowcount:
                return False
            conn.execute(
                "INSERT INTO chat_bindings (chat_id, thread_id, topic_code) VALUES (?, ?, ?)",
                (chat_id, thread_id, topic_code),
            )
            return True

        return await self.db.write(run)

    async def set_member_count(self, chat_id: int, count: int) -> None:
        await self.db.execute("UPDATE chats SET member_count = ? WHERE id = ?", (count, chat_id))

    async def set_welcome(self, chat_id: int, text: str | None) -> None:
        await self.db.execute(
            "UPDATE chats SET welcome_text = ?, updated_at = ? WHERE id = ?",
            (text, self.db.stamp(), chat_id),
        )

    async def swap_welcome_message(self, chat_id: int, message_id: int) -> int | None:
        """Remember the welcome just posted; returns the previous one, to be deleted."""

        def run(conn: sqlite3.Connection) -> int | None:
            cur = conn.execute("SELECT welcome_message_id FROM chats WHERE id = ?", (chat_id,))
            row = cur.fetchone()
            conn.execute(
                "UPDATE chats SET welcome_message_id = ? WHERE id = ?", (message_id, chat_id)
            )
            return int(row["welcome_message_id"]) if row and row["welcome_message_id"] else None

        return await self.db.write(run)

    # -- private subscriptions ------------------------------------------------------------

    async def subscriptions(self, user_id: int) -> set[str]:
        rows = await self.db.fetchall(
            "SELECT topic_code FROM subscriptions WHERE user_id = ?", (user_id,)
        )
        return {r["topic_code"] for r in rows}

    async def toggle_subscription(self, user_id: int, topic_code: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "DELETE FROM subscriptions WHERE user_id = ? AND topic_code = ?",
                (user_id, topic_code),
            )
            if cur.rowcount:
                return False
            conn.execute(
                "INSERT INTO subscriptions (user_id, topic_code) VALUES (?, ?)",
                (user_id, topic_code),
            )
            # Subscribing is an explicit "yes, write to me", whatever an old 403 said.
            conn.execute("UPDATE users SET blocked_at = NULL WHERE id = ?", (user_id,))
            return True

        return await self.db.write(run)

    async def set_user_blocked(self, user_id: int, blocked: bool) -> None:
        await self.db.execute(
            "UPDATE users SET blocked_at = ? WHERE id = ?",
            (self.db.stamp() if blocked else None, user_id),
        )
