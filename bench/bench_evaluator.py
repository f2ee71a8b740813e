"""Evaluator speed and memory: synthetic cases through check_many, one core.

    python bench/bench_evaluator.py [--cases 20000] [--repeats 5] [--engine durable]

Each synthetic case has about 20 events (a referral and decision, an assessment, a strategy
discussion and conference, a plan with reviews, core groups, visits, minutes, a complaint with an
extension and response), for one or two children.

Prints events per second (median of the repeats, and the spread; cases are made before the clock
starts), with and without writing every explanation, and the peak resident memory of a fresh
process streaming 1/4, 1 and 4 times as many cases. The
machine is noisy: read medians and ratios, not single runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import timescales
from timescales.timeline import Event, Timeline


def synthetic_case(number: int, rng: random.Random) -> Timeline:
    start = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 5 * 365))

    def day(offset: int) -> dt.date:
        return start + dt.timedelta(days=offset)

    events: list[tuple[str, str, int, dict[str, str], str | None]] = [
        ("ref", "referral", 0, {}, None),
        ("dec", "referral_decision", rng.choice([0, 1, 1, 3]), {"response": "section47"}, "ref"),
        ("sd", "strategy_discussion", rng.randrange(1, 4), {"section47": "true"}, None),
        ("asm", "assessment_completed", rng.randrange(30, 80), {}, None),
        ("icpc", "icpc", rng.randrange(14, 30), {"outcome": "plan"}, None),
    ]
    review = events[-1][2]
    for index in range(rng.randrange(1, 4)):
        review += rng.randrange(80, 200)
        events.append((f"rcpc{index}", "rcpc", review, {"outcome": "continue"}, None))
    for index in range(6):
        events.append((f"cg{index}", "core_group", 20 + 28 * index, {}, None))
        events.append((f"v{index}", "visit", 15 + 14 * index, {"seen_alone": "true"}, None))
    complaint = rng.randrange(20, 200)
    events.append(("cmp", "complaint_received", complaint, {"stage": "1"}, None))
    if rng.random() < 0.5:
        events.append(("ext", "complaint_extension", complaint + 5, {"stage": "1"}, "cmp"))
    events.append(("resp", "complaint_response", complaint + rng.randrange(5, 30), {"stage": "1"}, "cmp"))
    rng.shuffle(events)
    children = ("A", "B") if rng.random() < 0.3 else ("A",)
    built = tuple(
        Event(event_id, kind, day(offset), attrs, None, refers, False, None, position)
        for position, (event_id, kind, offset, attrs, refers) in enumerate(events)
    )
    return Timeline(f"SYN-{number}", built, children, as_of=day(900))


def cases(count: int, seed: int) -> Iterator[Timeline]:
    rng = random.Random(seed)
    for number in range(count):
        yield synthetic_case(number, rng)


def run_once(
    count: int, seed: int, rules: timescales.RuleSet, explain: bool, engine: str = "native"
) -> tuple[float, int, int]:
    """Seconds, events and findings for evaluating ``count`` cases made beforehand."""
    made = list(cases(count, seed))
    events = sum(len(c.events) * len(c.children) for c in made)
    started = time.perf_counter()
    findings = 0
    for report in timescales.check_many(made, rules, engine=engine):
        findings += len(report.findings)
        if explain:
            for finding in report.findings:
                _ = finding.explanation
    return time.perf_counter() - started, events, findings


def stream(count: int, rules: timescales.RuleSet) -> int:
    """Evaluate ``count`` cases generated one at a time (for the memory figure)."""
    findings = 0
    for report in timescales.check_many(cases(count, 1), rules):
        findings += sum(len(f.explanation) > 0 for f in report.findings)
    return findings


def reference_rate() -> float:
    """A fixed pure-Python workload (dict and attribute work, like the evaluator's), in loops per
    second. The machine runs Python at different speeds from one process to the next; printing
    this beside the evaluator's rate shows which speed a run got, and their ratio stays steady."""
    started = time.process_time()
    table: dict[int, int] = {}
    for i in range(300_000):
        table[i & 1023] = table.get(i & 1023, 0) + (i % 7)
    return 300_000 / (time.process_time() - started)


def peak_memory_mb(count: int) -> float:
    """Peak RSS of a fresh process that evaluates ``count`` cases."""
    code = (
        "import resource, sys; sys.path.insert(0, 'bench'); import bench_evaluator as b, timescales;"
        f"r = timescales.load_rules(); b.stream({count}, r);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024


def compare_engines(count: int, repeats: int, rules: timescales.RuleSet) -> None:
    """Native and durable on the same cases, alternating, one worker; medians and their ratio."""
    rates: dict[str, list[float]] = {"native": [], "durable": []}
    found: dict[str, int] = {}
    for repeat in range(repeats):
        for engine in rates:
            seconds, events, findings = run_once(count, repeat + 1, rules, False, engine)
            rates[engine].append(events / seconds)
            found[engine] = findings
    native, durable = (statistics.median(rates[e]) for e in ("native", "durable"))
    print(
        f"{count} cases, median of {repeats}: native {native:,.0f} events/s, durable {durable:,.0f} "
        f"events/s (native/durable {native / durable:.1f}x); findings native {found['native']}, "
        f"durable {found['durable']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--engine",
        choices=["native", "durable"],
        default="native",
        help="durable: print the native and durable engines' events/s side by side (same cases), then stop",
    )
    args = parser.parse_args()
    rules = timescales.load_rules()
    if args.engine == "durable":
        compare_engines(args.cases, args.repeats, rules)
        return
    run_once(200, 0, rules, True)  # warm the calendar index and caches
    for explain in (False, True):
        rates, ratios = [], []
        for repeat in range(args.repeats):
            reference = reference_rate()
            seconds, events, findings = run_once(args.cases, repeat + 1, rules, explain)
            rates.append(events / seconds)
            ratios.append(events / seconds / reference)
        label = "with explanations written" if explain else "findings only (explanations on demand)"
        print(
            f"{args.cases} cases, {events} child-events, {findings} findings, {label}: "
            f"median {statistics.median(rates):,.0f} events/s "
            f"(min {min(rates):,.0f}, max {max(rates):,.0f}); "
            f"{statistics.median(ratios):.3f} events per reference loop "
            f"(reference {statistics.median(rates) / statistics.median(ratios):,.0f} loops/s)"
        )
    sizes = [args.cases // 4, args.cases, args.cases * 4]
    peaks = [peak_memory_mb(size) for size in sizes]
    print("peak memory: " + ", ".join(f"{s} cases {p:.0f} MB" for s, p in zip(sizes, peaks, strict=True)))
    print(f"memory ratio, {sizes[-1]} vs {sizes[0]} cases: {peaks[-1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
