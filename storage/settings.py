"""Small named settings the bot keeps in the database (``settings_kv``): the scheduler's last
tick, the VKS slot and reminder offsets."""

from __future__ import annotations

from storage.db import Database


class SettingsRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM settings_kv WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    async def put(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO settings_kv (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
