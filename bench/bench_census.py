"""A whole census end to end: `timescales check census.xml --format json` on synthetic files.

    python bench/bench_census.py [--sizes 30000 90000] [--repeats 5] [--jobs N] [--jobs-ratio] [--small]

For each size, writes a schema-valid synthetic census (bench/gen_census.py), runs the installed
command on it, and prints the median wall time and peak memory (the largest resident set of the
command and of any worker process), then the ratios between the largest and smallest sizes.

Beside each run, in the same round, a fresh process makes a bare lxml pass over the same file's
children (iterparse on ``Child``, each cleared): the printed ratio to it is what a loaded or slow
machine does not hide. ``--jobs-ratio`` also times ``--jobs 1`` against ``--jobs 2`` on the
smallest size, and ``--small`` times one small case (``timelines/liverpool-2023-0042.yaml``).
Targets (issue 14): 30,000 children in at most 2.0 s on an idle 2-core machine and at most 3.5 times
the bare pass, 150 MB; 90,000 in at most 3.1 times the time and 1.2 times the memory; ``--jobs 2``
at least 1.7 times as fast as ``--jobs 1``; the small case at most 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from gen_census import write_census


def run(census: Path, jobs: int | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run, in a fresh process tree."""
    command = [
        shutil.which("timescales") or "timescales",
        "check",
        str(census),
        "--format",
        "json",
        "--output",
        os.devnull,
    ]
    if jobs:
        command += ["--jobs", str(jobs)]
    # Measure in a child that runs the command, so RUSAGE_CHILDREN covers the command and its workers.
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        "code = subprocess.run(sys.argv[1:]).returncode; wall = time.perf_counter() - t;"
        "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
    )
    out = subprocess.run(["python3", "-c", probe, *command], capture_output=True, text=True, check=True)
    wall, rss_kb, code = out.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"the command failed with exit code {code}")
    return float(wall), int(rss_kb) / 1024


BARE = (
    "import sys, time\n"
    "from lxml import etree\n"
    "t = time.perf_counter()\n"
    "for _, child in etree.iterparse(sys.argv[1], events=('end',), tag='{*}Child'):\n"
    "    child.clear()\n"
    "    while child.getprevious() is not None:\n"
    "        del child.getparent()[0]\n"
    "print(time.perf_counter() - t)\n"
)


def bare_parse(census: Path) -> float:
    """Seconds of a bare lxml pass over the census's children, in a fresh process (the floor)."""
    out = subprocess.run(["python3", "-c", BARE, str(census)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def small_case(repeats: int) -> None:
    case = Path(__file__).resolve().parent.parent / "timelines" / "liverpool-2023-0042.yaml"
    command = [shutil.which("timescales") or "timescales", "check", str(case), "--as-of", "2024-03-31"]
    walls = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
    print(
        f"one small case ({case.name}): median {statistics.median(walls):.3f} s "
        f"(runs {', '.join(f'{w:.3f}' for w in walls)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30000, 90000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None, help="default: the command's (one per core)")
    parser.add_argument("--jobs-ratio", action="store_true", help="also --jobs 1 against --jobs 2")
    parser.add_argument("--small", action="store_true", help="also one small case end to end")
    args = parser.parse_args()
    if args.small:
        small_case(args.repeats)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            census = Path(folder) / f"census-{size}.xml"
            started = time.perf_counter()
            write_census(size, census)
            made = time.perf_counter() - started
            runs, floors = [], []
            for _ in range(args.repeats):
                floors.append(bare_parse(census))
                runs.append(run(census, args.jobs))
            wall = statistics.median(r[0] for r in runs)
            memory = statistics.median(r[1] for r in runs)
            floor = statistics.median(floors)
            results[size] = (wall, memory)
            print(
                f"{size:>7} children ({census.stat().st_size / 1e6:.0f} MB, written in {made:.1f} s): "
                f"median {wall:.2f} s (runs {', '.join(f'{r[0]:.2f}' for r in runs)}), "
                f"peak memory {memory:.0f} MB; bare lxml pass median {floor:.2f} s, "
                f"ratio x{wall / floor:.2f}"
            )
            if args.jobs_ratio and size == min(args.sizes):
                one, two = [], []
                for _ in range(args.repeats):
                    one.append(run(census, 1)[0])
                    two.append(run(census, 2)[0])
                print(
                    f"        --jobs 1 median {statistics.median(one):.2f} s, --jobs 2 median "
                    f"{statistics.median(two):.2f} s: x{statistics.median(one) / statistics.median(two):.2f}"
                )
    small, large = min(results), max(results)
    if small != large:
        print(
            f"ratio {large} / {small} children: time x{results[large][0] / results[small][0]:.2f}, "
            f"memory x{results[large][1] / results[small][1]:.2f}"
        )


if __name__ == "__main__":
    main()
