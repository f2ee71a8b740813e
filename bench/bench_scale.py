"""Children per second on one set of censuses: the command line, Dask (2 workers), Spark local[2].

    python bench/bench_scale.py [--censuses 10] [--children 30000] [--skip spark]

Writes ``--censuses`` synthetic census files of ``--children`` children each (bench/gen_census.py;
300,000 children by default), then turns all of them into the findings table as Parquet three
ways, printed side by side in one run:

* the command line: ``timescales check census-*.xml --output findings.parquet`` (its own census
  sharing among the cores);
* Dask: ``timescales.dask.write_parquet`` with the local process scheduler and 2 workers;
* Spark: ``timescales.spark.findings_from_files`` over Spark's ``binaryFile`` source in
  ``local[2]``, written with ``DataFrame.write.parquet`` (the session's start is timed apart).

Each engine's overhead is its time over the command line's. Memory: the peak resident set of
the command (and its workers), of each Dask worker (reported by the worker that wrote each part),
and of Spark's Python workers and its JVM (sampled from /proc while the job runs); Dask's is also measured on
one census alone, to show that a worker's memory follows the largest file, not the number of
files. Needs the ``[parquet,dask,spark]`` extras and Java. The machine may be shared: the figures
are one run's; read the ratios.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from gen_census import write_census


def cli(paths: list[Path], out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, the command or any of its workers)."""
    command = [shutil.which("timescales") or "timescales", "check", *map(str, paths), "--output", str(out)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"the command failed: {done.stderr[-2000:]}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def dask_run(paths: list[Path], out: Path) -> tuple[float, float]:
    """Wall seconds and the largest peak RSS (MB) reported by a Dask worker."""
    import dask

    from timescales.dask import write_parquet

    started = time.perf_counter()
    with dask.config.set(num_workers=2):
        parts = write_parquet(paths, out, scheduler="processes")
    wall = time.perf_counter() - started
    return wall, max(p.worker_peak_kib for p in parts) / 1024


class RssSampler:
    """The peak resident set (MB) of processes whose command line holds ``marker``, from /proc."""

    def __init__(self, marker: str):
        self.marker = marker
        self.peak = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if self.marker not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                        continue
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmRSS:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)
            self.stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def spark_run(paths: list[Path], out: Path) -> tuple[float, float, float, float]:
    """Session start seconds, job wall seconds, and the peak RSS (MB) of a Python worker and of
    the JVM."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from timescales.spark import findings_from_files

    started = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("timescales-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    session = time.perf_counter() - started
    try:
        # Spark's Python workers are forked from `python -m pyspark.daemon`; the JVM runs SparkSubmit.
        with RssSampler("pyspark.daemon") as python, RssSampler("SparkSubmit") as jvm:
            started = time.perf_counter()
            files = spark.read.format("binaryFile").load([str(p) for p in paths])
            # One file per task, as Dask has one file per partition.
            findings_from_files(files.repartition(len(paths))).write.parquet(str(out))
            wall = time.perf_counter() - started
    finally:
        spark.stop()
    return session, wall, python.peak, jvm.peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--censuses", type=int, default=10)
    parser.add_argument("--children", type=int, default=30000, help="children per census")
    parser.add_argument("--skip", nargs="*", default=[], choices=["cli", "dask", "spark"])
    args = parser.parse_args()
    total = args.censuses * args.children
    with tempfile.TemporaryDirectory(prefix="timescales-bench-") as folder:
        paths = []
        started = time.perf_counter()
        for number in range(args.censuses):
            path = Path(folder) / f"census-{number:02d}.xml"
            write_census(args.children, path, seed=number + 1)
            paths.append(path)
        size = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"{args.censuses} censuses, {total:,} children, {size:.0f} MB "
            f"(written in {time.perf_counter() - started:.0f} s); {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        results: dict[str, float] = {}
        if "cli" not in args.skip:
            wall, memory = cli(paths, Path(folder) / "cli.parquet")
            results["command line"] = wall
            print(f"command line     {wall:7.1f} s  {total / wall:9,.0f} children/s  peak {memory:5.0f} MB")
        if "dask" not in args.skip:
            wall, memory = dask_run(paths, Path(folder) / "dask")
            results["Dask, 2 workers"] = wall
            _, one = dask_run(paths[:1], Path(folder) / "dask-one")
            print(
                f"Dask, 2 workers  {wall:7.1f} s  {total / wall:9,.0f} children/s  peak per worker "
                f"{memory:5.0f} MB ({one:.0f} MB on one census alone)"
            )
        if "spark" not in args.skip:
            session, wall, memory, jvm = spark_run(paths, Path(folder) / "spark")
            results["Spark local[2]"] = wall
            print(
                f"Spark local[2]   {wall:7.1f} s  {total / wall:9,.0f} children/s  peak per Python "
                f"worker {memory:5.0f} MB, JVM {jvm:.0f} MB (session start {session:.0f} s, not counted)"
            )
        base = results.get("command line")
        if base:
            for name, wall in results.items():
                if name != "command line":
                    print(f"{name}: {wall / base:.2f} x the command line's time ({wall - base:+.1f} s)")
        print(f"load average after the run {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
