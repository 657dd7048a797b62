"""Catalog storage: imports with reports, idempotency, exports, and concurrent counting."""

from __future__ import annotations

import asyncio
import io

import pytest
from openpyxl import Workbook, load_workbook

from catalog.importer import export_rows, to_xlsx
from catalog.model import Kind, MaterialInput
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.imports import import_file

HEADER = "id,title,description,kind,topics,audience,tags,url,published_at\n"
GOOD = ",Памятка по ЭЛН,Описание,memo,eln,doctor,ЭЛН,https://x.example/1,2024-01-02\n"
BROKEN_ROWS = (
    ",Без вида,,,eln,,,https://x.example/2,2024-01-02\n"
    ",Плохая тема,,memo,space,,,https://x.example/3,2024-01-02\n"
    ",Плохая дата,,memo,eln,,,https://x.example/4,02.01.2024\n"
    ",Нет ссылки,,memo,eln,,,,2024-01-02\n"
)


async def test_import_reports_each_broken_row_and_keeps_good_ones(db: Database) -> None:
    repo = CatalogRepo(db)
    report = await import_file(repo, (HEADER + GOOD + BROKEN_ROWS).encode(), "m.csv")
    assert report.created == 1
    assert [(p.row, p.field) for p in report.problems] == [
        (3, "kind"),
        (4, "topics"),
        (5, "published_at"),
        (6, "url"),
    ]
    assert "space" in report.problems[1].message
    assert await repo.count() == 1


async def test_reimport_is_idempotent_by_url_and_by_id(db: Database) -> None:
    repo = CatalogRepo(db)
    await import_file(repo, (HEADER + GOOD).encode(), "m.csv")
    again = await import_file(
        repo, (HEADER + GOOD.replace("Памятка", "Памятка v2")).encode(), "m.csv"
    )
    assert (again.created, again.updated) == (0, 1)
    by_id = await import_file(
        repo, (HEADER + "1" + GOOD.replace("x.example/1", "y.example/9")).encode(), "m.csv"
    )
    assert (by_id.created, by_id.updated) == (0, 1)
    assert await repo.count() == 1
    material = await repo.get(1)
    assert material is not None
    assert (material.title, material.url) == ("Памятка по ЭЛН", "https://y.example/9")


async def test_xlsx_round_trip(db: Database) -> None:
    repo = CatalogRepo(db)
    await import_file(repo, (HEADER + GOOD).encode(), "m.csv")
    data = to_xlsx(export_rows(await repo.export_records()))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["id", "title", "description"]
    assert sheet.cell(2, 2).value == "Памятка по ЭЛН"

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["id", "title", "kind", "topics", "url", "published_at"])
    ws.append([None, "Из Excel", "video", "cami", "https://x.example/xl", None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await import_file(repo, buffer.getvalue(), "fromexcel.xlsx")
    assert (report.created, report.problems) == (1, [])


async def test_file_without_required_columns_is_refused_whole(db: Database) -> None:
    from catalog.importer import ImportFormatError

    repo = CatalogRepo(db)
    with pytest.raises(ImportFormatError, match="title"):
        await import_file(repo, b"name,link\nx,y\n", "bad.csv")
    assert await repo.count() == 0


async def test_thousand_concurrent_deliveries_lose_nothing(db: Database) -> None:
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    material = await repo.create(
        MaterialInput(
            title="Популярная памятка", kind=Kind.MEMO, topics=["base"], url="https://x.example"
        )
    )
    await asyncio.gather(
        *(repo.record_download(material, user, user, "private") for user in range(1000))
    )
    got = await repo.get(material)
    assert got is not None
    assert got.downloads == 1000
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM downloads WHERE material_id = ?", (material,)
    )
    assert row["n"] == 1000  # type: ignore[index]


async def test_new_version_supersedes_the_old(db: Database) -> None:
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    old = await repo.create(
        MaterialInput(
            title="Руководство v1",
            kind=Kind.MANUAL,
            topics=["base"],
            file_id="f1",
            file_unique_id="u1",
        )
    )
    new = await repo.new_version(
        old,
        MaterialInput(
            title="Руководство v2",
            kind=Kind.MANUAL,
            topics=["base"],
            file_id="f2",
            file_unique_id="u2",
        ),
        None,
    )
    old_m, new_m = await repo.get(old), await repo.get(new)
    assert old_m is not None
    assert new_m is not None
    assert (old_m.status, new_m.version, new_m.supersedes) == ("archived", 2, old)
    assert await repo.successor(old) == new
    assert (await repo.search("руководство")).ids == (new,)
