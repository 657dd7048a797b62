"""The chat registry, for methodologists: the bot added to or removed from groups, groups
upgraded to supergroups, binding a chat (or a forum topic) to directions so their announcements
reach it, /chats with each chat's health, and a welcome for new members (written in a form).
Private ``my_chat_member`` updates (a person blocking the bot) land here too."""

from __future__ import annotations

from handlers.chats.dialogs import create_dialogs
from handlers.chats.router import create_router

__all__ = ["create_dialogs", "create_router"]
