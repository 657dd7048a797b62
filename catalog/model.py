"""Materials and topics as the domain sees them, with validation shared by every way in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    VIDEO = "video"
    MANUAL = "manual"
    INSTRUCTION = "instruction"
    PRESENTATION = "presentation"
    MEMO = "memo"
    FAQ = "faq"
    CHECKLIST = "checklist"


KIND_TITLES: dict[Kind, str] = {
    Kind.VIDEO: "Видеозапись",
    Kind.MANUAL: "Руководство",
    Kind.INSTRUCTION: "Инструкция",
    Kind.PRESENTATION: "Презентация",
    Kind.MEMO: "Памятка",
    Kind.FAQ: "Вопросы и ответы",
    Kind.CHECKLIST: "Чек-лист",
}

AUDIENCES: dict[str, str] = {
    "doctor": "врачи",
    "nurse": "медсёстры",
    "it": "ИТ-специалисты",
    "statistician": "статистики",
    "hr": "кадровики",
    "economist": "экономисты",
    "head": "руководители",
    "registrar": "регистраторы",
    "lab": "лаборанты",
}

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_TOPICS = 3
MAX_TAGS = 20
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Topic:
    code: str
    title: str
    description: str = ""


@dataclass(slots=True)
class MaterialInput:
    """A material as it arrives from a form or an import row, before it has an id."""

    title: str
    kind: Kind
    topics: list[str]
    description: str = ""
    audience: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    url: str | None = None
    published_at: str = field(default_factory=lambda: date.today().isoformat())
    file_id: str | None = None
    file_unique_id: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    file_type: str | None = None


class FieldError(ValueError):
    """A bad value in one field; ``field`` names it, the message says what is wrong (Russian)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [p.strip() for p in re.split(r"[|;]", value) if p.strip()]


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) < 3:
        raise FieldError("title", "название короче 3 символов")
    if len(title) > MAX_TITLE:
        raise FieldError("title", f"название длиннее {MAX_TITLE} символов")
    return title


def check_url(url: str) -> str:
    url = url.strip()
    if not _URL.match(url) or len(url) > 2000:
        raise FieldError("url", "ссылка должна начинаться с http:// или https://")
    return url


def check_date(value: str) -> str:
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise FieldError("published_at", f"дата «{value[:20]}» не в формате ГГГГ-ММ-ДД") from None


def check_kind(value: str) -> Kind:
    try:
        return Kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in Kind)
        raise FieldError("kind", f"вид «{value[:20]}» неизвестен; допустимо: {allowed}") from None


def check_topics(codes: list[str], known: set[str]) -> list[str]:
    codes = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    if not codes:
        raise FieldError("topics", "нужно хотя бы одно направление")
    if len(codes) > MAX_TOPICS:
        raise FieldError("topics", f"не больше {MAX_TOPICS} направлений")
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise FieldError("topics", f"неизвестное направление «{unknown[0][:20]}»")
    return codes


def check_audience(codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(c.strip().lower() for c in codes if c.strip()))
    unknown = [c for c in codes if c not in AUDIENCES]
    if unknown:
        raise FieldError("audience", f"неизвестная аудитория «{unknown[0][:20]}»")
    return codes


def check_tags(tags: list[str]) -> list[str]:
    tags = list(dict.fromkeys(" ".join(t.split())[:60] for t in tags if t.strip()))
    if len(tags) > MAX_TAGS:
        raise FieldError("tags", f"не больше {MAX_TAGS} тегов")
    return tags


def validate(material: MaterialInput, known_topics: set[str]) -> MaterialInput:
    """A cleaned copy of ``material``; raises FieldError on the first bad field."""
    material.title = check_title(material.title)
    material.description = " ".join(material.description.split())
    if len(material.description) > MAX_DESCRIPTION:
        raise FieldError("description", f"описание длиннее {MAX_DESCRIPTION} символов")
    material.topics = check_topics(material.topics, known_topics)
    material.audience = check_audience(material.audience)
    material.tags = check_tags(material.tags)
    material.published_at = check_date(material.published_at)
    if material.url:
        material.url = check_url(material.url)
    if not material.url and not material.file_id:
        raise FieldError("url", "нужен файл или ссылка")
    return material
