"""``python -m bot [run | doctor | backup PATH | restore PATH | catalog …]``: argument parsing
only."""

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
    restore = sub.add_parser(
        "restore", help="put a backup in place of the database (stop the bot first)"
    )
    restore.add_argument("path", type=Path)
    sub.add_parser("doctor", help="check the token, database, outbox, chats, schedule, backups")
    cat = sub.add_parser("catalog", help="catalog maintenance").add_subparsers(
        dest="action", required=True
    )
    cat.add_parser("demo", help="load the shipped demo catalog")
    imp = cat.add_parser("import", help="import materials from CSV or XLSX")
    imp.add_argument("file", type=Path)
    exp = cat.add_parser("export", help="export the catalog to CSV or XLSX (by extension)")
    exp.add_argument("file", type=Path)
    cat.add_parser("reindex", help="rebuild the search index (after editing the glossary)")
    return parser.parse_args(argv)


def run_catalog(args: argparse.Namespace, database: Path) -> int:
    from bot import maintenance
    from catalog.importer import ImportFormatError

    try:
        if args.action == "demo":
            print(maintenance.describe(asyncio.run(maintenance.load_demo(database))))
        elif args.action == "import":
            report = asyncio.run(maintenance.import_catalog(database, args.file))
            print(maintenance.describe(report))
        elif args.action == "export":
            count = asyncio.run(maintenance.export_catalog(database, args.file))
            print(f"exported {count} materials to {args.file}")
        else:
            print(f"reindexed {asyncio.run(maintenance.reindex(database))} materials")
    except (OSError, ImportFormatError) as e:
        print(f"catalog {args.action} failed: {e}", file=sys.stderr)
        return 1
    return 0


def run_restore(backup: Path, database: Path) -> int:
    from datetime import datetime

    from storage.backups import restore

    try:
        done = restore(backup, database, datetime.now())
    except (OSError, ValueError) as e:
        print(f"restore failed: {e}", file=sys.stderr)
        return 1
    print(f"restored {backup} to {database} (schema version {done.schema_version})")
    if done.kept_as is not None:
        print(f"the previous database is kept as {done.kept_as}")
    return 0


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

        if args.command == "restore":
            config = load_base_config()
            return run_restore(args.path, config.database_path)

        if args.command == "doctor":
            settings = load_settings()
            setup_logging("ERROR")
            from bot import doctor

            findings = asyncio.run(doctor.diagnose(settings))
            print(doctor.report(findings))
            return 1 if any(f.status == doctor.FAIL for f in findings) else 0

        if args.command == "catalog":
            config = load_base_config()
            setup_logging("WARNING")
            return run_catalog(args, config.database_path)

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
