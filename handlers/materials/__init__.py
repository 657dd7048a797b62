"""Materials: methodologists keep the catalog. They add a material from a file or a link
(the file may simply be sent to the bot), edit its fields or give it a new version of its
file, move it to the archive (asked first) and back, import and export the catalog in bulk.
Every material is scanned for personal data before it is saved; a doubtful one is handed to
the admins, who publish it or keep it archived. Admins also keep the list of directions."""

from __future__ import annotations

from bot.delivery import Renderer
from handlers.materials.dialogs import create_dialogs
from handlers.materials.router import create_router, render_hold
from storage.announcements import Render
from storage.db import Database

__all__ = ["create_dialogs", "create_router", "renderers"]


def renderers(db: Database) -> dict[Render, Renderer]:
    return {Render.PD_HOLD: render_hold}
