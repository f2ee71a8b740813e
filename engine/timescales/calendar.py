"""Dates: the one module that does date arithmetic.

Every deadline the engine computes goes through here, so every counting convention lives in one
place and is written down once (``docs/conventions.md`` says the same in prose):

* **Day 0 is the trigger's day.** "Within N working days of X" ends on the N-th working day
  strictly after X's day. This is the rule in *Lester v Garland* as restated in *Dodds v Walker*
  [1981] UKHL 8: the day of the event is excluded.
* **A trigger on a non-working day** (a Saturday strategy discussion) still counts as day 0; working
  day 1 is the next working day. (numpy's ``busday_offset(roll='forward')`` gets this wrong by one.)
* **Working days** are Monday to Friday less the bank holidays of the nation's calendar (from the
  ``holidays`` package, which covers every year since 1872 including substitute days and one-off
  holidays such as 19 September 2022; England and Wales's from a table of the same days shipped in
  ``england_wales_holidays.py``) less any non-working days a local rule pack adds. This matches
  the Children Act 1989 Representations Procedure (England) Regulations 2006, reg 2: "any day other
  than a Saturday, Sunday, Christmas Day, Boxing Day, Good Friday or a bank holiday".
* **Calendar months** follow the corresponding-date rule and clamp to the month's end when the month
  is too short: 31 Aug + 3 months = 30 Nov; 30 Nov 2023 + 3 months = 29 Feb 2024 (*Dodds v Walker*).
* **Weeks** are 7 calendar days; calendar-day and month deadlines that land on a weekend or holiday
  are **not** moved: no source says they roll forward (see ``roll_note``).

No function here reads the clock.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Mapping

import pendulum

from . import england_wales_holidays
from .errors import CalendarError, problem, quoted

Date = dt.date

#: The nations whose bank-holiday calendars we know, mapped to ``holidays`` subdivision codes.
NATIONS: Mapping[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}
#: The subdivisions read from the shipped table (england_wales_holidays.py, the same days as
#: ``holidays``: tests/test_holiday_table.py), not from ``holidays``, which loads every country's
#: calendar on first use (about 0.3 s, more than checking a case).
_TABLED = frozenset({"ENG", "WLS"})


def _weekday_bank_holidays(subdivision: str, year: int) -> dict[int, str]:
    """Ordinal -> name of the bank holidays on weekdays in ``year``."""
    if subdivision in _TABLED:
        names = england_wales_holidays.NAMES
        return {
            dt.date(year, int(item[:2]), int(item[2:4])).toordinal(): names[int(item[4:])]
            for item in england_wales_holidays.YEARS[year].split()
        }
    import holidays  # Scotland and Northern Ireland only: see _TABLED

    bank = holidays.country_holidays("GB", subdiv=subdivision, years=year)
    return {day.toordinal(): str(name) for day, name in bank.items() if day.weekday() < 5}


#: The first year the ``holidays`` package models UK bank holidays (Bank Holidays Act 1871).
FIRST_YEAR = 1872
#: Beyond this the calendar would be a guess about holidays not yet announced.
LAST_YEAR = 2100

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_iso_date(text: str) -> Date:
    """Parse ``YYYY-MM-DD`` and nothing else (never "now", never 01/05/2024), in the years the
    calendar covers (so a deadline can always be computed from it).

    Raises ``ValueError`` with a message fit for a user.
    """
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {quoted(text)}")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    if not FIRST_YEAR <= day.year < LAST_YEAR:
        raise ValueError(
            f"{text!r} is outside the years the bank-holiday calendars cover "
            f"({FIRST_YEAR} to {LAST_YEAR - 1})"
        )
    return day


def in_calendar(day: Date) -> bool:
    """Whether ``day`` lies in the years the bank-holiday calendars cover (as dates are read)."""
    return FIRST_YEAR <= day.year < LAST_YEAR


#: Dates already written out: a census writes a few hundred distinct dates some 200,000 times.
_HUMAN_DATES: dict[Date, str] = {}


def human_date(day: Date) -> str:
    """``Mon 6 Nov 2023``: how a QA officer writes a date in a report."""
    text = _HUMAN_DATES.get(day)
    if text is None:
        text = f"{_WEEKDAY[day.weekday()]} {day.day} {_MONTH[day.month - 1]} {day.year}"
        if len(_HUMAN_DATES) < 100_000:  # a bound no real run reaches (~270 years of days)
            _HUMAN_DATES[day] = text
    return text


def add_calendar_days(day: Date, days: int) -> Date:
    """``day`` + ``days`` calendar days (day 0 is ``day``)."""
    return day + dt.timedelta(days=days)


def add_weeks(day: Date, weeks: int) -> Date:
    """``day`` + ``weeks`` × 7 calendar days (day 0 is ``day``)."""
    return day + dt.timedelta(weeks=weeks)


def add_months(day: Date, months: int) -> Date:
    """Corresponding date ``months`` calendar months later (or earlier, if negative).

    Clamps to the last day of a shorter month: 31 Aug + 3 = 30 Nov; 30 Nov 2023 + 3 = 29 Feb 2024.
    Month arithmetic does not round-trip (31 Jan + 1 - 1 = 29 Jan), so we never compute a start
    date back from a due date.
    """
    result = pendulum.date(day.year, day.month, day.day).add(months=months)
    return dt.date(result.year, result.month, result.day)


def calendar_days_between(start: Date, end: Date) -> int:
    """Signed number of calendar days from ``start`` to ``end`` (``end`` - ``start``)."""
    return (end - start).days


class WorkingCalendar:
    """Working days for one nation, plus any extra non-working days a local pack declares.

    Instances are cheap, immutable in behaviour and hold their own caches: two calendars in one
    process never interfere, and sharing one between threads is safe (the caches only ever gain
    entries that are the same whoever computes them).
    """

    def __init__(
        self,
        nation: str = "england",
        extra_non_working_days: Mapping[Date, str] | Iterable[Date] = (),
    ) -> None:
        if nation not in NATIONS:
            raise ValueError(f"unknown nation {nation!r}; expected one of {', '.join(NATIONS)}")
        self.nation = nation
        self._subdivision = NATIONS[nation]
        if isinstance(extra_non_working_days, Mapping):
            extras = dict(extra_non_working_days)
        else:
            extras = {d: "local non-working day" for d in extra_non_working_days}
        self._extras: dict[int, str] = {d.toordinal(): name for d, name in extras.items()}
        self._closed_by_year: dict[int, dict[int, str]] = {}
        self._closed_lists: dict[int, tuple[list[int], list[tuple[Date, str]]]] = {}
        # (base ordinal, running working-day counts, first year, last year), swapped in one step so
        # that a thread never sees the counts of one table with the base of another.
        self._table: tuple[int, list[int], int, int] = (0, [], 0, 0)
        self._months: dict[tuple[int, int], Date] = {}

    # -- which days are closed ---------------------------------------------------------------

    def _closed_days(self, year: int) -> dict[int, str]:
        """Ordinal -> name of every weekday in ``year`` that is not a working day."""
        cached = self._closed_by_year.get(year)
        if cached is not None:
            return cached
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CalendarError(
                [
                    problem(
                        "<calendar>",
                        f"{year} is outside the years the {self.nation} bank-holiday calendar "
                        f"covers ({FIRST_YEAR}-{LAST_YEAR})",
                        code="E101",
                    )
                ]
            )
        closed = _weekday_bank_holidays(self._subdivision, year)
        for ordinal, name in self._extras.items():
            if dt.date.fromordinal(ordinal).year == year and ordinal not in closed:
                closed[ordinal] = name
        closed = dict(sorted(closed.items()))
        self._closed_by_year[year] = closed
        return closed

    def is_working_day(self, day: Date) -> bool:
        if day.weekday() >= 5:
            return False
        return day.toordinal() not in self._closed_days(day.year)

    def holiday_name(self, day: Date) -> str | None:
        """The bank holiday (or local closure) on ``day``, if it is a weekday one."""
        return self._closed_days(day.year).get(day.toordinal())

    def bank_holidays(self, year: int) -> dict[Date, str]:
        """Weekday bank holidays and local closures in ``year`` (the days the calendar skips)."""
        return {dt.date.fromordinal(o): n for o, n in sorted(self._closed_days(year).items())}

    # -- arithmetic --------------------------------------------------------------------------

    def _index(self, *days: Date) -> None:
        """Make sure the working-day index covers ``days`` (whole years, with a year's margin).

        ``counts[i]`` is the number of working days in [base, base + i], so counting and
        adding working days are two lookups instead of a walk through the calendar.
        """
        low = min(d.year for d in days) - 1
        high = max(d.year for d in days) + 1
        _, counts, first_year, last_year = self._table
        if counts and first_year <= low and high <= last_year:
            return
        if counts:
            low, high = min(low, first_year), max(high, last_year)
        low, high = max(low, FIRST_YEAR), min(high, LAST_YEAR)
        for year in (low, high):
            self._closed_days(year)  # raises CalendarError outside the covered years
        base = dt.date(low, 1, 1).toordinal()
        last = dt.date(high, 12, 31).toordinal()
        cumulative: list[int] = []
        running = 0
        closed: dict[int, str] = {}
        year = 0
        for ordinal in range(base, last + 1):
            day = dt.date.fromordinal(ordinal)
            if day.year != year:
                year = day.year
                closed = self._closed_days(year)
            if day.weekday() < 5 and ordinal not in closed:
                running += 1
            cumulative.append(running)
        self._table = (base, cumulative, low, high)

    def add_working_days(self, day: Date, count: int) -> Date:
        """The ``count``-th working day after ``day`` (before it, if ``count`` is negative).

        Day 0 is ``day`` itself, whether or not it is a working day, so the result is always a
        working day and ``working_days_between(day, result) == count``. ``count == 0`` returns
        ``day`` unchanged.
        """
        if count == 0:
            return day
        ordinal = day.toordinal()
        reach = abs(count) * 3 + 30  # calendar days that surely hold |count| working days
        base, counts, _, _ = self._table
        if not counts or ordinal - reach < base or ordinal + reach >= base + len(counts):
            span = dt.timedelta(days=reach)
            self._index(day - span, day + span)
            base, counts, _, _ = self._table
        here = counts[ordinal - base]
        if count > 0:
            # The first day whose running count reaches here + count is that working day.
            return dt.date.fromordinal(base + bisect.bisect_left(counts, here + count))
        # Backward: the working day d with [d, day) holding |count| working days.
        here_before = here - (1 if self.is_working_day(day) else 0)
        return dt.date.fromordinal(base + bisect.bisect_left(counts, here_before + count + 1))

    def add_months(self, day: Date, months: int) -> Date:
        """:func:`add_months`, remembered on this calendar (pendulum is slow and dates repeat)."""
        key = (day.toordinal(), months)
        found = self._months.get(key)
        if found is None:
            found = self._months[key] = add_months(day, months)
        return found

    def working_days_between(self, start: Date, end: Date) -> int:
        """Working days from ``start`` to ``end``, the inverse of :meth:`add_working_days`.

        Forward (``end`` > ``start``): the working days in (``start``, ``end``], so an ICPC held on
        the due date is 0 working days late and one held the next working day is 1. Backward: minus
        the working days in [``end``, ``start``). A same-day event is 0.
        """
        if end == start:
            return 0
        if end < start:
            # Mirror image of the forward count: shift both ends back one day.
            one = dt.timedelta(days=1)
            return -self.working_days_between(end - one, start - one)
        first, last = start.toordinal(), end.toordinal()
        base, counts, _, _ = self._table
        if not counts or first < base or last >= base + len(counts):
            self._index(start, end)
            base, counts, _, _ = self._table
        return counts[last - base] - counts[first - base]

    def closed_weekdays_between(self, start: Date, end: Date) -> list[tuple[Date, str]]:
        """Bank holidays and local closures on weekdays in (``start``, ``end``], in date order.

        These are the days an explanation names as "skipped".
        """
        low, high = (start, end) if start <= end else (end, start)
        first, last = low.toordinal(), high.toordinal()
        found: list[tuple[Date, str]] = []
        for year in range(low.year, high.year + 1):
            ordinals, named = self._closed_list(year)
            # Both ends by bisection: an explanation asks this of every working-day deadline.
            found += named[bisect.bisect_right(ordinals, first) : bisect.bisect_right(ordinals, last)]
        return found

    def _closed_list(self, year: int) -> tuple[list[int], list[tuple[Date, str]]]:
        """``_closed_days(year)`` as sorted ordinals beside their (date, name) pairs."""
        cached = self._closed_lists.get(year)
        if cached is None:
            closed = self._closed_days(year)
            cached = self._closed_lists[year] = (
                list(closed),
                [(dt.date.fromordinal(o), name) for o, name in closed.items()],
            )
        return cached

    def roll_note(self, day: Date) -> str | None:
        """Why a calendar-day or month deadline on ``day`` is not a working day, if it is not.

        The deadline is not moved (no source says it rolls forward); the explanation says so.
        """
        if day.weekday() >= 5:
            return f"{human_date(day)} is a {'Saturday' if day.weekday() == 5 else 'Sunday'}"
        name = self.holiday_name(day)
        if name:
            return f"{human_date(day)} is {name}"
        return None
