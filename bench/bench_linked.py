"""Time per event for hostile case shapes: thousands of linked or same-day events in ONE case.

    python bench/bench_linked.py [--sizes 2000 8000 32000] [--repeats 3]

The shapes (each a single case, checked with the national rules and Liverpool's pack):

* ``icpc-no-reports``: N initial conferences, none with the report that must be shared before it
  (a linked ``at_least_before`` rule) and none with minutes;
* ``panels-one-day``: N complaint panels on one day, each with its report (a linked rule);
* ``complaints-one-day``: N stage 1 complaints received on one day and N responses the next day
  (a rule without a link: one open obligation at a time);
* ``visits``: N visits on consecutive days (a repeating rule);
* ``reviews-one-day``: an initial conference and N review conferences all on the next day (a
  repeating rule without a link: each review meets the last interval and opens the next, and every
  one of them is answered from the first event of its day).

Matching must be linear in the events of a case: the ratio of the time per event between the
largest and the smallest size should stay near 1 (a quadratic matcher makes it grow with N).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import timescales
from timescales.timeline import Event, Timeline

START = dt.date(2020, 1, 6)


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset % 3000)


def icpc_no_reports(n: int) -> list[Event]:
    return [Event(f"icpc{i}", "icpc", _day(i), {"outcome": "plan"}, position=i) for i in range(n)]


def panels_one_day(n: int) -> list[Event]:
    events = [Event("cmp", "complaint_received", START, {"stage": "3"}, position=0)]
    for i in range(n):
        events.append(Event(f"panel{i}", "complaint_panel", START, {}, refers_to="cmp", position=2 * i + 1))
        events.append(
            Event(f"rep{i}", "complaint_panel_report", START, {}, refers_to=f"panel{i}", position=2 * i + 2)
        )
    return events


def complaints_one_day(n: int) -> list[Event]:
    events = []
    for i in range(n):
        events.append(Event(f"c{i}", "complaint_received", START, {"stage": "1"}, position=2 * i))
        events.append(
            Event(
                f"r{i}", "complaint_response", _day(1), {"stage": "1"}, refers_to=f"c{i}", position=2 * i + 1
            )
        )
    return events


def visits(n: int) -> list[Event]:
    return [Event(f"v{i}", "visit", _day(i), {}, position=i) for i in range(n)]


def reviews_one_day(n: int) -> list[Event]:
    events = [Event("icpc", "icpc", START, {"outcome": "plan"}, position=0)]
    day = START + dt.timedelta(days=1)
    return events + [Event(f"r{i:06d}", "rcpc", day, {}, position=i + 1) for i in range(n)]


SHAPES: dict[str, Callable[[int], list[Event]]] = {
    "icpc-no-reports": icpc_no_reports,
    "panels-one-day": panels_one_day,
    "complaints-one-day": complaints_one_day,
    "visits": visits,
    "reviews-one-day": reviews_one_day,
}


def time_case(events: list[Event], rules: timescales.RuleSet) -> tuple[float, int]:
    timeline = Timeline("BENCH", tuple(events), ("A",), authority="liverpool")
    began = time.perf_counter()
    report = timescales.check(timeline, rules, as_of=dt.date(2099, 1, 1))
    return time.perf_counter() - began, len(report.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 32000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES))
    args = parser.parse_args()
    rules = timescales.load_rules()
    for shape in args.shapes:
        per_event = []
        for size in args.sizes:
            events = SHAPES[shape](size)
            runs = [time_case(events, rules) for _ in range(args.repeats)]
            median = statistics.median(t for t, _ in runs)
            per_event.append(median / len(events))
            print(
                f"{shape:20} {len(events):>8,} events: median {median:7.3f} s, "
                f"{median / len(events) * 1e6:6.1f} µs/event, {runs[0][1]:,} findings",
                flush=True,
            )
        print(f"{shape:20} µs/event ratio largest/smallest: {per_event[-1] / per_event[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
