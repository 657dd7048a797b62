"""One-line stdlib logging that never prints a phone number or a bot token."""

from __future__ import annotations

import logging
import re
import sys

from catalog.requests import mask_phone

# No word boundary: in URLs the token follows "/bot" directly.
_TOKEN = re.compile(r"(?<!\d)\d{1,20}:[A-Za-z0-9_-]{30,}")
# Russian phone numbers in the usual spellings: +7 / 8, then ten digits with optional spacing.
_PHONE = re.compile(r"(?<!\d)(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _masked(match: re.Match[str]) -> str:
    # Masked as the request cards mask a stored number, so one phone reads the same everywhere.
    digits = re.sub(r"\D", "", match.group(0))
    return mask_phone("+7" + digits[-10:])


def redact(text: str) -> str:
    text = _TOKEN.sub("<token>", text)
    return _PHONE.sub(_masked, text)


class RedactingFormatter(logging.Formatter):
    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - stdlib name
        # A message with user text in it must stay one line, or it could forge log lines.
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log would print every webhook request; our own logs say what matters.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
