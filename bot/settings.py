"""Configuration from the environment and ``.env``: one ``Settings`` built once and passed down."""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.clock import Clock, file_clock, system_clock

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")
# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - in a webhook secret token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Mode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class BaseConfig(BaseSettings):
    """What every command needs, the token-less ones (``backup``) included."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    database_path: Path = Path("data/bot.sqlite3")
    # Nightly backups: where (default: a "backups" folder beside the database), how many to
    # keep (0 turns them off) and when, in TZ.
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=0, le=365)
    backup_time: time = time(3, 30)
    timezone: str = "Europe/Moscow"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _blank_dir(cls, value: Any) -> Any:
        # BACKUP_DIR= in .env means "the default", not the current directory.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def backups_folder(self) -> Path:
        return self.backup_dir or self.database_path.parent / "backups"


class Settings(BaseConfig):
    bot_token: SecretStr
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_url: str | None = None
    # A local telegram-bot-api server started with --local hands out files as paths on disk.
    telegram_api_local: bool = False
    mode: Mode = Mode.POLLING
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # noqa: S104 - the webhook server must be reachable by a proxy
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # A scheduled post the bot was down for is still sent on start-up if at most this late.
    schedule_grace_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # Where new training requests go: a staff group's id, or nothing for each methodologist
    # in private.
    staff_chat_id: int | None = None
    # A request nobody acted on for this many working days reminds the methodologists.
    request_sla_days: int = Field(default=2, ge=1, le=30)
    # The Monday 09:00 digest to admins. Each admin can also switch it off for themselves.
    weekly_digest: bool = True
    # For soak tests only: the scheduler reads "now" (ISO 8601) from this file and looks for
    # due moments every few seconds, so a test can drive the clock through weeks in minutes.
    clock_file: Path | None = None

    def clock(self) -> Clock:
        """The bot's one clock: the real one, or the soak tests' file."""
        return file_clock(self.clock_file) if self.clock_file else system_clock

    @field_validator("staff_chat_id", mode="before")
    @classmethod
    def _blank_chat(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token (digits:letters)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s;]+", value) if p]
            bad = [p for p in parts if not re.fullmatch(r"-?\d{1,20}", p)]
            if bad:
                raise ValueError(f"not a numeric Telegram id: {bad[0]!r}")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("telegram_api_url", "webhook_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value:
                return None
            if not re.match(r"^https?://[^\s/]+", value):
                raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            if not _WEBHOOK_SECRET.match(value):
                raise ValueError("use 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.mode is Mode.WEBHOOK:
            if not self.webhook_url or not self.webhook_url.startswith("https://"):
                raise ValueError("WEBHOOK_URL: webhook mode needs a public https:// URL")
            if self.webhook_secret is None:
                raise ValueError("WEBHOOK_SECRET: webhook mode needs a secret token")
        return self

    @property
    def webhook_path(self) -> str:
        if not self.webhook_url:
            return "/webhook"
        path = re.sub(r"^https?://[^/]+", "", self.webhook_url)
        return path or "/webhook"


class ConfigError(Exception):
    """A configuration problem explained in one line, for the operator."""


_HINTS = {
    "bot_token": "Get a token from @BotFather and put BOT_TOKEN=<token> into .env",
    "admin_ids": "List numeric Telegram ids separated by commas, e.g. ADMIN_IDS=123,456",
    "mode": "Use MODE=polling or MODE=webhook",
    "timezone": "Use an IANA name such as TIMEZONE=Europe/Moscow",
    "log_level": "Use DEBUG, INFO, WARNING or ERROR",
    "webhook_port": "Use a port number 1-65535",
    "schedule_grace_minutes": "Use a number of minutes from 1 to 1440",
    "staff_chat_id": "Use the numeric id of the staff group, e.g. STAFF_CHAT_ID=-1001234567890",
    "request_sla_days": "Use a number of working days from 1 to 30",
    "backup_keep": "Use how many nightly backups to keep, 0 to 365 (0 turns them off)",
    "backup_time": "Use a time of day as HH:MM, e.g. BACKUP_TIME=03:30",
}


def explain(error: ValidationError) -> str:
    """The first problem of a ValidationError as one line naming the key and the fix."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    if not field:
        # A model-level check puts the key at the start of its own message.
        return f"config error: {message}"
    key = field.upper()
    if first["type"] == "missing":
        message = "is not set"
    hint = _HINTS.get(field)
    return f"config error: {key}: {message}" + (f". {hint}" if hint else "")


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as e:
        raise ConfigError(explain(e)) from None


def load_base_config(**overrides: Any) -> BaseConfig:
    try:
        return BaseConfig(**overrides)
    except ValidationError as e:
        raise ConfigError(explain(e)) from None
