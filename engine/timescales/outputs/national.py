"""England's own figures for the DfE-style measures, shown beside a run's measures in the report.

Each figure is worked out from the national row of the DfE's published data set, read through
explore-education-statistics (Characteristics of children in need), with the year it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..measures import LOOKED_AFTER_ROWS


@dataclass(frozen=True)
class NationalFigure:
    percent: float
    year: str
    source: str
    url: str
    working: str


NATIONAL = {
    # C4, reporting year 2023, England: ICPCs 74,380; durations 0-10 working days 6,850, 11-15 51,480.
    "icpc_within_15_working_days": NationalFigure(
        78.4,
        "year to 31 March 2023",
        "DfE, Characteristics of children in need, table C4",
        "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/9cc01e71-9809-4aca-ab8a-413c91312c4a",
        "(6,850 + 51,480) of 74,380 initial conferences",
    ),
    # C2, reporting year 2025, England: 648,830 assessments; same day 11,680, 1-10 75,590,
    # 11-20 112,180, 21-30 102,260, 31-40 131,380, 41-45 122,730 (555,820 within 45 working days).
    "assessments_within_45_working_days": NationalFigure(
        85.7,
        "year to 31 March 2025",
        "DfE, Characteristics of children in need, table C2",
        "https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/3fb5a93d-1eb3-4f3a-bdd0-5caea4556ce6",
        "555,820 of 648,830 assessments",
    ),
}

#: The measures the summary shows: key in the measures, label, the key of the number judged.
MEASURE_ROWS = (
    (
        "icpc_within_15_working_days",
        "Initial conferences within 15 working days of the section 47 start",
        "conferences",
    ),
    ("assessments_within_45_working_days", "Assessments within 45 working days of their start", "completed"),
    ("reviews_on_time", "Review conferences on time", "due"),
    *((key, label, "due") for key, label in LOOKED_AFTER_ROWS),
)
