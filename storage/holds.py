"""Materials held for a possible personal-data leak, and the admins' decisions on them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from catalog.pdscan import Finding
from storage.db import Database


@dataclass(frozen=True, slots=True)
class Hold:
    material_id: int
    title: str
    findings: list[Finding]
    held_by: int | None
    decision: str | None

    @property
    def open(self) -> bool:
        return self.decision is None


class HoldRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def hold(self, material_id: int, findings: list[Finding], by: int | None) -> None:
        """Archive the material and open (or reopen) its hold, in one transaction."""
        payload = json.dumps(
            [{"kind": f.kind, "where": f.where, "shown": f.shown} for f in findings],
            ensure_ascii=False,
        )
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE materials SET status = 'archived', updated_at = ? WHERE id = ?",
                (now, material_id),
            )
            conn.execute(
                "INSERT INTO pd_holds (material_id, findings, held_by, held_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (material_id) DO UPDATE SET"
                " findings = excluded.findings, held_by = excluded.held_by,"
                " held_at = excluded.held_at, decision = NULL, decided_by = NULL,"
                " decided_at = NULL",
                (material_id, payload, by, now),
            )

        return await self.db.write(run)

    async def get(self, material_id: int) -> Hold | None:
        row = await self.db.fetchone(
            "SELECT h.*, m.title FROM pd_holds h JOIN materials m ON m.id = h.material_id"
            " WHERE h.material_id = ?",
            (material_id,),
        )
        if row is None:
            return None
        findings = [Finding(**f) for f in json.loads(row["findings"])]
        return Hold(material_id, row["title"], findings, row["held_by"], row["decision"])

    async def decide(self, material_id: int, publish: bool, by: int) -> bool:
        """Publish anyway, or keep the material archived; False if already decided."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE pd_holds SET decision = ?, decided_by = ?, decided_at = ?"
                " WHERE material_id = ? AND decision IS NULL",
                ("published" if publish else "kept", by, now, material_id),
            )
            if cur.rowcount == 0:
                return False
            if publish:
                conn.execute(
                    "UPDATE materials SET status = 'active', updated_at = ? WHERE id = ?",
                    (now, material_id),
                )
            return True

        return await self.db.write(run)
