"""Periods: "15 working days", "3 calendar months", "10 days" (unit not stated).

A period is applied to a date through the calendar module; this module only knows what each unit
means and which readings an unclear unit has.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from functools import cached_property

from ..calendar import WorkingCalendar, add_calendar_days, add_weeks


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
#: Written after "days" to say the source itself leaves the kind of day open (silences lint W301).
UNSTATED_MARK = " (unit not stated)"


def parse_period(text: str) -> Period:
    """Parse ``"15 working days"``; raise ``ValueError`` saying what is accepted.

    ``"15 days (unit not stated)"`` is the same as ``"15 days"`` but says the author means it.
    """
    text = text.strip()
    acknowledged = text.endswith(UNSTATED_MARK)
    if acknowledged:
        text = text[: -len(UNSTATED_MARK)]
    match = _PERIOD.fullmatch(text)
    if not match or match.group(2) not in _UNIT_WORDS:
        raise ValueError(
            f"cannot read the period {text!r}: write a number and one of working days, "
            "calendar days, days (when the source does not say which), weeks, calendar months"
        )
    amount = int(match.group(1))
    unit = _UNIT_WORDS[match.group(2)]
    singular = match.group(2).endswith(("day", "week", "month"))
    if (amount == 1) != singular:
        raise ValueError(f"{text!r}: write '1 working day' but '2 working days'")
    if acknowledged and unit is not Unit.DAYS_UNSTATED:
        raise ValueError(f"'{UNSTATED_MARK.strip()}' goes only after 'days'")
    return Period(amount, unit, acknowledged)


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit
    #: For "days": the author wrote "(unit not stated)", so the unclear unit is deliberate.
    unstated_on_purpose: bool = field(default=False, compare=False)

    def readings(self) -> tuple[Unit, ...]:
        """The units to evaluate: both kinds of day when the source leaves it unclear."""
        return self._readings

    @cached_property
    def _readings(self) -> tuple[Unit, ...]:
        if self.unit is Unit.DAYS_UNSTATED:
            return (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS)
        return (self.unit,)

    def describe(self, unit: Unit | None = None) -> str:
        word = _UNIT_NOUN[unit or self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"

    def shift(self, day: dt.date, calendar: WorkingCalendar, unit: Unit, sign: int) -> dt.date:
        """``day`` moved by this period, forward (``sign=1``) or back (``sign=-1``), in ``unit``."""
        amount = sign * self.amount
        if unit is Unit.WORKING_DAYS:
            return calendar.add_working_days(day, amount)
        if unit is Unit.CALENDAR_DAYS:
            return add_calendar_days(day, amount)
        if unit is Unit.WEEKS:
            return add_weeks(day, amount)
        if unit is Unit.CALENDAR_MONTHS:
            return calendar.add_months(day, amount)
        raise ValueError("an unstated unit has no single reading; use readings()")
