"""Writes a synthetic SSDA903 return: several years of Header, Episodes and Reviews tables.

    python bench/gen_903.py CHILDREN FOLDER [--years 2021-2025] [--seed 903]

Each return year (1 April to 31 March) gets its own three CSV files, with the 2024/25 columns and
the DfE's ``dd/mm/yyyy`` dates (``SSDA903_2025_episodes.csv``...). A child is in a year's files when
one of their episodes is open in that year; an episode still open on 31 March is written without
its end, and the next year's file closes it, as councils' returns do.

The children are simulated, with distributions taken from the DfE's published figures where this
script says so, so that a run gives figures within their published ranges (printed at the end, from
the episodes as written, beside England's):

* age on entering care: 38% under 5, 39% 5 to 11, 18% 12 to 15, 5% 16 or over (the Children's
  Commissioner's Stability Index 2019, table 1: age at the earliest period of care);
* placement moves: about 1.7 a year in the first year of a period of care and about 0.1 a year
  after, which gives England's long-term stability (DfE, Stability measures for children looked
  after, reporting year 2024: 68% of children under 16 looked after for 2.5 years or more had lived
  in the same placement for 2 years) and the share with 3 or more placements in 2 years (23%);
* periods of care: a third short (weeks to months), a third one to three years, a third until 18;
  about one child in eight returns to care for a second period (re-entry), after 3 months to 3 years;
* reviews: most on time, some late by days or weeks (no national figure is published for review
  timeliness; the share late is this script's choice: about 8% of first reviews, 12% of later ones).

Dates never come near the calendar's limits; the same seed gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from timescales.adapters.ssda903 import TABLES

#: The 2024/25 columns of each table written (as the reader knows them: one list, not two).
HEADER, EPISODES, REVIEWS = (list(TABLES[name]) for name in ("Header", "Episodes", "Reviews"))

#: Placement types (PLACE) and providers, weighted roughly as England's (foster care most).
PLACES = [("U1", 8), ("U3", 10), ("U4", 30), ("U6", 20), ("K2", 10), ("P1", 6), ("H5", 5), ("R1", 2)]
PROVIDERS = {"P1": "PR0", "K2": "PR3", "R1": "PR1", "H5": "PR4"}
LEGAL = [("C2", 55), ("V2", 20), ("C1", 15), ("E1", 10)]
NEEDS = [(f"N{i}", w) for i, w in enumerate((65, 3, 4, 10, 3, 1, 1, 13), start=1)]
#: Reasons a period of care ends (REC other than X1).
ENDINGS = [("E4A", 30), ("E11", 10), ("E41", 4), ("E45", 8), ("E13", 10), ("E8", 20), ("E3", 3)]
MOVE_REASONS = ["CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE"]
ETHNIC = [
    ("WBRI", 70),
    ("WOTH", 6),
    ("MWBC", 5),
    ("MOTH", 4),
    ("BAFR", 4),
    ("AOTH", 3),
    ("OOTH", 4),
    ("NOBT", 4),
]

#: RNE codes that begin a placement (L changes the legal status only).
PLACEMENT_STARTS = ("S", "P", "B", "T", "U")
#: Placement moves per year: in a period's first year, and after it.
MOVES_FIRST_YEAR = 1.7
MOVES_LATER = 0.10


@dataclass
class Episode:
    decom: dt.date
    rne: str
    legal: str
    need: str
    place: str
    dec: dt.date | None = None
    rec: str = ""
    reason_change: str = ""


@dataclass
class Child:
    id: str
    sex: str
    dob: dt.date
    ethnic: str
    episodes: list[Episode] = field(default_factory=list)
    reviews: list[dt.date] = field(default_factory=list)


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _add_weekdays(day: dt.date, count: int) -> dt.date:
    """Weekdays after ``day`` (bank holidays ignored: the generator only needs plausible dates)."""
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _period(rng: random.Random, child: Child, start: dt.date, until: dt.date) -> dt.date | None:
    """One period of care from ``start``; its end (None: still looked after at ``until``)."""
    eighteen = _add_months(child.dob, 18 * 12)
    shape = rng.random()
    if shape < 0.33:
        length = dt.timedelta(days=int(rng.expovariate(1 / 90)) + 3)
    elif shape < 0.67:
        length = dt.timedelta(days=rng.randint(365, 3 * 365))
    else:
        length = eighteen - start
    end = min(start + length, eighteen)
    legal, need = _pick(rng, LEGAL), _pick(rng, NEEDS)
    episode = Episode(start, "S", legal, need, _pick(rng, PLACES))
    child.episodes.append(episode)
    day = start
    while True:
        rate = MOVES_FIRST_YEAR if (day - start).days < 365 else MOVES_LATER
        day += dt.timedelta(days=max(1, int(rng.expovariate(rate) * 365)))
        if day >= end or day > until:
            break
        # A move (P), sometimes with a change of legal status (B); now and then a legal status
        # change alone (L), which is a new episode but not a new placement.
        if rng.random() < 0.15:
            kind, place = "L", episode.place
        else:
            kind, place = ("B" if rng.random() < 0.1 else "P"), _pick(rng, PLACES)
        legal = _pick(rng, LEGAL) if kind in ("L", "B") else legal
        episode.dec, episode.rec = day, "X1"
        episode = Episode(
            day, kind, legal, need, place, reason_change=rng.choice(MOVE_REASONS) if kind != "L" else ""
        )
        child.episodes.append(episode)
    _reviews(rng, child, start, min(end, until))
    if end > until:
        return None
    episode.dec, episode.rec = end, ("E8" if end == eighteen else _pick(rng, ENDINGS))
    return end


def _reviews(rng: random.Random, child: Child, start: dt.date, end: dt.date) -> None:
    """Reviews of one period of care up to ``end``: on time mostly, some late."""
    first_late = rng.random() < 0.08
    day = _add_weekdays(start, rng.randint(21, 45) if first_late else rng.randint(8, 20))
    number = 1
    while day < end:
        child.reviews.append(day)
        months = 3 if number == 1 else 6
        due = _add_months(day, months)
        if rng.random() < 0.12:
            day = due + dt.timedelta(days=rng.randint(1, 40))
        else:
            day = due - dt.timedelta(days=rng.randint(0, 28))
        number += 1


def simulate(children: int, first_year: int, last_year: int, seed: int) -> list[Child]:
    rng = random.Random(seed)
    until = dt.date(last_year, 3, 31)
    earliest = dt.date(first_year - 4, 4, 1)  # some children came into care before the files begin
    span = (until - earliest).days
    made = []
    for index in range(children):
        age_band = _pick(rng, [("0", 38), ("5", 39), ("12", 18), ("16", 5)])
        low, high = {"0": (0, 4), "5": (5, 11), "12": (12, 15), "16": (16, 17)}[age_band]
        start = earliest + dt.timedelta(days=rng.randrange(span))
        dob = start - dt.timedelta(days=rng.randint(low * 365 + 1, high * 365 + 364))
        child = Child(f"{100000 + index}", rng.choice("12"), dob, _pick(rng, ETHNIC))
        end = _period(rng, child, start, until)
        if end is not None and rng.random() < 0.13:
            again = end + dt.timedelta(days=rng.randint(90, 3 * 365))
            if again < until and again < _add_months(dob, 18 * 12) - dt.timedelta(days=30):
                _period(rng, child, again, until)
        made.append(child)
    return made


def _uk(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def write_return(children: int, folder: Path, years: tuple[int, int] = (2021, 2025), seed: int = 903) -> None:
    """The return's files for each year ``years[0]..years[1]`` (each ending 31 March)."""
    folder.mkdir(parents=True, exist_ok=True)
    simulated = simulate(children, years[0], years[1], seed)
    for year in range(years[0], years[1] + 1):
        begins, ends = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
        rows: dict[str, list[list[str]]] = defaultdict(list)
        for child in simulated:
            open_in_year = [
                e for e in child.episodes if e.decom <= ends and (e.dec is None or e.dec >= begins)
            ]
            if not open_in_year:
                continue
            mother = "" if child.sex == "1" else "0"
            upn = f"A{int(child.id):012d}"
            rows["header"].append([child.id, child.sex, _uk(child.dob), child.ethnic, upn, mother, ""])
            for e in open_in_year:
                closed = e.dec is not None and e.dec <= ends
                provider = PROVIDERS.get(e.place, "PR1")
                urn = f"SC{int(child.id) % 900000 + 100000}" if e.place == "K2" else "XXXXXXX"
                rows["episodes"].append(
                    [
                        child.id,
                        _uk(e.decom),
                        e.rne,
                        e.legal,
                        e.need,
                        e.place,
                        provider,
                        _uk(e.dec) if closed else "",
                        e.rec if closed else "",
                        e.reason_change,
                        "LS1 1AA",
                        "LS2 2BB",
                        urn,
                    ]
                )
            for review in child.reviews:
                if begins <= review <= ends:
                    code = f"PN{random.Random(review.toordinal()).randint(0, 7)}"
                    rows["reviews"].append([child.id, _uk(child.dob), _uk(review), code])
        for table, columns in (("header", HEADER), ("episodes", EPISODES), ("reviews", REVIEWS)):
            with (folder / f"SSDA903_{year}_{table}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows(rows[table])


# -- the figures of what was written -------------------------------------------------------------------


def _read_episodes(
    folder: Path,
) -> tuple[dict[str, list[tuple[dt.date, str, dt.date | None]]], dict[str, dt.date]]:
    """Every child's episodes (DECOM, RNE, DEC) across the years' files, an episode once."""

    def day(text: str) -> dt.date | None:
        return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None

    episodes: dict[str, dict[dt.date, tuple[dt.date, str, dt.date | None]]] = defaultdict(dict)
    births: dict[str, dt.date] = {}
    for path in sorted(folder.glob("SSDA903_*_episodes.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                start = day(row["DECOM"])
                assert start is not None
                known = episodes[row["CHILD"]].get(start)
                if known is None or known[2] is None:
                    episodes[row["CHILD"]][start] = (start, row["RNE"], day(row["DEC"]))
    for path in sorted(folder.glob("SSDA903_*_header.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                births[row["CHILD"]] = day(row["DOB"]) or dt.date.min
    return {c: sorted(e.values()) for c, e in episodes.items()}, births


def stability(folder: Path, on: dt.date) -> dict[str, tuple[int, int]]:
    """The DfE's two placement stability measures on 31 March ``on``, as (number, of)."""
    episodes, births = _read_episodes(folder)
    long_term = [0, 0]
    moves = [0, 0]
    two_years_before = _add_months(on, -24)
    for child, chain in episodes.items():
        current = [e for e in chain if e[0] <= on and (e[2] is None or e[2] > on)]
        if not current:
            continue
        # The start of the period of care the child is in, and of the placement they live in.
        index = chain.index(current[0])
        # (A child in care since before the files begin: earlier than any date in them.)
        period_start = next((chain[i][0] for i in range(index, -1, -1) if chain[i][1] == "S"), dt.date.min)
        placement_start = next(
            (chain[i][0] for i in range(index, -1, -1) if chain[i][1] in PLACEMENT_STARTS), dt.date.min
        )
        under_16 = on < _add_months(births[child], 16 * 12)
        if under_16 and period_start <= _add_months(on, -30):
            long_term[1] += 1
            long_term[0] += placement_start <= two_years_before
        # Placements during the 2 years to 31 March: the one held when they began, and each begun in them.
        held = any(e[0] <= two_years_before and (e[2] is None or e[2] > two_years_before) for e in chain)
        begun = sum(1 for e in chain if two_years_before < e[0] <= on and e[1] in PLACEMENT_STARTS)
        moves[1] += 1
        moves[0] += held + begun >= 3
    return {"long_term": (long_term[0], long_term[1]), "three_or_more_in_2_years": (moves[0], moves[1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("children", type=int)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--years", default="2021-2025", help="first-last return year (each ends 31 March)")
    parser.add_argument("--seed", type=int, default=903)
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    write_return(args.children, args.folder, (first, last), args.seed)
    figures = stability(args.folder, dt.date(last, 3, 31))
    for key, label, england in (
        ("long_term", "under 16, looked after 2.5 years or more, same placement 2 years", 68),
        ("three_or_more_in_2_years", "looked after on 31 March, 3 or more placements in 2 years", 23),
    ):
        number, of = figures[key]
        share = 100 * number / of if of else 0.0
        print(f"{label}: {number} of {of} ({share:.0f}%); England 2024: {england}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
