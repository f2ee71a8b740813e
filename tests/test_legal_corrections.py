"""The legal corrections of the rule review: each test here failed before its correction.

Closure days, unknown in-force starts, "beginning with" periods, clear days, estimated-date
ranges, the end of a section 47 enquiry, and the measures agreeing with the rules.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timescales
from timescales.findings import Status
from timescales.paths import shipped_rules_dir

SHIPPED = timescales.load_rules()


def _timeline(events: list[dict[str, object]], **extra: object) -> timescales.Timeline:
    return timescales.load_timeline({"case": "T", "events": events, **extra})


def _refused(tmp_path: Path, pack_id: str, rules_text: str) -> list[timescales.Problem]:
    """The problems loading a one-file pack ``pack_id`` with ``rules_text`` reports."""
    pack = tmp_path / pack_id
    pack.mkdir()
    (pack / "pack.yaml").write_text(f"pack: {pack_id}\ntitle: {pack_id}\n", encoding="utf-8")
    (pack / "rules.yaml").write_text(rules_text, encoding="utf-8")
    with pytest.raises(timescales.RuleFileError) as raised:
        timescales.load_rules(tmp_path)
    return list(raised.value.problems)


def _only(report: timescales.Report, rule: str) -> timescales.Finding:
    (finding,) = [f for f in report.findings if f.rule == rule]
    return finding


# -- 5. a pack's closure days apply to its own rules, not to statutory working days -----------------


def _closing_pack(tmp_path: Path, *, extend_national: bool) -> timescales.RuleSet:
    pack = tmp_path / "closingshire"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "pack: closingshire\ntitle: A council closed between Christmas and New Year\n"
        "authority: closingshire\nextends: england\n"
        "non_working_days:\n  - {date: 2024-12-27, name: council closure}\n"
        + ("non_working_days_extend_national_rules: true\n" if extend_national else ""),
        encoding="utf-8",
    )
    (pack / "visits.yaml").write_text(
        "rules:\n"
        "  - id: closingshire.visit-within-10-working-days\n"
        "    title: A visit within 10 working days of the conference\n"
        "    trigger: {type: icpc}\n"
        "    expects: {type: visit}\n"
        "    within: 10 working days\n"
        "    versions:\n"
        "      - in_force: {from: 2020-01-01}\n"
        "        source: {document: Closingshire procedures, section: '1', evidence: seed}\n",
        encoding="utf-8",
    )
    return timescales.load_rules(shipped_rules_dir(), tmp_path)


@pytest.mark.parametrize("extend_national", [False, True])
def test_a_council_closure_does_not_extend_a_statutory_complaint_deadline(
    tmp_path: Path, extend_national: bool
) -> None:
    # SI 2006/1738 reg 2 defines a working day: the council's closure on 27 Dec is one.
    rules = _closing_pack(tmp_path, extend_national=extend_national)
    events = [{"id": "c", "type": "complaint_received", "date": "2024-12-13", "stage": "1"}]
    report = timescales.check(_timeline(events, authority="closingshire"), rules, as_of=dt.date(2025, 3, 1))
    finding = _only(report, "england.complaint-stage-1-within-10-working-days")
    assert finding.due == dt.date(2024, 12, 31)
    assert "council closure" not in finding.explanation


def test_a_council_closure_extends_its_own_rules(tmp_path: Path) -> None:
    rules = _closing_pack(tmp_path, extend_national=False)
    events = [{"id": "c", "type": "icpc", "date": "2024-12-13", "outcome": "plan"}]
    report = timescales.check(_timeline(events, authority="closingshire"), rules, as_of=dt.date(2025, 3, 1))
    finding = _only(report, "closingshire.visit-within-10-working-days")
    assert finding.due == dt.date(2025, 1, 2)
    assert "council closure" in finding.explanation


@pytest.mark.parametrize(
    ("extend_national", "due"), [(False, dt.date(2025, 1, 8)), (True, dt.date(2025, 1, 9))]
)
def test_closures_extend_working_together_deadlines_only_where_the_pack_says_so(
    tmp_path: Path, extend_national: bool, due: dt.date
) -> None:
    # Working Together leaves "working day" undefined: the pack may say its closures count.
    rules = _closing_pack(tmp_path, extend_national=extend_national)
    events = [{"id": "sd", "type": "strategy_discussion", "date": "2024-12-13", "section47": "true"}]
    report = timescales.check(_timeline(events, authority="closingshire"), rules, as_of=dt.date(2025, 3, 1))
    assert _only(report, "england.icpc-within-15-working-days").due == due


# -- 1. Cambridgeshire's "45 working days" is the national rule, judged once and certainly ----------


def test_a_cambridgeshire_assessment_is_judged_once_by_the_national_45_working_days() -> None:
    events = [
        {"id": "r", "type": "referral", "date": "2023-06-13"},
        {"id": "a", "type": "assessment_completed", "date": "2023-08-01"},
    ]
    report = timescales.check(
        _timeline(events, authority="cambridgeshire"), SHIPPED, as_of=dt.date(2023, 9, 30)
    )
    (finding,) = [f for f in report.findings if f.expects == "assessment_completed"]
    assert finding.rule == "england.assessment-within-45-working-days"
    assert finding.due == dt.date(2023, 8, 15)
    assert finding.status is Status.MET and not finding.uncertain


# -- 2 and 4. a start the sources do not give is "start date unknown"; an edition not encoded says so --


def test_a_policy_whose_start_is_unknown_is_not_said_to_be_out_of_force() -> None:
    # Cheshire East's report policy is shown in force by November 2017 (decision 18 010 925),
    # not when it began.
    events = [
        {"id": "c", "type": "icpc", "date": "2017-08-30", "outcome": "plan"},
        {"id": "r", "type": "report_shared", "date": "2017-08-30", "for": "c"},
    ]
    report = timescales.check(
        _timeline(events, authority="cheshire-east"), SHIPPED, as_of=dt.date(2017, 12, 31)
    )
    notes = report.cases[0].notes
    (note,) = [n for n in notes if "cheshire-east.report-3-days-before-conference" in n]
    assert "start date unknown" in note and "2017-11-01" in note
    assert "not in force" not in note


def test_a_trigger_before_the_first_encoded_edition_says_edition_not_encoded() -> None:
    events = [{"id": "sd", "type": "strategy_discussion", "date": "2009-05-01", "section47": "true"}]
    report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2009, 12, 31))
    (note,) = [n for n in report.cases[0].notes if "england.icpc-within-15-working-days" in n]
    assert "edition not encoded" in note and "not in force" not in note


# -- 3. every edition of Working Together is cited at its own chapter ---------------------------------


def test_each_working_together_edition_cites_its_own_chapter() -> None:
    chapters = {"2013": "Chapter 1,", "2015": "Chapter 1,", "2018": "Chapter 1,", "2023": "Chapter 3,"}
    cited = [
        (rule.id, version.source.edition, version.source.section)
        for rule in SHIPPED.rules
        for version in rule.versions
        if version.source.document == "Working Together to Safeguard Children"
    ]
    assert {edition for _, edition, _ in cited} == set(chapters)
    wrong = [(r, e, s) for r, e, s in cited if e is not None and not s.startswith(chapters[e])]
    assert wrong == []
    # No paragraph of any edition was read, and every source says so.
    assert all("paragraph number" in s and "not verified" in s for _, _, s in cited)


# -- 7. "beginning with" a day includes it (LGA 1974 ss.26B, 31(2)) --------------------------------


def test_twelve_months_beginning_with_a_day_end_the_day_before_its_anniversary() -> None:
    events = [
        {"id": "n", "type": "matter_noticed", "date": "2024-03-01"},
        {"id": "c", "type": "ombudsman_complaint", "date": "2025-03-01", "for": "n"},
    ]
    report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2025, 6, 30))
    finding = _only(report, "england.ombudsman-complaint-within-12-months")
    assert (finding.due, finding.status) == (dt.date(2025, 2, 28), Status.LATE)
    assert "Fri 1 Mar 2024 (day 1)" in finding.explanation
    assert "beginning with that day ends Fri 28 Feb 2025" in finding.explanation


def test_a_beginning_with_period_is_refused_for_at_least_before_and_clear_days_for_within(
    tmp_path: Path,
) -> None:
    problems = _refused(
        tmp_path,
        "wrongshire",
        "rules:\n"
        "  - id: wrongshire.report\n    title: R\n    trigger: {type: icpc}\n"
        "    expects: {type: report_shared, for: trigger}\n"
        "    at_least_before: 2 working days, beginning with the trigger\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: W, section: '1', evidence: seed}\n"
        "  - id: wrongshire.visit\n    title: V\n    trigger: {type: icpc}\n"
        "    expects: {type: visit}\n    within: 10 clear working days\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: W, section: '1', evidence: seed}\n",
    )
    found = {(p.line, p.column, p.field) for p in problems if p.code == "E305"}
    assert found == {(6, 22, "rules[0].at_least_before"), (14, 13, "rules[1].within")}


# -- 8. "at least N working days before": counted back and as clear days ------------------------------


def test_a_report_counted_back_but_without_clear_days_is_uncertain() -> None:
    # ICPC Wed 29 Nov 2023: 2 working days back is Mon 27 Nov; 2 clear working days need Fri 24 Nov.
    events = [
        {"id": "c", "type": "icpc", "date": "2023-11-29", "outcome": "plan"},
        {"id": "r", "type": "report_shared", "date": "2023-11-27", "for": "c"},
    ]
    report = timescales.check(_timeline(events, authority="liverpool"), SHIPPED, as_of=dt.date(2024, 1, 31))
    finding = _only(report, "liverpool.report-2-working-days-before-icpc")
    assert (finding.status, finding.due, finding.uncertain) == (Status.MET, dt.date(2023, 11, 27), True)
    (why,) = finding.uncertain_because
    assert "clear working days it is due 2023-11-24 (late)" in why and "R v Turner" in why


# -- 10. the measures and the rules agree ----------------------------------------------------------


def test_the_icpc_measure_counts_from_the_discussion_the_rule_times_it_from(tmp_path: Path) -> None:
    # Two section 47 discussions, no end recorded: the rule times the ICPC from the first (late,
    # 27 working days); the measure must say the same, not "within 15" from the second.
    case = tmp_path / "case.yaml"
    case.write_text(
        "case: M\nas_of: 2023-10-31\nevents:\n"
        "  - {id: sd1, type: strategy_discussion, date: 2023-05-05, section47: true}\n"
        "  - {id: sd2, type: strategy_discussion, date: 2023-05-26, section47: true}\n"
        "  - {id: c, type: icpc, date: 2023-06-15, outcome: plan}\n"
        "  - {id: sd3, type: strategy_discussion, date: 2023-09-01, section47: true}\n",
        encoding="utf-8",
    )
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(case), "--format", "json"], capture_output=True, text=True, check=False
    )
    report = json.loads(result.stdout)
    icpc = report["summary"]["measures"]["icpc_within_15_working_days"]
    assert icpc["bands"] == {"0-10": 0, "11-15": 0, "16-20": 0, "21+": 1}
    assert (icpc["conferences"], icpc["within"], icpc["enquiries_without_conference"]) == (1, 0, 1)
    text = subprocess.run([str(command), "check", str(case)], capture_output=True, text=True, check=False)
    assert "Section 47 enquiries without a conference: 1" in text.stdout


# -- a local rule restating a national one is one requirement, not two ------------------------------


def test_liverpools_icpc_rule_and_the_national_one_count_as_one_requirement() -> None:
    # Strategy discussion Mon 6 Nov 2023: 15 working days end Mon 27 Nov; the conference Wed 29 Nov
    # is late under both Working Together and Liverpool's "15 days" (either reading).
    events = [
        {"id": "sd", "type": "strategy_discussion", "date": "2023-11-06", "section47": "true"},
        {"id": "c", "type": "icpc", "date": "2023-11-29", "outcome": "plan"},
        {"id": "r", "type": "report_shared", "date": "2023-11-20", "for": "c"},
    ]
    report = timescales.check(_timeline(events, authority="liverpool"), SHIPPED, as_of=dt.date(2023, 12, 1))
    late = [f for f in report.findings if f.expects == "icpc" and f.status is Status.LATE]
    assert {f.rule for f in late} == {"england.icpc-within-15-working-days", "liverpool.icpc-within-15-days"}
    assert {f.requirement for f in late} == {"england.icpc-within-15-working-days"}
    headline = report.summary().to_dict()
    assert (headline["requirements_breached"], headline["late_events"]) == (1, 1)


# -- 6. complaints: the procedure decides the timescale; unrecorded, each is judged, uncertain ------


def test_a_complaint_with_no_procedure_is_judged_under_each_procedure_and_says_so() -> None:
    events = [{"id": "c", "type": "complaint_received", "date": "2023-12-11", "stage": "1"}]
    report = timescales.check(_timeline(events, authority="liverpool"), SHIPPED, as_of=dt.date(2024, 3, 1))
    statutory = _only(report, "england.complaint-stage-1-within-10-working-days")
    corporate = _only(report, "liverpool.corporate-complaint-stage-1-within-10-working-days")
    for finding, procedure in ((statutory, "statutory"), (corporate, "corporate")):
        assert finding.uncertain
        (why,) = finding.uncertain_because
        assert "does not record its procedure" in why and f"only if it was {procedure}" in why


@pytest.mark.parametrize("procedure", ["statutory", "corporate"])
def test_a_recorded_procedure_is_judged_by_its_own_timescale_only(procedure: str) -> None:
    events = [
        {"id": "c", "type": "complaint_received", "date": "2023-12-11", "stage": "1", "procedure": procedure}
    ]
    report = timescales.check(_timeline(events, authority="liverpool"), SHIPPED, as_of=dt.date(2024, 3, 1))
    (finding,) = [f for f in report.findings if f.expects == "complaint_response"]
    assert finding.rule.startswith("england." if procedure == "statutory" else "liverpool.")
    assert not finding.uncertain


def test_a_section_47_complaint_with_no_procedure_is_outside_the_statutory_procedure() -> None:
    # SI 2006/1738 reg 3(2) lists the Part 4 and 5 functions the procedure covers; s.47 is not one.
    events = [
        {"id": "c", "type": "complaint_received", "date": "2023-12-11", "stage": "2", "section47": "true"}
    ]
    report = timescales.check(_timeline(events, authority="liverpool"), SHIPPED, as_of=dt.date(2024, 6, 1))
    rules = {f.rule for f in report.findings}
    assert "england.complaint-stage-2-within-25-working-days" not in rules
    assert "liverpool.corporate-complaint-stage-2-within-20-working-days" in rules


def test_unrecorded_takes_only_true_and_a_known_attribute(tmp_path: Path) -> None:
    problems = _refused(
        tmp_path,
        "oddshire",
        "rules:\n"
        "  - id: oddshire.a\n    title: A\n"
        "    trigger: {type: complaint_received, where: {procedure: {unrecorded: false}}}\n"
        "    expects: {type: complaint_response}\n    within: 10 working days\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: O, section: '1', evidence: seed}\n"
        "  - id: oddshire.b\n    title: B\n"
        "    trigger: {type: complaint_received, where: {colour: {unrecorded: true}}}\n"
        "    expects: {type: complaint_response}\n    within: 10 working days\n"
        "    versions:\n      - in_force: {from: 2020-01-01}\n"
        "        source: {document: O, section: '1', evidence: seed}\n",
    )
    found = {(p.line, p.field, p.code) for p in problems}
    assert (4, "rules[0].trigger.where.procedure", "E303") in found
    assert (12, "rules[1].trigger.where.colour", "E332") in found


# -- estimated ranges: every day of the range is judged ----------------------------------------------


def _assessment(done: str, estimated: object) -> timescales.Finding:
    events = [
        {"id": "r", "type": "referral", "date": "2023-06-13"},
        {"id": "a", "type": "assessment_completed", "date": done, "estimated": estimated},
    ]
    report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2023, 12, 31))
    return _only(report, "england.assessment-within-45-working-days")


def test_a_mid_august_completion_is_late_or_on_time_depending_on_the_day() -> None:
    # 45 working days from Tue 13 Jun 2023 end Tue 15 Aug: 10-15 Aug on time, 16-20 Aug late.
    finding = _assessment("2023-08-15", {"from": "2023-08-10", "to": "2023-08-20"})
    assert (finding.status, finding.uncertain) == (Status.MET, True)
    (why,) = finding.uncertain_because
    assert "on time if it was between Thu 10 Aug 2023 and Tue 15 Aug 2023" in why
    assert "late if it was between Wed 16 Aug 2023 and Sun 20 Aug 2023" in why
    assert why.endswith("on time or late depending on the exact day")
    assert "On time or late depending on the exact day" in finding.explanation


def test_a_range_late_on_every_day_is_a_certain_breach() -> None:
    finding = _assessment("2023-08-17", {"from": "2023-08-16", "to": "2023-08-20"})
    assert (finding.status, finding.uncertain) == (Status.LATE, False)
    assert "late on every one" in finding.explanation


@pytest.mark.parametrize(
    ("estimated", "message"),
    [
        ({"from": "2023-08-16", "to": "2023-08-20"}, "outside its estimated range"),
        ({"from": "2023-08-20", "to": "2023-08-10"}, "runs backwards"),
        ({"from": "2023-08-10"}, "{from: date, to: date}"),
        ({"from": "2023-08-10", "to": "mid-August"}, "the range's `to`"),
    ],
)
def test_a_bad_estimated_range_is_refused_at_its_line(
    tmp_path: Path, estimated: dict[str, str], message: str
) -> None:
    case = tmp_path / "case.yaml"
    fields = ", ".join(f"{k}: {v}" for k, v in estimated.items())
    case.write_text(
        "case: R\nevents:\n"
        "  - {id: r, type: referral, date: 2023-06-13}\n"
        f"  - {{id: a, type: assessment_completed, date: 2023-08-15, estimated: {{{fields}}}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(timescales.TimelineError) as raised:
        timescales.load_timeline(case)
    (problem,) = raised.value.problems
    assert (problem.line, problem.field, problem.code) == (4, "events[1].estimated", "E205")
    assert message in problem.message


@settings(max_examples=60, deadline=None)
@given(
    referral=st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2024, 6, 30)),
    offset=st.integers(min_value=40, max_value=80),
    before=st.integers(min_value=0, max_value=6),
    after=st.integers(min_value=0, max_value=6),
)
def test_a_range_is_certain_exactly_when_every_day_in_it_gives_the_same_answer(
    referral: dt.date, offset: int, before: int, after: int
) -> None:
    guess = referral + dt.timedelta(days=offset)
    first, last = guess - dt.timedelta(days=before), guess + dt.timedelta(days=after)

    def judged(done: dt.date, estimated: object) -> timescales.Finding:
        events = [
            {"id": "r", "type": "referral", "date": referral.isoformat()},
            {"id": "a", "type": "assessment_completed", "date": done.isoformat(), "estimated": estimated},
        ]
        report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2025, 12, 31))
        return _only(report, "england.assessment-within-45-working-days")

    ranged = judged(guess, {"from": first.isoformat(), "to": last.isoformat()})
    each_day = {judged(first + dt.timedelta(days=n), False).status for n in range((last - first).days + 1)}
    assert ranged.status is judged(guess, False).status
    assert ranged.uncertain is (len(each_day) > 1)
