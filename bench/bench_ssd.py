"""A whole SSD extract end to end: wall time and peak memory of `timescales check FOLDER`.

    python bench/bench_ssd.py --sizes 20000 100000

For each size, writes a synthetic extract (bench/gen_ssd.py) and checks it in a fresh process
(JSON report to a file), reporting its wall time and peak resident memory. Memory must not grow
with the number of persons: the adapter streams the tables through a SQLite file on disk.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from gen_ssd import write_extract

COMMAND = str(Path(sys.executable).parent / "timescales")
#: Run in a fresh interpreter per size, so that each peak is that run's own.
PROBE = """
import resource, subprocess, sys, time
started = time.perf_counter()
run = subprocess.run(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(time.perf_counter() - started, peak, run.returncode)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args()
    peaks = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            extract = Path(folder) / "extract"
            write_extract(size, extract)
            command = [COMMAND, "check", str(extract), "--as-of", "2024-03-31", "--format", "json"]
            report = Path(folder) / "report.json"
            command += ["--output", str(report)]
            probed = subprocess.run([sys.executable, "-c", PROBE, *command], capture_output=True, text=True)
            seconds, peak_kb, code = probed.stdout.split()
            assert code == "1", code  # breaches found, nothing unreadable
            assert json.loads(report.read_text(encoding="utf-8"))["summary"]["cases"] == size
            peaks[size] = int(peak_kb) / 1024
            print(f"{size:>8,} persons: {float(seconds):.1f} s, peak memory {peaks[size]:.0f} MB")
    first, last = min(peaks), max(peaks)
    print(f"memory ratio {last:,} / {first:,} persons: {peaks[last] / peaks[first]:.2f}")


if __name__ == "__main__":
    main()
