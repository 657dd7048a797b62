"""A long fuzzing session: the CI test ``tests/unit/test_fuzz.py`` with many more examples, random
(not derandomized) each run, so every session explores new input.

    .venv/bin/python bench/fuzz.py                 # 5,000 sequences of up to 6 updates
    .venv/bin/python bench/fuzz.py --examples 50000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5_000)
    args = parser.parse_args()
    env = {**os.environ, "FUZZ_EXAMPLES": str(args.examples), "FUZZ_RANDOM": "1"}
    began = time.perf_counter()
    test = "tests/unit/test_fuzz.py::test_arbitrary_updates_never_break_the_bot"
    done = subprocess.run(  # noqa: S603 - our own interpreter and test file
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
        cwd=ROOT,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - began
    verdict = "no failure" if done.returncode == 0 else "FAILED (see above)"
    print(f"\n{args.examples:,} random update sequences in {elapsed:.0f} s: {verdict}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
