"""``python -m bot [run | backup PATH]``: argument parsing only."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.logs import setup_logging
from bot.settings import ConfigError, load_base_config, load_settings


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description="МЦТ training bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (the default)")
    backup = sub.add_parser("backup", help="copy the live database consistently to PATH")
    backup.add_argument("path", type=Path)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.command == "backup":
            config = load_base_config()
            setup_logging(config.log_level)
            from storage.db import backup_file

            try:
                dest = asyncio.run(backup_file(config.database_path, args.path))
            except (OSError, FileNotFoundError) as e:
                print(f"backup failed: {e}", file=sys.stderr)
                return 1
            print(f"backup written to {dest}")
            return 0

        settings = load_settings()
        setup_logging(settings.log_level)
        from bot.runner import run

        asyncio.run(run(settings))
        return 0
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
