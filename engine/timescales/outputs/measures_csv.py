"""The DfE-style measures in the DfE's own tidy layout (``--format measures-csv``).

One row per council and reporting year, with the columns of the DfE's published Children in Need
tables C4 (section 47 enquiries and initial child protection conferences) and C2 (completed
assessments by duration), as explore-education-statistics publishes them, so a council's figures
can be put beside the national file by column name: ``time_period`` (the reporting year, named by
the 31 March it ends on), ``time_identifier`` ("Reporting year"), ``geographic_level``
("Local authority"), the country, region and council columns, then C4's ICPC count, duration
bands and percentiles, then C2's.

Counted as the DfE counts: the conferences and completed assessments that fell in the reporting
year of each case's as-of date (a census's year), with their working-day durations. A column the
input cannot give (a region, the council's codes when no local pack names them) is ``x``, the
DfE's symbol for "not available"; a percentile of no durations is ``z`` ("not applicable"). No
byte order mark (the national files have none); the last line, starting ``#``, is the provenance.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from ..findings import CaseReport
from ..measures import ASSESSMENT_BANDS, ICPC_BANDS

if TYPE_CHECKING:
    from . import RunTotals

NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
#: England's code in the DfE's files.
ENGLAND = ("E92000001", "England")

GEOGRAPHY = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
#: C4's columns: the number of conferences, their duration bands and percentiles (working days
#: from the start of the section 47 enquiry).
C4 = (
    "ICPC",
    *(f"Duration_{name}_days" for _, _, name in ICPC_BANDS),
    "Duration_25th_Percentile",
    "Duration_median",
    "Duration_75th_Percentile",
)
#: C2's: completed assessments, their duration bands and percentiles (working days from start to
#: authorisation).
C2 = (
    "Assessments_completed",
    *("Same_day" if name == "same day" else f"{name}_days" for _, _, name in ASSESSMENT_BANDS),
    "25th_Percentile_days",
    "Median_days",
    "75th_Percentile_days",
)
COLUMNS = (*GEOGRAPHY, *C4, *C2)

#: The ONS codes of the councils whose local packs timescales ships (checked against published
#: code lists); others are "x".
NEW_LA_CODES = {
    "liverpool": "E08000012",
    "cheshire-east": "E06000049",
    "cambridgeshire": "E10000003",
    "lancashire": "E10000017",
}


def _number(value: float | None) -> Any:
    if value is None:
        return NOT_APPLICABLE
    return int(value) if float(value).is_integer() else value


def measures_row(authority: str, year: int, measures: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the layout: a council's measures (``Measures.to_dict()``) for a reporting year."""
    icpc = measures["icpc_within_15_working_days"]
    assessments = measures["assessments_within_45_working_days"]
    icpc_days, assessment_days = icpc["working_days"], assessments["working_days"]
    values = [
        str(year),
        "Reporting year",
        "Local authority",
        *ENGLAND,
        NOT_AVAILABLE,
        NOT_AVAILABLE,
        NOT_AVAILABLE,
        NEW_LA_CODES.get(authority, NOT_AVAILABLE),
        authority or NOT_AVAILABLE,
        icpc["conferences"],
        *(icpc["bands"][name] for _, _, name in ICPC_BANDS),
        *(_number(icpc_days[k]) for k in ("25th_percentile", "median", "75th_percentile")),
        assessments["completed"],
        *(assessments["bands"][name] for _, _, name in ASSESSMENT_BANDS),
        *(_number(assessment_days[k]) for k in ("25th_percentile", "median", "75th_percentile")),
    ]
    return dict(zip(COLUMNS, values, strict=True))


class MeasuresCsvWriter:
    """Writes the measures per council and reporting year at the end of the run (cases are not
    listed: this is a table of figures)."""

    #: Asks the run to count the measures per council and reporting year (batch.py).
    wants_measures_by_area = True

    def __init__(self, out: TextIO):
        self.out = out

    def start(self, as_of: dt.date | None, excluded_rules: tuple[str, ...]) -> None:
        return None

    def render(self, report: CaseReport) -> str:
        return ""

    def emit(self, rendered: str) -> None:
        return None

    def case(self, report: CaseReport) -> None:
        return None

    def finish(self, totals: RunTotals) -> None:
        writer = csv.DictWriter(self.out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for (authority, year), measures in sorted((totals.measures_by_area or {}).items()):
            writer.writerow(measures_row(authority, year, measures))
        if totals.provenance is not None:
            # A comment line, not a row, so the table reads as the DfE's (pandas: comment="#").
            self.out.write("# " + totals.provenance.line() + "\n")
