"""``python -m bot`` as a process of its own, started without paying for Python's and aiogram's
start-up each time (3-4 s on the CI machine, most of a crash test's time).

Each bot is forked from a server process that imported the bot once (the standard library's
forkserver), then runs the command's own ``main`` with its own working directory and
environment. It is a real process: it holds its own database connection and dies by SIGKILL.
``tests/process/test_process.py`` still starts the real ``python -m bot`` command.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
from pathlib import Path

_FORKS = multiprocessing.get_context("forkserver")
_FORKS.set_forkserver_preload(["bot.__main__", "bot.runner", "bot.doctor"])


def _main(cwd: str, env: dict[str, str], argv: list[str], out: str, err: str) -> None:
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    from bot.__main__ import main

    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


class BotProcess:
    """The few calls of ``asyncio.subprocess.Process`` the tests use."""

    def __init__(self, process: multiprocessing.process.BaseProcess, out: Path, err: Path):
        self._process = process
        self.out = out
        self.err = err

    @property
    def returncode(self) -> int | None:
        """As Popen gives it: minus the signal for a death by signal."""
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        if self._process.pid is not None and self._process.exitcode is None:
            os.kill(self._process.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        if self._process.exitcode is None:
            # The sentinel becomes readable when the process ends.
            loop = asyncio.get_running_loop()
            ended: asyncio.Future[None] = loop.create_future()
            sentinel = self._process.sentinel

            def end() -> None:
                if not ended.done():
                    ended.set_result(None)

            loop.add_reader(sentinel, end)
            try:
                await ended
            finally:
                loop.remove_reader(sentinel)
        self._process.join()
        code = self._process.exitcode
        assert code is not None
        return code


def start(cwd: Path, env: dict[str, str], *argv: str) -> BotProcess:
    """Start ``python -m bot *argv`` in ``cwd`` with exactly ``env``; its output goes to files
    in ``cwd``."""
    out, err = cwd / "bot.out", cwd / "bot.err"
    process = _FORKS.Process(target=_main, args=(str(cwd), env, list(argv), str(out), str(err)))
    process.start()
    return BotProcess(process, out, err)


async def run(cwd: Path, env: dict[str, str], *argv: str) -> tuple[int, str, str]:
    """Run a command to its end: its exit code, output and errors."""
    proc = start(cwd, env, *argv)
    code = await asyncio.wait_for(proc.wait(), 60)
    return code, proc.out.read_text(), proc.err.read_text()
