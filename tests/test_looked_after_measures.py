"""Looked-after measures (reviews, visits, health assessments on time), worked out by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import timescales
from timescales.calendar import WorkingCalendar
from timescales.measures import Measures, measures_lines

# Child A: in care Mon 1 Jul 2024. First review due +20 WD = Mon 29 Jul; held Fri 26 Jul (on time).
# Second due 26 Jul + 3 months = Sat 26 Oct; held Mon 28 Oct (late). The third is due 28 Apr 2025,
# after the as-of date (not counted). Visits: placement 1 Jul, due Mon 8 Jul, visited 5 Jul (on
# time); next due 5 Jul + 6 weeks = Fri 16 Aug, visited Tue 20 Aug (late); next due Tue 1 Oct,
# none (overdue). Initial health assessment due 29 Jul, made 10 Jul (on time).
# Child B: in care Mon 2 Sep 2024, left Fri 13 Sep: the review and health clocks end unjudged, but
# the first visit was due Mon 9 Sep, before the period ended, and none was made (overdue).
LOG = """case,child,id,type,date,under_five,team,worker
A,A,start,looked_after_started,2024-07-01,,CiC 1,W1
A,A,pl,placement_started,2024-07-01,,CiC 1,W1
A,A,v1,cla_visit,2024-07-05,,CiC 1,W1
A,A,ha,health_assessment,2024-07-10,false,CiC 1,W1
A,A,r1,cla_review,2024-07-26,,CiC 1,W1
A,A,v2,cla_visit,2024-08-20,,CiC 1,W1
A,A,r2,cla_review,2024-10-28,,CiC 1,W1
B,B,start,looked_after_started,2024-09-02,,CiC 2,W2
B,B,pl,placement_started,2024-09-02,,CiC 2,W2
B,B,end,looked_after_ended,2024-09-13,,CiC 2,W2
"""


def _on_time(on_time: int, due: int) -> dict[str, object]:
    return {"due": due, "on_time": on_time, "percent": round(100 * on_time / due, 1) if due else None}


def test_looked_after_measures_per_team_and_worker_are_worked_out_by_hand(tmp_path: Path) -> None:
    log = tmp_path / "looked-after.csv"
    log.write_text(LOG, encoding="utf-8")
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(log), "--as-of", "2025-03-31", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    measures = json.loads(result.stdout)["summary"]["measures"]
    assert measures["cla_first_reviews_on_time"] == _on_time(1, 1)
    assert measures["cla_second_reviews_on_time"] == _on_time(0, 1)
    assert measures["cla_later_reviews_on_time"] == _on_time(0, 0)
    assert measures["cla_visits_on_time"] == _on_time(1, 4)
    assert measures["cla_health_assessments_on_time"] == _on_time(1, 1)
    by = measures["looked_after_by"]
    assert set(by) == {"team", "worker"}  # a CSV log names no council
    assert by["team"]["CiC 1"] == {
        "cla_first_reviews_on_time": _on_time(1, 1),
        "cla_second_reviews_on_time": _on_time(0, 1),
        "cla_visits_on_time": _on_time(1, 3),
        "cla_health_assessments_on_time": _on_time(1, 1),
    }
    assert by["team"]["CiC 2"] == {"cla_visits_on_time": _on_time(0, 1)}
    assert by["worker"]["W2"] == by["team"]["CiC 2"]
    text = subprocess.run(
        [str(command), "check", str(log), "--as-of", "2025-03-31", "--summary-only"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "Statutory visits to looked-after children on time: 1 of 4 (25.0%)" in text
    assert "CiC 1: first reviews 1/1, second reviews 0/1, visits 1/3, health assessments 1/1" in text
    page = tmp_path / "report.html"
    subprocess.run(
        [str(command), "check", str(log), "--as-of", "2025-03-31", "--output", str(page)],
        capture_output=True,
        check=False,
    )
    html = page.read_text(encoding="utf-8")
    assert 'id="looked-after-by-team"' in html and "1 of 3 (33.3%)" in html


def test_looked_after_measures_per_council_and_merged(rules: timescales.RuleSet) -> None:
    def case(name: str, authority: str, review: str) -> timescales.Timeline:
        return timescales.load_timeline(
            {
                "case": name,
                "authority": authority,
                "events": [
                    {"id": "start", "type": "looked_after_started", "date": "2024-07-01"},
                    {"id": "r1", "type": "cla_review", "date": review},
                ],
            }
        )

    calendar = WorkingCalendar("england")
    as_of = dt.date(2024, 9, 30)
    totals = Measures()
    # Due Mon 29 Jul 2024: Liverpool's review on the due day is on time, Cheshire East's a day late.
    # Neither had its initial health assessment by that day (overdue at the as-of date).
    for timeline in (case("L1", "liverpool", "2024-07-29"), case("C1", "cheshire-east", "2024-07-30")):
        part = Measures()
        part.add(timeline, timescales.check(timeline, rules, as_of=as_of), calendar)
        totals.merge(part)
    figures = totals.to_dict()
    assert figures["cla_first_reviews_on_time"] == _on_time(1, 2)
    assert figures["cla_health_assessments_on_time"] == _on_time(0, 2)
    no_health = {"cla_health_assessments_on_time": _on_time(0, 1)}
    assert figures["looked_after_by"] == {
        "council": {
            "cheshire-east": {"cla_first_reviews_on_time": _on_time(0, 1), **no_health},
            "liverpool": {"cla_first_reviews_on_time": _on_time(1, 1), **no_health},
        }
    }
    assert "    liverpool: first reviews 1/1, health assessments 0/1" in measures_lines(figures)


def test_a_list_of_latest_dates_gives_no_on_time_measures(rules: timescales.RuleSet) -> None:
    # Annex A holds only the latest review: it shows what is overdue, never what was on time.
    timeline = timescales.load_timeline(
        {"case": "S", "events": [{"id": "r", "type": "cla_review", "date": "2024-01-10"}]}
    )
    listed = dataclasses.replace(timeline, latest_only=frozenset({"cla_review"}))
    measures = Measures()
    report = timescales.check(listed, rules, as_of=dt.date(2024, 12, 31))
    assert [f.status.value for f in report.findings] == ["missing"]  # overdue at the list date
    measures.add(listed, report, WorkingCalendar("england"))
    assert measures.to_dict()["cla_later_reviews_on_time"]["due"] == 0


def test_a_regional_903_gives_measures_per_council(tmp_path: Path) -> None:
    # Leeds: in care Mon 2 Sep 2024, first review due Mon 30 Sep, held Tue 1 Oct (late); the second
    # due Wed 1 Jan 2025, none. Bradford: in care the same day, reviewed Fri 27 Sep (on time); the
    # second due Fri 27 Dec, none.
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN,LA,YEAR\n"
        "1002,2024-09-02,S,V2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111,Leeds,2025\n"
        "1002,2024-09-02,S,V2,N1,U1,PR1,,,,BD1 1AA,BD2 2BB,SC111111,Bradford,2025\n",
        encoding="utf-8",
    )
    (tmp_path / "reviews.csv").write_text(
        "CHILD,DOB,REVIEW,REVIEW_CODE,LA,YEAR\n"
        "1002,2016-01-01,2024-10-01,PN1,Leeds,2025\n"
        "1002,2016-01-01,2024-09-27,PN1,Bradford,2025\n",
        encoding="utf-8",
    )
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    by_council = json.loads(result.stdout)["summary"]["measures"]["looked_after_by"]["council"]
    assert by_council == {
        "Bradford": {
            "cla_first_reviews_on_time": _on_time(1, 1),
            "cla_second_reviews_on_time": _on_time(0, 1),
        },
        "Leeds": {"cla_first_reviews_on_time": _on_time(0, 1), "cla_second_reviews_on_time": _on_time(0, 1)},
    }
