"""The longer crash run: `topicwire once` killed with SIGKILL at random moments.

    python bench/crash.py [--rounds 100] [--seed 1] [--max-delay 1.0]

See tests/crash_harness.py for what is checked after every kill. Prints the
problems found (none expected) and one summary line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from crash_harness import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=1.0)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(Path(tmp), args.rounds, args.seed, args.max_delay)
    for problem in report.problems:
        print(f"problem: {problem}")
    elapsed = time.monotonic() - started
    print(
        f"summary: rounds={report.rounds} killed={report.killed} finished={report.finished} "
        f"articles={report.articles} problems={len(report.problems)} seconds={elapsed:.0f}"
    )


if __name__ == "__main__":
    main()
