"""People and the updates they cause, as Telegram would deliver them."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]
_message_ids = itertools.count(1000)
_callback_ids = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None

    def as_user(self) -> Json:
        user: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            user["username"] = self.username
        if self.last_name:
            user["last_name"] = self.last_name
        user["language_code"] = "ru"
        return user

    def private_chat(self) -> Json:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


ADMIN = Person(1001, "Анна", "anna_admin", "Смирнова")
NURSE = Person(2002, "Ольга", "olga_nurse")
DOCTOR = Person(3003, "Игорь", "igor_doc")


def message(
    person: Person, text: str | None = None, *, chat: Json | None = None, **extra: Any
) -> Json:
    payload: Json = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat or person.private_chat(),
        "from": person.as_user(),
    }
    if text is not None:
        payload["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            payload["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    payload.update(extra)
    return payload


def sticker(person: Person) -> Json:
    return message(
        person,
        sticker={
            "file_id": "CAACAgIAAxkBAAE",
            "file_unique_id": "AgADsticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        },
    )


def forwarded_from(sender: Person, by: Person, text: str = "Добрый день") -> Json:
    return message(
        by,
        text,
        forward_origin={"type": "user", "date": int(time.time()), "sender_user": sender.as_user()},
    )


def callback(person: Person, data: str, on_message: Json | None = None) -> Json:
    payload: Json = {
        "id": str(next(_callback_ids)),
        "from": person.as_user(),
        "chat_instance": "ci-1",
        "data": data,
    }
    if on_message is not None:
        payload["message"] = on_message
    return payload


def document(
    person: Person,
    file_id: str,
    name: str,
    *,
    size: int = 120_000,
    caption: str | None = None,
    unique: str | None = None,
) -> Json:
    """A document message; the same file sent again has a new file_id but the same unique id."""
    extra: Json = {
        "document": {
            "file_id": file_id,
            "file_unique_id": unique or f"uniq-{file_id}",
            "file_name": name,
            "file_size": size,
            "mime_type": "application/pdf",
        }
    }
    if caption:
        extra["caption"] = caption
    return message(person, **extra)


def group_chat(chat_id: int, title: str = "", *, forum: bool = False) -> Json:
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    chat: Json = {"id": chat_id, "type": kind, "title": title or f"Чат {chat_id}"}
    if forum:
        chat["is_forum"] = True
    return chat


def bot_membership(
    by: Person,
    chat: Json,
    status: str,
    bot_user: Json,
    *,
    old: str = "left",
    **rights: Any,
) -> Json:
    """A my_chat_member update: ``by`` changed the bot's status in ``chat``."""

    def member(state: str) -> Json:
        body: Json = {"status": state, "user": bot_user}
        if state == "administrator":
            body.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_pin_messages": False,
                }
            )
            body.update(rights)
        if state == "kicked":
            body["until_date"] = 0
        return body

    return {
        "chat": chat,
        "from": by.as_user(),
        "date": int(time.time()),
        "old_chat_member": member(old),
        "new_chat_member": member(status),
    }
