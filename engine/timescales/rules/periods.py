"""Periods: "15 working days", "3 calendar months", "10 days" (unit not stated),
"12 calendar months, beginning with the trigger".

A period is applied to a date through the calendar module; this module only knows what each unit
means and which readings a period has:

* "days" without a kind: working days and calendar days;
* "at least N before": counted back N, and N *clear* days (N whole days between the two events,
  excluding both: *R v Turner* [1910] 1 KB 346; *Re Hector Whaling* [1936] Ch 208);
* "beginning with" the trigger: the period includes the trigger's day (LGA 1974 ss.26B, 31(2)),
  so it ends one day sooner than a period "after" it: the same as a period after the day before.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from functools import cached_property

from ..calendar import FIRST_YEAR, LAST_YEAR, WorkingCalendar, add_calendar_days, add_weeks, in_calendar
from ..errors import CalendarError


class Unit(enum.Enum):
    WORKING_DAYS = "working days"
    CALENDAR_DAYS = "calendar days"
    WEEKS = "weeks"
    CALENDAR_MONTHS = "calendar months"
    #: The source says "days" without saying which: both readings are evaluated.
    DAYS_UNSTATED = "days (unit not stated)"


_UNIT_WORDS = {
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
    "calendar day": Unit.CALENDAR_DAYS,
    "calendar days": Unit.CALENDAR_DAYS,
    "day": Unit.DAYS_UNSTATED,
    "days": Unit.DAYS_UNSTATED,
    "week": Unit.WEEKS,
    "weeks": Unit.WEEKS,
    "calendar month": Unit.CALENDAR_MONTHS,
    "calendar months": Unit.CALENDAR_MONTHS,
    "month": Unit.CALENDAR_MONTHS,
    "months": Unit.CALENDAR_MONTHS,
}
#: How a period is written back in explanations ("15 working days").
_UNIT_NOUN = {
    Unit.WORKING_DAYS: "working day",
    Unit.CALENDAR_DAYS: "calendar day",
    Unit.WEEKS: "week",
    Unit.CALENDAR_MONTHS: "calendar month",
    Unit.DAYS_UNSTATED: "day",
}
_PERIOD = re.compile(r"(\d+)\s+([a-z ]+?)")
#: The most calendar days one unit of each kind can span (working days: a week of holidays).
_MOST_DAYS = {
    Unit.WORKING_DAYS: 3,
    Unit.CALENDAR_DAYS: 1,
    Unit.DAYS_UNSTATED: 3,
    Unit.WEEKS: 7,
    Unit.CALENDAR_MONTHS: 31,
}
#: Written after "days" to say the source itself leaves the kind of day open (silences lint W301).
UNSTATED_MARK = " (unit not stated)"
#: Written after a period whose source says "beginning with" the day: the trigger's day is day 1.
INCLUSIVE_MARK = ", beginning with the trigger"
#: Written before the unit of an "at least N before" period the source says is of clear days.
CLEAR_WORD = "clear "


@dataclass(frozen=True)
class Reading:
    """One way of reading a period: a unit, and for "at least N before", whether N days are clear."""

    unit: Unit
    clear: bool = False

    def describe(self) -> str:
        return f"clear {self.unit.value}" if self.clear else self.unit.value


def parse_period(text: str) -> Period:
    """Parse ``"15 working days"``; raise ``ValueError`` saying what is accepted.

    ``"15 days (unit not stated)"`` is the same as ``"15 days"`` but says the author means it.
    """
    text = text.strip()
    inclusive = text.endswith(INCLUSIVE_MARK)
    if inclusive:
        text = text[: -len(INCLUSIVE_MARK)]
    acknowledged = text.endswith(UNSTATED_MARK)
    if acknowledged:
        text = text[: -len(UNSTATED_MARK)]
    clear = False
    number, _, rest = text.partition(" ")
    if rest.startswith(CLEAR_WORD):
        clear, text = True, f"{number} {rest[len(CLEAR_WORD) :]}"
    match = _PERIOD.fullmatch(text)
    if not match or match.group(2) not in _UNIT_WORDS:
        raise ValueError(
            f"cannot read the period {text!r}: write a number and one of working days, "
            "calendar days, days (when the source does not say which), weeks, calendar months; "
            f"add '{INCLUSIVE_MARK}' when the source says the period begins with the day"
        )
    if len(match.group(1)) > 6:
        raise ValueError(f"{match.group(1)[:8]}... {match.group(2)} is longer than any calendar")
    amount = int(match.group(1))
    unit = _UNIT_WORDS[match.group(2)]
    singular = match.group(2).endswith(("day", "week", "month"))
    if (amount == 1) != singular:
        raise ValueError(f"{text!r}: write '1 working day' but '2 working days'")
    if acknowledged and unit is not Unit.DAYS_UNSTATED:
        raise ValueError(f"'{UNSTATED_MARK.strip()}' goes only after 'days'")
    if clear and unit not in (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS, Unit.DAYS_UNSTATED):
        raise ValueError("'clear' goes only before days: '2 clear working days'")
    return Period(amount, unit, acknowledged, inclusive, clear)


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit
    #: For "days": the author wrote "(unit not stated)", so the unclear unit is deliberate.
    unstated_on_purpose: bool = field(default=False, compare=False)
    #: "beginning with" the trigger: the trigger's day is the period's first day.
    inclusive: bool = False
    #: "at least N clear days before": the source itself says the days are clear.
    clear_stated: bool = False

    def readings(self) -> tuple[Unit, ...]:
        """The units to evaluate: both kinds of day when the source leaves it unclear."""
        return self._readings

    @cached_property
    def _readings(self) -> tuple[Unit, ...]:
        if self.unit is Unit.DAYS_UNSTATED:
            return (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS)
        return (self.unit,)

    def judged_readings(self, before: bool) -> tuple[Reading, ...]:
        """Every reading to judge: each unit, and for "at least N before" both the count back and
        clear days (unless the source says clear days), the most lenient first."""
        return self._before_readings if before else self._after_readings

    @cached_property
    def _after_readings(self) -> tuple[Reading, ...]:
        return tuple(Reading(unit) for unit in self._readings)

    @cached_property
    def _before_readings(self) -> tuple[Reading, ...]:
        if self.clear_stated:
            return tuple(Reading(unit, clear=True) for unit in self._readings)
        return tuple(Reading(unit, clear) for clear in (False, True) for unit in self._readings)

    def describe(self, unit: Unit | None = None, *, clear: bool = False) -> str:
        word = _UNIT_NOUN[unit or self.unit]
        clear_word = CLEAR_WORD if clear or self.clear_stated else ""
        text = f"{self.amount} {clear_word}{word}{'' if self.amount == 1 else 's'}"
        return text + (INCLUSIVE_MARK if self.inclusive else "")

    def due(self, day: dt.date, calendar: WorkingCalendar, reading: Reading, sign: int) -> dt.date:
        """The deadline this period sets from ``day`` under ``reading``: after it (``sign=1``) or
        at least this long before it (``sign=-1``)."""
        if sign > 0 and self.inclusive:
            # A period beginning with a day is the same period after the day before it.
            day = add_calendar_days(day, -1)
        if reading.clear:
            # N clear days between the two events: the event must be on or before day N + 1 back.
            return self._moved(day, calendar, reading.unit, sign * (self.amount + 1))
        return self._moved(day, calendar, reading.unit, sign * self.amount)

    def shift(self, day: dt.date, calendar: WorkingCalendar, unit: Unit, sign: int) -> dt.date:
        """``day`` moved by this period, forward (``sign=1``) or back (``sign=-1``), in ``unit``."""
        if sign > 0 and self.inclusive:
            day = add_calendar_days(day, -1)
        return self._moved(day, calendar, unit, sign * self.amount)

    @staticmethod
    def _moved(day: dt.date, calendar: WorkingCalendar, unit: Unit, amount: int) -> dt.date:
        if unit is Unit.WORKING_DAYS:
            return calendar.add_working_days(day, amount)
        if unit is Unit.CALENDAR_DAYS:
            return add_calendar_days(day, amount)
        if unit is Unit.WEEKS:
            return add_weeks(day, amount)
        if unit is Unit.CALENDAR_MONTHS:
            return calendar.add_months(day, amount)
        raise ValueError("an unstated unit has no single reading; use readings()")

    def stays_in_calendar(self, day: dt.date, calendar: WorkingCalendar, sign: int) -> bool:
        """Whether every reading of this period from ``day`` ends inside the calendar's years.

        A period longer than the whole calendar is refused without counting it out.
        """
        if self.amount * _MOST_DAYS[self.unit] > (LAST_YEAR - FIRST_YEAR) * 366:
            return False
        try:
            return all(in_calendar(self.shift(day, calendar, unit, sign)) for unit in self.readings())
        except (CalendarError, OverflowError):
            return False
