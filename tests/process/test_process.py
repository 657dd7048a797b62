"""The bot as an operator runs it: ``python -m bot`` in a subprocess, and the webhook server."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.factory import build_dispatcher, create_bot
from bot.runner import build_webhook_app
from bot.settings import ConfigError, Mode, load_settings
from storage.db import Database
from tests.fakes.people import NURSE, message
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import make_settings

ROOT = Path(__file__).resolve().parents[2]


def _env(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    keep["PYTHONPATH"] = str(ROOT)
    keep.update(values)
    return keep


async def _run_cli(cwd: Path, *args: str, **env: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("env", "dotenv", "must_say"),
    [
        ({}, "", ["BOT_TOKEN", "@BotFather"]),
        ({"BOT_TOKEN": "not-a-token"}, "", ["BOT_TOKEN", "@BotFather"]),
        ({"BOT_TOKEN": TOKEN, "MODE": "push"}, "", ["MODE", "polling", "webhook"]),
        ({"BOT_TOKEN": TOKEN}, "ADMIN_IDS=12,abc\n", ["ADMIN_IDS", "abc"]),
        ({"BOT_TOKEN": TOKEN}, "TIMEZONE=Mars/Olympus\n", ["TIMEZONE", "Europe/Moscow"]),
        ({"BOT_TOKEN": TOKEN, "MODE": "webhook"}, "", ["WEBHOOK_URL", "https://"]),
    ],
)
async def test_bad_config_exits_2_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], dotenv: str, must_say: list[str]
) -> None:
    if dotenv:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    code, _, err = await _run_cli(tmp_path, "run", **env)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in must_say:
        assert word in lines[0]


def test_settings_parse_lists_and_defaults(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_ids="12, 34;56", backup_dir="")
    assert settings.backups_folder == tmp_path / "backups"
    assert settings.admin_ids == frozenset({12, 34, 56})
    assert settings.mode is Mode.POLLING
    assert settings.timezone == "Europe/Moscow"
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings(
            _env_file=None,
            bot_token=TOKEN,
            mode="webhook",
            webhook_url="https://bot.example.org/tg/hook",
        )


async def test_python_m_bot_answers_start_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    server = await FakeTelegram().start()
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(
                BOT_TOKEN=TOKEN,
                TELEGRAM_API_URL=server.url,
                DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"),
                ADMIN_IDS="1001",
            ),
            stderr=asyncio.subprocess.PIPE,
        )
        await server.wait_for("getUpdates", timeout=30)
        await server.push_update("message", message(NURSE, "/start"))
        answer = await server.wait_for("sendMessage", timeout=30)
        assert answer.params["chat_id"] == NURSE.id
        assert answer.params["text"].startswith("Здравствуйте, Ольга!")

        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        await server.stop()
    log = err.decode()
    assert proc.returncode == 0, log
    assert "polling started as @mct_test_bot" in log
    assert "stopped, database closed" in log
    assert TOKEN not in log
    assert "Traceback" not in log
    db = sqlite3.connect(tmp_path / "data" / "bot.sqlite3")
    assert db.execute("SELECT role FROM users WHERE id = 1001").fetchone() == ("admin",)
    db.close()


async def test_backup_command_copies_the_database(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    database = Database(live)
    await database.connect()
    await database.execute(
        "INSERT INTO users (id, first_name, created_at, last_seen_at) VALUES (5, 'Ира', '', '')"
    )
    code, out, err = await _run_cli(
        tmp_path, "backup", str(tmp_path / "b" / "copy.sqlite3"), DATABASE_PATH=str(live)
    )
    await database.close()
    assert code == 0, err
    assert "backup written to" in out
    copy = sqlite3.connect(tmp_path / "b" / "copy.sqlite3")
    assert copy.execute("SELECT first_name FROM users").fetchall() == [("Ира",)]
    copy.close()


async def test_backup_of_missing_database_fails_clearly(tmp_path: Path) -> None:
    code, _, err = await _run_cli(
        tmp_path, "backup", "x.sqlite3", DATABASE_PATH=str(tmp_path / "none.sqlite3")
    )
    assert code == 1
    assert "does not exist" in err


async def test_webhook_checks_the_secret_token(tmp_path: Path) -> None:
    server = await FakeTelegram().start()
    settings = make_settings(
        tmp_path,
        telegram_api_url=server.url,
        mode="webhook",
        webhook_url="https://bot.example.org/tg/hook",
        webhook_secret="s3cret-Token_1",
    )
    db = Database(settings.database_path)
    await db.connect()
    bot = create_bot(settings)
    app = build_webhook_app(bot, build_dispatcher(settings, db), settings)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        hook = await server.wait_for("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/tg/hook"
        assert hook.params["secret_token"] == "s3cret-Token_1"

        update = {"update_id": 1, "message": message(NURSE, "/start")}
        wrong = await client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
        assert wrong.status == 401
        right = await client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        )
        assert right.status == 200
        answer = await server.wait_for("sendMessage")
        assert answer.params["text"].startswith("Здравствуйте, Ольга!")
        assert len(server.calls_of("sendMessage")) == 1
        # Telegram re-sends an update it got no timely answer to: it is handled once.
        again = await client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        )
        assert again.status == 200
        later = {"update_id": 2, "message": message(NURSE, "/help")}
        await client.post(
            "/tg/hook", json=later, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        )
        await server.wait_for("sendMessage", after=len(server.calls) - 1)
        await asyncio.sleep(0.2)
        starts = [c for c in server.calls_of("sendMessage") if "Здравствуйте" in c.params["text"]]
        assert len(starts) == 1
        assert len(server.calls_of("sendMessage")) == 2
        health = await client.get("/healthz")
        assert (await health.json()) == {"status": "ok"}
    finally:
        await client.close()
        await bot.session.close()
        await db.close()
        await server.stop()


async def test_a_catalog_import_from_the_command_line_is_seen_by_the_running_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import catalog as catalog_storage
    from storage.catalog import CatalogRepo

    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.connect()
    try:
        repo = CatalogRepo(db)
        await repo.ensure_topics()
        # Everything the bot keeps in memory is built: the vocabulary, a search, its plan.
        assert (await repo.search("глюкометр")).ids == ()
        assert "глюкометр" not in (await repo.vocabulary()).surfaces.values()
        source = tmp_path / "new.csv"
        source.write_text(
            "title,kind,topics,url\nПамятка по глюкометрам,memo,base,https://x.example/g\n",
            encoding="utf-8",
        )
        code, out, err = await _run_cli(
            tmp_path, "catalog", "import", str(source), BOT_TOKEN=TOKEN, DATABASE_PATH=str(path)
        )
        assert code == 0, err
        assert "imported 1" in out
        # The bot looks at the catalog's version once every VERSION_CHECK seconds; no waiting
        # here, so the very next search must find it.
        monkeypatch.setattr(catalog_storage, "VERSION_CHECK", 0.0)
        found = await repo.search("глюкометр")
        assert len(found.ids) == 1
        assert (await repo.get(found.ids[0])).title == "Памятка по глюкометрам"  # type: ignore[union-attr]
    finally:
        await db.close()
