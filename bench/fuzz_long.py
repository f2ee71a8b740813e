"""A longer fuzzing run than CI's: the readers of tests/test_fuzz.py with more examples per target.

    python bench/fuzz_long.py [--examples 20000]

Prints the wall time and pytest's verdict; any failure is a bug (an exception other than
TimescalesError, or a message spanning lines). Record the last figure in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    tests = Path(__file__).resolve().parent.parent / "tests" / "test_fuzz.py"
    began = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        env={**os.environ, "FUZZ_EXAMPLES": str(args.examples)},
        check=False,
    )
    took = time.perf_counter() - began
    print(f"{args.examples:,} examples per target: {took:.0f} s, exit {run.returncode}")
    sys.exit(run.returncode)


if __name__ == "__main__":
    main()
