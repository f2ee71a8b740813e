"""A whole census end to end: `timescales check census.xml --format json` on synthetic files.

    python bench/bench_census.py [--sizes 30000 90000] [--repeats 3] [--jobs N]

For each size, writes a schema-valid synthetic census (bench/gen_census.py), runs the installed
command on it, and prints the median wall time and peak memory (the largest resident set of the
command and of any worker process), then the ratios between the largest and smallest sizes.
Targets (issue 5): 30,000 children in at most 5 s and 300 MB; 90,000 in at most 3.5 times the time
and 1.5 times the memory. The machine is noisy: read medians and ratios.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[30000, 90000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="default: the command's (one per core)")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            census = Path(folder) / f"census-{size}.xml"
            started = time.perf_counter()
            write_census(size, census)
            made = time.perf_counter() - started
            runs = [run(census, args.jobs) for _ in range(args.repeats)]
            wall = statistics.median(r[0] for r in runs)
            memory = statistics.median(r[1] for r in runs)
            results[size] = (wall, memory)
            print(
                f"{size:>7} children ({census.stat().st_size / 1e6:.0f} MB, written in {made:.1f} s): "
                f"median {wall:.2f} s (runs {', '.join(f'{r[0]:.2f}' for r in runs)}), "
                f"peak memory {memory:.0f} MB"
            )
    small, large = min(results), max(results)
    if small != large:
        print(
            f"ratio {large} / {small} children: time x{results[large][0] / results[small][0]:.2f}, "
            f"memory x{results[large][1] / results[small][1]:.2f}"
        )


if __name__ == "__main__":
    main()
