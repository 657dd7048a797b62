"""The way in and out: /start with its deep links, /help, /cancel, the help button, and on the
first run an admin's offer to load the demo catalog."""

from handlers.start.router import create_router

__all__ = ["create_router"]
