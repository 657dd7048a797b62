"""The materials feature's use cases, as plain async functions over the repositories: save a
material (after the personal-data scan, or handed to the admins), archive and restore, the
admins' decision on a held material, import, export and the list of directions. No aiogram
types here: the handlers parse, call these and render what they return."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any

from bot import ui
from bot.delivery import Delivery
from catalog.importer import COLUMNS
from catalog.model import FieldError, Kind, MaterialInput, Topic, validate
from catalog.pdscan import (
    MAX_FINDINGS,
    MAX_SCAN_BYTES,
    Finding,
    document_text,
    material_fields,
    scan_fields,
    scan_text,
    scannable,
)
from handlers.materials import texts
from storage.announcements import Render
from storage.catalog import CatalogRepo, Material
from storage.imports import ImportReport, Progress, import_file
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

# getFile refuses files over 20 MB on the cloud Bot API: what is downloaded must fit.
DOWNLOAD_LIMIT_MB = 20
Download = Callable[[str], Awaitable[bytes]]


class Decision(StrEnum):
    CHECK = "check"  # scan for personal data first
    PUBLISH = "publish"  # an admin has seen the warning and publishes anyway
    HOLD = "hold"  # a methodologist hands the material to the admins


class Mode(StrEnum):
    ADD = "add"
    EDIT = "edit"
    VERSION = "version"


@dataclass(frozen=True, slots=True)
class Saved:
    material_id: int
    held: bool = False
    # Why the file's text could not be scanned (a scanned PDF, a file too big), if it could not.
    unread: str = ""


@dataclass(frozen=True, slots=True)
class Doubtful:
    """Nothing saved: the scan found what looks like personal data."""

    findings: tuple[Finding, ...]
    unread: str


@dataclass(frozen=True, slots=True)
class Refused:
    reason: str


Outcome = Saved | Doubtful | Refused


# -- drafts ----------------------------------------------------------------------------------------


def draft_of(material: Material) -> dict[str, Any]:
    """A material as form data (plain JSON): every field of MaterialInput."""
    names = {f.name for f in fields(MaterialInput)}
    draft = {k: v for k, v in asdict(material).items() if k in names}
    draft.update(
        topics=list(material.topics),
        audience=list(material.audience),
        tags=list(material.tags),
        kind=material.kind.value,
    )
    return draft


def material_input(draft: dict[str, Any]) -> MaterialInput:
    values = {f.name: draft[f.name] for f in fields(MaterialInput) if f.name in draft}
    values["kind"] = Kind(values.get("kind") or Kind.MANUAL)
    values.setdefault("title", "")
    values.setdefault("topics", [])
    values["topics"] = list(values["topics"])
    values["audience"] = list(values.get("audience") or [])
    values["tags"] = list(values.get("tags") or [])
    return MaterialInput(**values)


async def existing(
    materials: CatalogRepo, *, file_unique_id: str | None = None, url: str | None = None
) -> Material | None:
    """The material that already has this file or this link."""
    if file_unique_id:
        return await materials.by_file_unique_id(file_unique_id)
    if url:
        return await materials.by_url(url)
    return None


# -- saving ----------------------------------------------------------------------------------------


async def save(
    materials: CatalogRepo,
    delivery: Delivery,
    draft: MaterialInput,
    actor: UserRecord,
    *,
    mode: Mode,
    target: int | None,
    today: str,
    download: Download,
    decision: Decision = Decision.CHECK,
    findings: Sequence[Finding] = (),
) -> Outcome:
    """Save a new material, the changes to one (``target``), or a new version of its file.

    Unless an admin has seen the warning (PUBLISH) or a methodologist hands the material to
    the admins (HOLD, with the findings they were shown), its fields and its file's text are
    scanned for personal data first; with findings nothing is saved."""
    known = {t.code for t in await materials.topics()}
    try:
        material = validate(draft, known)
    except FieldError as e:
        return Refused(str(e))
    if decision is Decision.PUBLISH and not actor.role.at_least(Role.ADMIN):
        return Refused(texts.PD_ONLY_ADMIN)
    if decision is Decision.HOLD and not findings:
        return Refused(texts.PD_DECIDED)
    unread = ""
    if decision is Decision.CHECK:
        found, unread = await scan(material, download)
        if found:
            return Doubtful(tuple(found), unread)
    if decision is Decision.PUBLISH:
        log.warning("admin %s publishes despite a personal-data warning", actor.id)
    if mode is Mode.VERSION and target is not None:
        material_id = await materials.new_version(target, material, actor.id)
    elif mode is Mode.EDIT and target is not None:
        material_id = target
        await materials.update(material_id, material)
    else:
        material.published_at = today
        material_id = await materials.create(material, actor.id)
    log.info("user %s saved material %s (%s)", actor.id, material_id, mode.value)
    if decision is Decision.HOLD:
        await materials.hold(material_id, findings, actor.id)
        await tell_admins(delivery, material_id, material.title, actor, findings)
        log.info("material %s held for the admins: possible personal data", material_id)
        return Saved(material_id, held=True)
    return Saved(material_id, unread=unread)


async def scan(material: MaterialInput, download: Download) -> tuple[list[Finding], str]:
    """Personal-data findings in the fields and the file's text, and why the text could not
    be read (empty when it was read or there is none to read)."""
    findings = scan_fields(material_fields(material))
    kind = scannable(material.file_name, material.mime_type)
    if material.file_id is None or kind is None:
        return findings, ""
    if (material.file_size or 0) > MAX_SCAN_BYTES:
        return findings, texts.FILE_TOO_BIG.format(limit=DOWNLOAD_LIMIT_MB)
    try:
        data = await download(material.file_id)
        text = await asyncio.to_thread(document_text, data, kind)
    except Exception as e:  # a broken file or a failed download: the person checks it
        log.info("could not read %s for the personal-data scan: %s", kind, e)
        return findings, type(e).__name__
    return (findings + scan_text(text, "текст файла"))[:MAX_FINDINGS], ""


async def tell_admins(
    delivery: Delivery,
    material_id: int,
    title: str,
    who: UserRecord | None,
    findings: Sequence[Finding],
) -> None:
    """The held material's card with the decision buttons, to every admin, via the outbox."""
    person = ui.person(who, who.id) if who else texts.PD_FROM_IMPORT
    card = texts.pd_card(material_id, title, person, findings)
    await delivery.notify(Role.ADMIN, card, Render.PD_HOLD, str(material_id))


# -- the archive and holds -------------------------------------------------------------------------


async def is_held(materials: CatalogRepo, material_id: int) -> bool:
    hold = await materials.hold_of(material_id)
    return hold is not None and hold.open


async def archive(materials: CatalogRepo, material_id: int, actor: UserRecord) -> Material | None:
    if await materials.get(material_id) is None:
        return None
    await materials.set_status(material_id, "archived")
    log.info("user %s archived material %s", actor.id, material_id)
    return await materials.get(material_id)


async def restore(
    materials: CatalogRepo, delivery: Delivery, material_id: int, actor: UserRecord
) -> Material | Refused | None:
    """Back from the archive. A material held for personal data comes back only by an admin's
    decision: restoring it is that decision, and a methodologist is refused."""
    if await materials.get(material_id) is None:
        return None
    if await is_held(materials, material_id):
        if not actor.role.at_least(Role.ADMIN):
            return Refused(texts.PD_ONLY_ADMIN)
        await decide(materials, delivery, material_id, True, actor)
    else:
        await materials.set_status(material_id, "active")
    log.info("user %s restored material %s", actor.id, material_id)
    return await materials.get(material_id)


async def decide(
    materials: CatalogRepo, delivery: Delivery, material_id: int, publish: bool, actor: UserRecord
) -> bool:
    """An admin publishes a held material or keeps it archived; False if already decided.
    Whoever held it hears the decision."""
    hold = await materials.hold_of(material_id)
    if hold is None or not await materials.decide_hold(material_id, publish, actor.id):
        return False
    log.warning(
        "admin %s %s held material %s",
        actor.id,
        "published" if publish else "kept",
        material_id,
    )
    if hold.held_by is not None and hold.held_by != actor.id:
        await delivery.tell([hold.held_by], texts.pd_to_author(publish, hold.title))
    return True


# -- import and export -----------------------------------------------------------------------------


async def import_table(
    materials: CatalogRepo,
    delivery: Delivery,
    data: bytes,
    name: str,
    progress: Progress,
    actor: UserRecord,
) -> ImportReport:
    """Import a CSV or XLSX (raises ImportFormatError when it cannot be read at all); rows
    held for personal data go to the admins for a decision."""
    report = await import_file(materials, data, name, progress, actor.id)
    for _, material_id in report.held:
        hold = await materials.hold_of(material_id)
        if hold is not None:
            await tell_admins(delivery, material_id, hold.title, actor, hold.findings)
    return report


async def export_rows(materials: CatalogRepo) -> list[list[str]]:
    """The catalog as the import columns (an export imports back as it is) plus its status,
    held and archived materials marked, and how many times each was downloaded."""
    header = [*COLUMNS, texts.EXPORT_STATUS_COLUMN, texts.EXPORT_DOWNLOADS_COLUMN]
    rows = [header]
    for record in await materials.export_records():
        status = "held" if record.get("held") else record.get("status", "active")
        rows.append(
            [
                *(str(record.get(c, "") or "") for c in COLUMNS),
                texts.EXPORT_STATUS.get(status, status),
                str(record.get("downloads", "0") or "0"),
            ]
        )
    return rows


# -- directions ------------------------------------------------------------------------------------


async def topic_rows(materials: CatalogRepo) -> list[tuple[str, str, int]]:
    counts = await materials.topic_counts()
    return [(t.code, t.title, counts.get(t.code, 0)) for t in await materials.topics()]


async def put_topic(materials: CatalogRepo, code: str, title: str) -> bool:
    """Add or rename a direction; True when it is new."""
    return await materials.put_topic(Topic(code, title))


async def card_text(materials: CatalogRepo, material: Material) -> str:
    titles = await materials.topic_titles()
    return texts.card(
        texts.draft_lines(
            title=material.title,
            kind=material.kind,
            topics=[titles.get(t, t) for t in material.topics],
            audience=material.audience,
            tags=material.tags,
            description=material.description,
            file_name=material.file_name or (material.file_type or ""),
            url=material.url or "",
        ),
        published=material.published_at,
        version=material.version,
        downloads=material.downloads,
        status=material.status,
        held=await is_held(materials, material.id),
    )
