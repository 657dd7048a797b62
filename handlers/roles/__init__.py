"""Roles: admins grant and revoke them (by command or through a short form) and list who has
which; the person is told, with their new menu."""

from handlers.roles.dialogs import create_dialogs
from handlers.roles.router import create_router

__all__ = ["create_dialogs", "create_router"]
