"""Date arithmetic: hand-checked cases, GOV.UK's own list, and properties."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from govuk_bank_holidays.bank_holidays import BankHolidays
from hypothesis import given
from hypothesis import strategies as st

from timescales.calendar import WorkingCalendar, add_months, parse_iso_date
from timescales.errors import CalendarError

CASES = Path(__file__).parent / "data" / "date_cases.csv"
CALENDARS = {"wd": "england", "wd_sct": "scotland", "wd_nir": "northern-ireland"}


def _rows() -> list[dict[str, str]]:
    with CASES.open() as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['op']} {r['start']} {r['amount']}")
def test_date_case(row: dict[str, str]) -> None:
    start = dt.date.fromisoformat(row["start"])
    amount = int(row["amount"])
    expected = dt.date.fromisoformat(row["expected"])
    if row["op"] == "months":
        assert add_months(start, amount) == expected, row["why"]
    else:
        calendar = WorkingCalendar(CALENDARS[row["op"]])
        assert calendar.add_working_days(start, amount) == expected, row["why"]
        assert calendar.working_days_between(start, expected) == amount


GOVUK_DIVISIONS = {
    "england": BankHolidays.ENGLAND_AND_WALES,
    "wales": BankHolidays.ENGLAND_AND_WALES,
    "scotland": BankHolidays.SCOTLAND,
    "northern-ireland": BankHolidays.NORTHERN_IRELAND,
}


#: Holidays proclaimed after govuk-bank-holidays took its cached copy of GOV.UK's list.
NEWER_THAN_GOVUK_COPY = {
    # Proclaimed 4 Feb 2026 under the Banking and Financial Dealings Act 1971 s.1(3) (Scotland's
    # World Cup match; Shropshire Star and The Independent, 4-5 Feb 2026).
    ("scotland", dt.date(2026, 6, 15)),
}


@pytest.mark.parametrize("nation", sorted(GOVUK_DIVISIONS))
def test_bank_holidays_match_govuk_for_every_year_it_lists(nation: str) -> None:
    """GOV.UK's list (as shipped in govuk-bank-holidays) against the calendar, year by year."""
    listed = BankHolidays(use_cached_holidays=True).get_holidays(division=GOVUK_DIVISIONS[nation])
    by_year: dict[int, set[dt.date]] = {}
    for item in listed:
        by_year.setdefault(item["date"].year, set()).add(item["date"])
    years = sorted(by_year)
    assert years[0] <= 2018 and years[-1] >= 2025, "GOV.UK list unexpectedly short"
    calendar = WorkingCalendar(nation)
    for year in years:
        ours = set(calendar.bank_holidays(year)) - {d for n, d in NEWER_THAN_GOVUK_COPY if n == nation}
        assert ours == by_year[year], (
            f"{nation} {year}: only ours {ours - by_year[year]}, only GOV.UK {by_year[year] - ours}"
        )


@pytest.mark.parametrize("day", ["2022-06-02", "2022-06-03", "2022-09-19", "2023-05-08"])
def test_one_off_holidays_are_not_working_days(day: str) -> None:
    assert not WorkingCalendar("england").is_working_day(dt.date.fromisoformat(day))


def test_old_and_future_years_are_covered_without_gaps() -> None:
    calendar = WorkingCalendar("england")
    assert not calendar.is_working_day(dt.date(1995, 12, 25))
    assert not calendar.is_working_day(dt.date(2031, 12, 25))
    with pytest.raises(CalendarError):
        calendar.is_working_day(dt.date(1850, 1, 2))


def test_local_closure_days_are_skipped() -> None:
    calendar = WorkingCalendar("england", {dt.date(2023, 12, 27): "council closure"})
    assert calendar.add_working_days(dt.date(2023, 12, 22), 1) == dt.date(2023, 12, 28)
    assert WorkingCalendar("england").add_working_days(dt.date(2023, 12, 22), 1) == dt.date(2023, 12, 27)


@pytest.mark.parametrize("text", ["now", "01/05/2024", "2024-13-01", "2023-02-29", "2024-1-5", ""])
def test_parse_refuses_anything_but_real_iso_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_date(text)


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))
ENGLAND = WorkingCalendar("england")


@given(days, days, st.integers(min_value=0, max_value=80))
def test_a_later_trigger_never_gives_an_earlier_working_day_due_date(a: dt.date, b: dt.date, n: int) -> None:
    early, late = sorted((a, b))
    assert ENGLAND.add_working_days(early, n) <= ENGLAND.add_working_days(late, n)


@given(days, days, st.integers(min_value=0, max_value=30))
def test_a_later_trigger_never_gives_an_earlier_month_due_date(a: dt.date, b: dt.date, n: int) -> None:
    early, late = sorted((a, b))
    assert add_months(early, n) <= add_months(late, n)


@given(days, st.integers(min_value=-80, max_value=80))
def test_adding_then_counting_working_days_round_trips(day: dt.date, n: int) -> None:
    due = ENGLAND.add_working_days(day, n)
    assert ENGLAND.working_days_between(day, due) == n
    if n != 0:
        assert ENGLAND.is_working_day(due)


@given(days, days)
def test_counting_forward_counts_the_end_day_only(a: dt.date, b: dt.date) -> None:
    start, end = sorted((a, b))
    expected = sum(
        1 for i in range(1, (end - start).days + 1) if ENGLAND.is_working_day(start + dt.timedelta(days=i))
    )
    assert ENGLAND.working_days_between(start, end) == expected
