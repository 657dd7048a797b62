"""Search: finding and receiving materials, for everyone, where they are.

- In a private chat, whatever is typed outside a form is a search (small talk such as
  «спасибо» or an emoji gets a friendly word instead, and is not logged); in groups /find; in
  any chat the inline mode «@bot запрос».
- Results in pages, with buttons named after the materials; a material's card with
  «Получить» (in a group the material goes to the person privately), «Поделиться» and, for
  methodologists, the materials' own buttons; «Попросить материал» when nothing is found.
- The catalog by direction and kind (/catalog, «📚 Каталог»), deep links to a material
  (``m_<id>``) and to a search (``q_<query>``), and the outbox renderer of announcements that
  link to a material (Render.MATERIAL_LINK).
"""

from __future__ import annotations

from aiogram import Router

from bot.delivery import Renderer
from handlers.search import inline
from handlers.search.router import create_router, render_card, render_material_link
from storage.announcements import Render
from storage.db import Database

__all__ = ["create_inline_router", "create_router", "render_card", "renderers"]


def create_inline_router() -> Router:
    return inline.create_router()


def renderers(db: Database) -> dict[Render, Renderer]:
    return {Render.MATERIAL_LINK: render_material_link}
