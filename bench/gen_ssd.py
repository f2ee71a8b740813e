"""Writes a synthetic SSD extract: one ``ssd_<table>.csv`` per table, with the SSD specs' field names.

    python bench/gen_ssd.py PERSONS FOLDER

Persons follow three patterns in turn (person ``P000000`` the first, ``P000001`` the second...),
each starting a week after the one before (the week cycles every 40 persons, so any number of
persons stays within a year and a half of dates). The tests work the first three out by hand:

* pattern 0: everything on time; the ICPC target date the council recorded is right;
* pattern 1: the assessment and the ICPC late, no review held; the council's ICPC target date is
  15 *calendar* days after the strategy discussion (a system computing the deadline wrongly);
* pattern 2: the enquiry ends with no further action (no ICPC needed), no assessment authorised,
  the episode closed before the assessment was due.

Fields not used by timescales are written too (empty or plausible), as a real extract has them.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

FIRST_REFERRAL = dt.date(2023, 9, 4)  # a Monday, with no bank holiday before Christmas

COLUMNS = {
    "ssd_person": ["pers_person_id", "pers_sex", "pers_dob", "pers_legacy_id"],
    "ssd_contacts": [
        "cont_contact_id",
        "cont_person_id",
        "cont_contact_date",
        "cont_contact_source_code",
        "cont_contact_source_desc",
        "cont_contact_outcome_json",
    ],
    "ssd_cin_episodes": [
        "cine_referral_id",
        "cine_person_id",
        "cine_referral_date",
        "cine_cin_primary_need_code",
        "cine_referral_source_code",
        "cine_referral_nfa",
        "cine_close_reason",
        "cine_close_date",
        "cine_referral_team",
        "cine_referral_worker_id",
    ],
    "ssd_cin_assessments": [
        "cina_assessment_id",
        "cina_person_id",
        "cina_referral_id",
        "cina_assessment_start_date",
        "cina_assessment_child_seen",
        "cina_assessment_auth_date",
        "cina_assessment_team",
        "cina_assessment_worker_id",
    ],
    "ssd_s47_enquiry": [
        "s47e_s47_enquiry_id",
        "s47e_referral_id",
        "s47e_person_id",
        "s47e_s47_start_date",
        "s47e_s47_end_date",
        "s47e_s47_nfa",
        "s47e_s47_outcome_json",
        "s47e_s47_completed_by_team",
        "s47e_s47_completed_by_worker_id",
    ],
    "ssd_initial_cp_conference": [
        "icpc_icpc_id",
        "icpc_icpc_meeting_id",
        "icpc_s47_enquiry_id",
        "icpc_person_id",
        "icpc_cp_plan_id",
        "icpc_referral_id",
        "icpc_icpc_transfer_in",
        "icpc_icpc_target_date",
        "icpc_icpc_date",
        "icpc_icpc_outcome_cp_flag",
        "icpc_icpc_team",
        "icpc_icpc_worker_id",
    ],
    "ssd_cp_plans": [
        "cppl_cp_plan_id",
        "cppl_referral_id",
        "cppl_icpc_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        "cppl_cp_plan_initial_category",
    ],
    "ssd_cp_reviews": [
        "cppr_cp_review_id",
        "cppr_person_id",
        "cppr_cp_plan_id",
        "cppr_cp_review_due",
        "cppr_cp_review_date",
        "cppr_cp_review_outcome_continue_cp",
        "cppr_cp_review_quorate",
    ],
    "ssd_cp_visits": [
        "cppv_cp_visit_id",
        "cppv_person_id",
        "cppv_cp_plan_id",
        "cppv_cp_visit_date",
        "cppv_cp_visit_seen",
        "cppv_cp_visit_seen_alone",
        "cppv_cp_visit_bedroom",
    ],
    "ssd_involvements": [
        "invo_involvements_id",
        "invo_professional_id",
        "invo_professional_role_id",
        "invo_professional_team",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
        "invo_worker_change_reason",
        "invo_person_id",
        "invo_referral_id",
    ],
}


def _day(day: dt.date) -> str:
    """As SQL Server exports a datetime column."""
    return f"{day.isoformat()} 00:00:00.000"


def person_rows(k: int) -> Iterator[tuple[str, list[str]]]:
    """The rows of person ``k``: (table, row)."""
    person = f"P{k:06d}"
    r = FIRST_REFERRAL + dt.timedelta(weeks=k % 40)  # Monday of the referral
    pattern = k % 3
    team, worker = f"Team {'ABC'[k % 3]}", f"W{k % 50:02d}"
    ref = f"R{k}"
    yield "ssd_person", [person, "F", "2015-06-01", ""]
    yield "ssd_contacts", [f"C{k}", person, _day(r - dt.timedelta(days=1)), "1A", "Police", ""]
    closed = r + dt.timedelta(days=53) if pattern == 2 else None  # Fri 10 Nov for person 2
    yield (
        "ssd_cin_episodes",
        [
            ref,
            person,
            _day(r),
            "N1",
            "1A",
            "N",
            "RC1" if closed else "",
            _day(closed) if closed else "",
            "",
            "",
        ],
    )
    auth = {0: r + dt.timedelta(weeks=9), 1: r + dt.timedelta(weeks=10), 2: None}[pattern]
    yield (
        "ssd_cin_assessments",
        [f"A{k}", person, ref, _day(r + dt.timedelta(days=1)), "Y", _day(auth) if auth else "", "", ""],
    )
    s47 = r + dt.timedelta(days=2)  # a Wednesday
    if pattern == 2:
        end, nfa, flag = s47 + dt.timedelta(days=9), "Y", "N"
    else:
        end, nfa, flag = s47 + dt.timedelta(days=12), "N", "Y"
    outcome = f'{{"NFA_FLAG": "{nfa}", "CP_CONFERENCE_FLAG": "{flag}", "TOTAL_NO_OF_OUTCOMES": 1}}'
    yield (
        "ssd_s47_enquiry",
        [f"S{k}", ref, person, _day(s47), _day(end), nfa, outcome, "Safeguarding Hub", "W99"],
    )
    if pattern == 2:
        yield "ssd_involvements", [f"I{k}", worker, "SW", team, _day(r), "", "", person, ref]
        return
    icpc = s47 + dt.timedelta(weeks=3 if pattern == 0 else 4)
    target = s47 + dt.timedelta(weeks=3) if pattern == 0 else s47 + dt.timedelta(days=15)
    plan = f"PL{k}"
    yield (
        "ssd_initial_cp_conference",
        [f"I{k}", "", f"S{k}", person, plan, ref, "N", _day(target), _day(icpc), "Y", "", ""],
    )
    yield "ssd_cp_plans", [plan, ref, f"I{k}", person, _day(icpc), "", "PHY"]
    if pattern == 0:
        review = icpc + dt.timedelta(weeks=11)
        due = icpc + dt.timedelta(days=91)
        yield "ssd_cp_reviews", [f"V{k}", person, plan, _day(due), _day(review), "Y", "Y"]
    for n in range(4):
        yield (
            "ssd_cp_visits",
            [
                f"CV{k}-{n}",
                person,
                plan,
                _day(icpc + dt.timedelta(days=7 * (n + 1))),
                "Y",
                "Y" if n % 2 == 0 else "N",
                "Y",
            ],
        )
    yield "ssd_involvements", [f"I{k}", worker, "SW", team, _day(r), "", "", person, ref]


def write_extract(persons: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handles = {name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") for name in COLUMNS}
    try:
        writers = {name: csv.writer(handle) for name, handle in handles.items()}
        for name, columns in COLUMNS.items():
            writers[name].writerow(columns)
        for k in range(persons):
            for table, row in person_rows(k):
                writers[table].writerow(row)
    finally:
        for handle in handles.values():
            handle.close()


if __name__ == "__main__":
    write_extract(int(sys.argv[1]), Path(sys.argv[2]))
