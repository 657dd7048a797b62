"""Operator commands that work on the database without running the bot."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from catalog.importer import export_rows, to_csv, to_xlsx
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.imports import ImportReport, import_file


def describe(report: ImportReport) -> str:
    lines = [
        f"imported {report.imported} (new {report.created}, updated {report.updated}),"
        f" rejected rows: {len(report.problems)}"
    ]
    lines += [f"  row {p.row}: {p.field or '-'}: {p.message}" for p in report.problems]
    return "\n".join(lines)


async def _open(path: Path) -> tuple[Database, CatalogRepo]:
    db = Database(path)
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    return db, repo


async def load_demo(path: Path) -> ImportReport:
    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    db, repo = await _open(path)
    try:
        return await import_file(repo, data, "demo_materials.csv")
    finally:
        await db.close()


async def import_catalog(path: Path, source: Path) -> ImportReport:
    db, repo = await _open(path)
    try:
        return await import_file(repo, source.read_bytes(), source.name)
    finally:
        await db.close()


async def export_catalog(path: Path, dest: Path) -> int:
    db, repo = await _open(path)
    try:
        rows = export_rows(await repo.export_records())
    finally:
        await db.close()
    dest.write_bytes(to_xlsx(rows) if dest.suffix.lower() == ".xlsx" else to_csv(rows))
    return len(rows) - 1


async def reindex(path: Path) -> int:
    db, repo = await _open(path)
    try:
        return await repo.reindex()
    finally:
        await db.close()
