"""Reading a 100k-row event-log sheet: openpyxl (read-only) against python-calamine.

    python bench/bench_xlsx.py [--rows 100000] [--repeat 3]

Writes the sheet once with openpyxl (write-only), then reads every row as values with each reader
and prints the median seconds and the ratio. Both are asked for the same thing the adapter needs:
every cell value of every row of the first sheet, in order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
import python_calamine

TYPES = ("referral", "strategy_discussion", "icpc", "visit", "rcpc")


def write_sheet(path: Path, rows: int) -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Events")
    sheet.append(["Case", "Child", "Id", "Type", "Date", "Team", "Worker", "Note"])
    start = dt.datetime(2023, 1, 2, 9, 30)
    for n in range(rows):
        sheet.append(
            [
                f"C-{n // 5:06d}",
                "A",
                f"e{n % 5}",
                TYPES[n % 5],
                start + dt.timedelta(days=n % 300),
                f"Team {n % 7}",
                f"W{n % 50}",
                "",
            ]
        )
    book.save(path)


def read_openpyxl(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def read_calamine(path: Path) -> int:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_index(0)
    return sum(1 for _ in sheet.iter_rows())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.xlsx"
        write_sheet(path, args.rows)
        medians = {}
        for name, reader in (("openpyxl read-only", read_openpyxl), ("python-calamine", read_calamine)):
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                count = reader(path)
                times.append(time.perf_counter() - started)
                assert count == args.rows + 1, count
            medians[name] = statistics.median(times)
            print(f"{name:20} median {medians[name]:.2f} s over {args.repeat} runs ({args.rows:,} rows)")
        ratio = medians["openpyxl read-only"] / medians["python-calamine"]
        print(f"python-calamine is {ratio:.1f}x as fast as openpyxl read-only")


if __name__ == "__main__":
    main()
