"""The SSD's looked-after tables (episodes, reviews, visits, health, person), worked out by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

COMMAND = str(Path(sys.executable).parent / "timescales")
REVIEWS = "england.cla-reviews-20-working-days-3-months-6-months"
VISITS = "england.cla-visits-1-week-then-6-weekly"
INITIAL_HEALTH = "england.cla-initial-health-assessment-20-working-days"
HEALTH_UNDER_5 = "england.cla-review-health-assessment-under-5"

TABLES = {
    "ssd_person.csv": "pers_person_id,pers_dob\nP1,2021-06-01\nP2,2015-01-01\n",
    # P1 comes into care Thu 28 Mar 2024 and moves on Fri 10 May (X1, then RNE P): one period of
    # care, two placements. P2's second episode has a start reason that is no 903 code.
    "ssd_cla_episodes.csv": (
        "clae_cla_episode_id,clae_person_id,clae_cla_episode_start_date,clae_cla_episode_start_reason,"
        "clae_cla_episode_ceased_date,clae_cla_episode_ceased_reason,clae_cla_id\n"
        "E1,P1,28/03/2024,S,10/05/2024,X1,C1\n"
        "E2,P1,10/05/2024,P,,,C1\n"
        "E3,P2,01/04/2024,S,,,C2\n"
        "E4,P2,01/05/2024,Q,,,C2\n"
    ),
    # Reviews name the period of care, not the child. R3 was cancelled; R9's period is unknown.
    "ssd_cla_reviews.csv": (
        "clar_cla_review_id,clar_cla_id,clar_cla_review_due_date,clar_cla_review_date,clar_cla_review_cancelled\n"
        "R1,C1,29/04/2024,30/04/2024,N\n"
        "R2,C1,30/07/2024,30/07/2024,N\n"
        "R3,C1,,01/10/2024,Y\n"
        "R9,C9,,01/10/2024,N\n"
    ),
    "ssd_cla_visits.csv": (
        "clav_cla_visit_id,clav_person_id,clav_cla_visit_date,clav_cla_visit_seen_alone\n"
        "V1,P1,04/04/2024,Y\nV2,P1,17/05/2024,N\nV3,P1,01/07/2024,Y\n"
    ),
    "ssd_cla_health.csv": (
        "clah_health_check_id,clah_person_id,clah_health_check_type,clah_health_check_date,clah_health_check_status\n"
        "H1,P1,Health Assessment,20/04/2024,Completed\n"
        "H2,P1,Dental Check,01/06/2024,Completed\n"
    ),
}

#: (rule, status, due, met on), worked by hand for P1 at 31 Dec 2024.
HAND_WORKED = [
    # Thu 28 Mar + 20 working days, Good Friday and Easter Monday skipped = Mon 29 Apr (the
    # council's own due date too); held Tue 30 Apr: a working day late.
    (REVIEWS, "late", "2024-04-29", "2024-04-30"),
    # 30 Apr + 3 months = Tue 30 Jul, held that day (the cancelled R3 of 1 Oct is no review).
    (REVIEWS, "met", "2024-07-30", "2024-07-30"),
    # 30 Jul + 6 months = Thu 30 Jan 2025: not yet due.
    (REVIEWS, "pending", "2025-01-30", None),
    # First placement from 28 Mar: a visit by Thu 4 Apr, made that day; the next by 16 May, but
    # the move on 10 May ended that placement's clock.
    (VISITS, "met", "2024-04-04", "2024-04-04"),
    (VISITS, "cancelled", "2024-05-16", None),
    # Second placement from Fri 10 May: by Fri 17 May (made), then 17 May + 6 weeks = Fri 28 Jun
    # (made Mon 1 Jul: late), then 1 Jul + 6 weeks = Mon 12 Aug (none: overdue).
    (VISITS, "met", "2024-05-17", "2024-05-17"),
    (VISITS, "late", "2024-06-28", "2024-07-01"),
    (VISITS, "missing", "2024-08-12", None),
    # Initial health assessment by Mon 29 Apr, made Sat 20 Apr. Under 5 (born 1 Jun 2021): the next
    # by Sun 20 Oct 2024, none made. The dental check is not a health assessment.
    (INITIAL_HEALTH, "met", "2024-04-29", "2024-04-20"),
    (HEALTH_UNDER_5, "missing", "2024-10-20", None),
]


def _check(folder: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = subprocess.run(
        [COMMAND, "check", str(folder), "--as-of", "2024-12-31", "--format", "json", "--all"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result, json.loads(result.stdout)


def test_the_looked_after_tables_give_the_findings_worked_out_by_hand(tmp_path: Path) -> None:
    for name, text in TABLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result, report = _check(tmp_path)
    assert result.returncode == 2  # P2's code and R9's unknown period of care
    (case,) = [c for c in report["cases"] if c["case"] == "P1"]
    got = sorted(
        (f["rule"], f["status"], f["due"], f["met_by"]["date"] if f["met_by"] else None)
        for f in case["findings"]
        if f["rule"] in (REVIEWS, VISITS, INITIAL_HEALTH, HEALTH_UNDER_5)
    )
    assert got == sorted(HAND_WORKED, key=lambda row: (row[0], row[1], row[2], row[3] or ""))
    errors = result.stderr
    assert (
        "ssd_cla_episodes.csv:5: clae_cla_episode_start_reason: 'Q' is not a reason for a new episode"
        in errors
    )
    assert errors.count("'Q' is not a reason") == 1
    assert "ssd_cla_reviews.csv:5: clar_cla_id: clar_cla_id 'C9' names no period of care" in errors
    assert not [c for c in report["cases"] if c["case"] == "P2"]  # left out, not half-checked


def test_placements_come_from_ssd_cla_placement_when_it_is_given(tmp_path: Path) -> None:
    for name, text in TABLES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # The placement table says the second placement began on Mon 13 May, not 10 May.
    (tmp_path / "ssd_cla_placement.csv").write_text(
        "clap_cla_placement_id,clap_person_id,clap_cla_placement_start_date\nPL1,P1,28/03/2024\nPL2,P1,13/05/2024\n",
        encoding="utf-8",
    )
    _, report = _check(tmp_path)
    (case,) = [c for c in report["cases"] if c["case"] == "P1"]
    starts = sorted(
        f["trigger"]["date"] for f in case["findings"] if f["rule"] == VISITS and f["occurrence"] == 1
    )
    assert starts == ["2024-03-28", "2024-05-13"]


def test_reviews_without_the_episodes_are_refused_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "ssd_cla_reviews.csv").write_text(TABLES["ssd_cla_reviews.csv"], encoding="utf-8")
    result, _ = _check(tmp_path)
    assert result.returncode == 2
    assert "give ssd_cla_episodes too" in result.stderr
