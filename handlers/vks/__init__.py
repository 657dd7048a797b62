"""The weekly VKS 8.38. Methodologists open a date's card (/vks, a form) and set its topic,
link, speaker and directions, cancel or restore it, preview the reminder and, after the VKS,
attach the recording, which becomes a catalog material announced in the date's chats; they
change the slot and the reminders with /vksslot and /vksremind. The reminders go out on their
own (the planner); under each post everyone can say «Буду участвовать» and take the .ics."""

from handlers.vks.dialogs import create_dialogs
from handlers.vks.planner import planner
from handlers.vks.renderers import renderers
from handlers.vks.router import create_router

__all__ = ["create_dialogs", "create_router", "planner", "renderers"]
