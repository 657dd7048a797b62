"""Personal data in materials: patterns to catch before a material is published.

Materials must never carry personal data (a screenshot of a real patient card, a sample with a
real СНИЛС). The scan looks for what a careless example leaks: СНИЛС (with its checksum, so any
eleven digits do not count), phone numbers (toll-free 8-800 lines are the organisations', not
people's), passport numbers, ОМС policy numbers (the 16-digit ЕНП), and dates of birth next to a
full name. It warns; a person decides. Findings are shown masked: the warning itself must not
spread what it found.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from catalog.model import MaterialInput

# The Bot API lets a bot download files of up to 20 MB; larger ones cannot be scanned.
MAX_SCAN_BYTES = 20 * 1024 * 1024
# Text beyond this is not read: a manual's first hundreds of pages are where examples sit, and
# the scan must stay seconds, not minutes.
MAX_TEXT_CHARS = 2_000_000
MAX_FINDINGS = 20

KIND_TITLES = {
    "snils": "СНИЛС",
    "phone": "номер телефона",
    "passport": "номер паспорта",
    "policy": "номер полиса ОМС",
    "birth": "дата рождения рядом с ФИО",
}


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    where: str  # which field or the document
    shown: str  # masked excerpt

    @property
    def title(self) -> str:
        return KIND_TITLES[self.kind]


_SNILS = re.compile(r"(?<![\d-])(\d{3})[- ]?(\d{3})[- ]?(\d{3})[- ]?(\d{2})(?![\d-])")
_PHONE = re.compile(
    r"(?<![\d+])(?:\+7|8)[\s\-(]*(\d{3})[\s\-)]*(\d{3})[\s\-]*(\d{2})[\s\-]*(\d{2})(?!\d)"
)
_PASSPORT = re.compile(
    r"паспорт\w*[^\d\n]{0,40}?(\d{2}\s?\d{2})\s*(?:№|N|номер)?\s*(\d{6})(?!\d)", re.IGNORECASE
)
_SERIES_NUMBER = re.compile(r"серия\s*(\d{2}\s?\d{2})\s*(?:№|номер)\s*(\d{6})(?!\d)", re.IGNORECASE)
_POLICY = re.compile(r"(?<![\d-])(\d{4})[ ]?(\d{4})[ ]?(\d{4})[ ]?(\d{4})(?![\d-])")
_DATE = r"(?:0?[1-9]|[12]\d|3[01])[./](?:0?[1-9]|1[0-2])[./](?:19|20)\d{2}"
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:вич|вна|чна|ична|инична|ич)"
_SURNAME = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_FULL_NAME = rf"{_SURNAME}\s+(?:[А-ЯЁ][а-яё]+\s+{_PATRONYMIC}|[А-ЯЁ]\.\s?[А-ЯЁ]\.)"
_BIRTH = re.compile(
    rf"({_FULL_NAME})[^\n]{{0,60}}?({_DATE})|({_DATE})[^\n]{{0,60}}?({_FULL_NAME})"
    # Names are matched by their capitals; only the label ignores case.
    rf"|(?i:дата\s+рождения|д\.\s?р\.|г\.\s?р\.)[:\s]*({_DATE})",
)


def snils_valid(digits: str) -> bool:
    """The СНИЛС checksum: the first nine digits weighted 9..1, the sum mod 101."""
    if len(digits) != 11 or not digits.isdigit():
        return False
    number, check = digits[:9], int(digits[9:])
    if number <= "001001998":
        return False  # checksums are issued only above this number
    total = sum(int(d) * (9 - i) for i, d in enumerate(number))
    expected = total % 101
    if expected == 100:
        expected = 0
    return check == expected


def _mask(value: str, keep_start: int = 2, keep_end: int = 2) -> str:
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    hidden = set(digits[keep_start : len(digits) - keep_end])
    return "".join("•" if i in hidden else ch for i, ch in enumerate(value))


def _mask_name(name: str) -> str:
    return " ".join(part[0] + "…" if len(part) > 2 else part for part in name.split())


def scan_text(text: str, where: str) -> list[Finding]:
    """Every personal-data pattern in ``text``, masked, at most MAX_FINDINGS."""
    text = text[:MAX_TEXT_CHARS]
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, shown: str) -> None:
        if (kind, shown) not in seen and len(found) < MAX_FINDINGS:
            seen.add((kind, shown))
            found.append(Finding(kind, where, shown))

    for m in _SNILS.finditer(text):
        if snils_valid("".join(m.groups())):
            add("snils", _mask(m.group(0), 3, 2))
    for m in _PHONE.finditer(text):
        if m.group(1) != "800":
            add("phone", _mask(m.group(0), 4, 2))
    for m in (*_PASSPORT.finditer(text), *_SERIES_NUMBER.finditer(text)):
        add("passport", _mask(f"{m.group(1)} {m.group(2)}", 2, 2))
    for m in _POLICY.finditer(text):
        add("policy", _mask(m.group(0), 2, 2))
    for m in _BIRTH.finditer(text):
        name = m.group(1) or m.group(4) or ""
        day = m.group(2) or m.group(3) or m.group(5) or ""
        shown = f"{_mask_name(name)} {_mask(day, 0, 0)}".strip()
        add("birth", shown)
    return found


def material_fields(m: MaterialInput) -> dict[str, str]:
    """The fields of a material a person wrote, by the names a warning shows."""
    return {
        "название": m.title,
        "описание": m.description,
        "теги": ", ".join(m.tags),
        "имя файла": m.file_name or "",
        "ссылка": m.url or "",
    }


def scan_fields(fields: dict[str, str]) -> list[Finding]:
    found: list[Finding] = []
    for where, value in fields.items():
        if value:
            found += scan_text(value, where)
    return found[:MAX_FINDINGS]


# -- documents --------------------------------------------------------------------------------


def scannable(file_name: str | None, mime_type: str | None) -> str | None:
    """'pdf', 'docx' or 'txt' when the document's text can be read, else None."""
    name = (file_name or "").lower()
    mime = (mime_type or "").lower()
    if name.endswith(".pdf") or mime == "application/pdf":
        return "pdf"
    if name.endswith(".docx") or "wordprocessingml" in mime:
        return "docx"
    if name.endswith((".txt", ".csv")) or mime.startswith("text/"):
        return "txt"
    return None


def document_text(data: bytes, kind: str) -> str:
    """The text of a PDF, DOCX or TXT file; raises ValueError when it cannot be read."""
    try:
        if kind == "pdf":
            return _pdf_text(data)
        if kind == "docx":
            return _docx_text(data)
        if kind == "txt":
            return _txt(data)
    except ValueError:
        raise
    except Exception as e:  # libraries raise their own errors for a broken file
        raise ValueError(f"{type(e).__name__}: {e}") from None
    raise ValueError(f"unknown document kind {kind!r}")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        chunk = page.extract_text() or ""
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValueError("not a DOCX file")
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _txt(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
