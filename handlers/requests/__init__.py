"""Training requests: a tutor's request for training for their МО (the form, «Мои заявки»,
withdrawing, resubmitting after «нужны изменения»), the methodologists' queue and review
(taking, approving with the session's slot, asking for changes, refusing), sessions and their
results, the export, the reminders, and /forget for everyone.

Tutors (and above) file and follow their requests; methodologists (and above) review them.
"""

from handlers.requests.cards import renderers
from handlers.requests.dialogs import create_dialogs
from handlers.requests.planner import planner
from handlers.requests.router import create_router

__all__ = ["create_dialogs", "create_router", "planner", "renderers"]
