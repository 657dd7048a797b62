"""Start-up time of ``python -m bot`` up to "polling started", and the RSS of the idle bot.

Runs the real bot as a subprocess against the tests' fake Bot API (no network) and a fresh
database, several times, and prints the median and the worst run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.recording import TOKEN  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_run(idle_seconds: float) -> tuple[float, float]:
    server = await FakeTelegram().start()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": server.url,
            "DATABASE_PATH": str(Path(tmp) / "bot.sqlite3"),
            "ADMIN_IDS": "1001",
        }
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp, env=env, stderr=asyncio.subprocess.PIPE
        )
        assert proc.stderr is not None
        while True:
            line = await asyncio.wait_for(proc.stderr.readline(), 60)
            if not line:
                raise RuntimeError("the bot exited before polling started")
            if b"polling started" in line:
                ready = time.perf_counter() - started
                break
        await asyncio.sleep(idle_seconds)
        rss = rss_mib(proc.pid)
        proc.send_signal(signal.SIGTERM)
        await proc.communicate()
    await server.stop()
    return ready, rss


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before RSS")
    args = parser.parse_args()
    results = [await one_run(args.idle) for _ in range(args.runs)]
    starts = [r[0] * 1000 for r in results]
    rss = [r[1] for r in results]
    print(f"runs={args.runs} idle={args.idle:.0f}s")
    print(f"startup_ms median={statistics.median(starts):.0f} max={max(starts):.0f}")
    print(f"idle_rss_mib median={statistics.median(rss):.1f} max={max(rss):.1f}")


if __name__ == "__main__":
    asyncio.run(main())
