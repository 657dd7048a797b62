"""Applying an import plan to the catalog, with progress callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from catalog.importer import ImportPlan, RowProblem, parse, read_table
from catalog.pdscan import material_fields, scan_fields
from storage.catalog import CatalogRepo

Progress = Callable[[int, int], Awaitable[None]]
# Rows per write transaction: large enough to make bulk imports fast, small enough that the
# write lock is never held for long while the bot serves people.
BATCH = 200


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    # Rows saved but held back (archived) for possible personal data: (row, material id).
    held: list[tuple[int, int]] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


async def import_file(
    repo: CatalogRepo,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
    held_by: int | None = None,
) -> ImportReport:
    """Import CSV/XLSX bytes; raises ImportFormatError when the file cannot be read at all.
    Rows that may carry personal data are saved archived, with a hold for an admin to decide."""
    await repo.ensure_topics()
    known = {t.code for t in await repo.topics()}
    plan: ImportPlan = parse(read_table(data, filename), known)
    report = ImportReport(problems=list(plan.problems))
    total = len(plan.rows)
    for start in range(0, total, BATCH):
        batch = plan.rows[start : start + BATCH]
        outcomes = await repo.upsert_many([(r.material, r.material_id) for r in batch])
        for row, outcome in zip(batch, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                findings = scan_fields(material_fields(row.material))
                if findings:
                    await repo.hold(outcome[0], findings, held_by)
                    report.held.append((row.row, outcome[0]))
            if isinstance(outcome, Exception):
                # e.g. the file of this row already belongs to another material
                report.problems.append(
                    RowProblem(row.row, "", "не сохранено: конфликт с другой записью")
                )
            elif outcome[1]:
                report.created += 1
            else:
                report.updated += 1
        if progress is not None:
            await progress(min(start + BATCH, total), total)
    report.problems.sort(key=lambda p: p.row)
    return report
