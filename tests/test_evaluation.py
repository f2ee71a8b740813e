"""Evaluation semantics: order independence, unclear units, reports before conferences, local packs,
drafts, and the library's promises (threads, two rule sets, pickling)."""

from __future__ import annotations

import datetime as dt
import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import timescales
from timescales.findings import Status

TEST_RULES = Path(__file__).parent / "data" / "rules"
SHIPPED = timescales.load_rules()
LOCAL = timescales.load_rules(TEST_RULES)


def _timeline(events: list[dict[str, object]], **extra: object) -> timescales.Timeline:
    return timescales.load_timeline({"case": "T", "events": events, **extra})


def _findings(report: timescales.Report, rule: str) -> list[timescales.Finding]:
    return [f for f in report.findings if f.rule == rule]


# -- order never matters --------------------------------------------------------------------------

EVENT_KINDS = [
    ("referral", {}),
    ("referral_decision", {"response": "assessment"}),
    ("referral_decision", {"response": "nfa"}),
    ("assessment_completed", {}),
    ("strategy_discussion", {"section47": "true"}),
    ("section47_completed", {"outcome": "no_icpc"}),
    ("icpc", {"outcome": "plan"}),
    ("rcpc", {"outcome": "continue"}),
    ("rcpc", {"outcome": "end"}),
    ("cp_plan_ended", {}),
    ("complaint_received", {"stage": "1"}),
    ("complaint_extension", {"stage": "1"}),
    ("complaint_response", {"stage": "1"}),
    ("case_closed", {}),
]

random_events = st.lists(
    st.tuples(st.sampled_from(range(len(EVENT_KINDS))), st.integers(min_value=0, max_value=400)),
    min_size=1,
    max_size=14,
)


def _events(drawn: list[tuple[int, int]]) -> list[dict[str, object]]:
    start = dt.date(2023, 1, 2)
    return [
        {
            "id": f"e{i}",
            "type": EVENT_KINDS[k][0],
            "date": (start + dt.timedelta(days=d)).isoformat(),
            **EVENT_KINDS[k][1],
        }
        for i, (k, d) in enumerate(drawn)
    ]


@settings(max_examples=150, deadline=None)
@given(random_events, st.randoms(use_true_random=False))
def test_event_order_never_changes_the_findings(drawn: list[tuple[int, int]], rnd: object) -> None:
    events = _events(drawn)
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    as_of = dt.date(2024, 6, 30)
    first = timescales.check(_timeline(events), SHIPPED, as_of=as_of).to_dict()
    second = timescales.check(_timeline(shuffled), SHIPPED, as_of=as_of).to_dict()
    assert first == second


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=200))
def test_a_later_trigger_never_gives_an_earlier_due_date(offset: int, later_by: int) -> None:
    base = dt.date(2014, 1, 1) + dt.timedelta(days=offset)
    dues = []
    for day in (base, base + dt.timedelta(days=later_by)):
        events = [
            {"id": "sd", "type": "strategy_discussion", "date": day.isoformat(), "section47": "true"},
            {"id": "c", "type": "icpc", "date": day.isoformat(), "outcome": "plan"},
            {"id": "k", "type": "complaint_received", "date": day.isoformat(), "stage": "1"},
        ]
        report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2031, 1, 1))
        dues.append({f.rule: f.due for f in report.findings})
    for rule, due in dues[0].items():
        assert due <= dues[1][rule], rule


# -- the constructs -------------------------------------------------------------------------------


def test_an_unclear_unit_is_evaluated_both_ways_and_marked_uncertain_when_they_disagree() -> None:
    events = [
        {"id": "cg", "type": "core_group", "date": "2023-06-05"},  # Mon
        {"id": "m", "type": "minutes_sent", "date": "2023-06-17", "for": "cg"},
    ]  # 12 calendar, 9 working days
    (finding,) = _findings(
        timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1)),
        "national.core-group-minutes-within-10-days",
    )
    assert finding.status is Status.MET  # 10 working days: due Mon 19 June
    assert finding.due == dt.date(2023, 6, 19)
    assert finding.uncertain
    assert "read as calendar days it is due 2023-06-15 (late)" in finding.uncertain_because[0]


def test_an_unclear_unit_whose_readings_agree_is_certain() -> None:
    events = [
        {"id": "cg", "type": "core_group", "date": "2023-06-05"},
        {"id": "m", "type": "minutes_sent", "date": "2023-06-30", "for": "cg"},
    ]
    (finding,) = _findings(
        timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1)),
        "national.core-group-minutes-within-10-days",
    )
    assert finding.status is Status.LATE and not finding.uncertain


def test_a_report_must_come_at_least_two_working_days_before_the_conference() -> None:
    def status(report_day: str) -> Status:
        events = [
            {"id": "c", "type": "icpc", "date": "2023-06-21", "outcome": "plan"},  # Wed
            {"id": "r", "type": "report_shared", "date": report_day, "for": "c"},
        ]
        (finding,) = _findings(
            timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1)),
            "national.report-2-working-days-before-icpc",
        )
        assert finding.due == dt.date(2023, 6, 19)
        return finding.status

    assert status("2023-06-19") is Status.MET  # last compliant day: Mon
    assert status("2023-06-20") is Status.LATE  # the afternoon before (Liverpool seed)


def test_a_report_never_shared_is_missing() -> None:
    events = [{"id": "c", "type": "icpc", "date": "2023-06-21", "outcome": "plan"}]
    (finding,) = _findings(
        timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1)),
        "national.report-2-working-days-before-icpc",
    )
    assert finding.status is Status.MISSING


def test_a_local_pack_replaces_a_national_rule_and_adds_closure_days() -> None:
    events = [{"id": "sd", "type": "strategy_discussion", "date": "2023-06-13", "section47": "true"}]
    national = timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1))
    local = timescales.check(_timeline(events, authority="testshire"), LOCAL, as_of=dt.date(2023, 8, 1))
    assert [f.rule for f in national.findings if "icpc" in f.rule] == ["national.icpc-15"]
    (finding,) = [f for f in local.findings if "icpc" in f.rule]
    assert finding.rule == "testshire.icpc-within-10-working-days"
    # 10 working days from Tue 13 June skipping Testshire's staff day (Fri 16 June) is Wed 28 June.
    assert finding.due == dt.date(2023, 6, 28)
    assert "Testshire staff day" in finding.explanation


def test_draft_rules_are_excluded_loudly() -> None:
    events = [{"id": "v", "type": "visit", "date": "2023-06-13"}]
    report = timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1))
    assert report.excluded_rules == ("national.visits-unfinished",)
    assert not [f for f in report.findings if f.rule == "national.visits-unfinished"]


def test_events_after_the_as_of_date_are_not_considered_and_the_report_says_so() -> None:
    events = [
        {"id": "sd", "type": "strategy_discussion", "date": "2023-06-13", "section47": "true"},
        {"id": "c", "type": "icpc", "date": "2023-07-04"},
    ]
    report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2023, 7, 3))
    (finding,) = _findings(report, "england.icpc-within-15-working-days")
    assert finding.status is Status.PENDING
    assert "1 event(s) dated after the as-of date" in report.cases[0].notes[0]


def test_no_as_of_date_is_an_error_not_the_clock() -> None:
    events = [{"id": "r", "type": "referral", "date": "2023-06-13"}]
    try:
        timescales.check(_timeline(events), SHIPPED)
    except timescales.TimescalesError as error:
        assert error.field == "as_of"
    else:
        raise AssertionError("check() without an as-of date must refuse")


# -- the library's promises -----------------------------------------------------------------------


def test_findings_pickle_with_their_explanation() -> None:
    events = [{"id": "r", "type": "referral", "date": "2023-06-13"}]
    (finding, *_) = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2023, 8, 1)).findings
    copy = pickle.loads(pickle.dumps(finding))
    assert copy == finding and copy.explanation == finding.explanation


def test_evaluations_in_threads_give_the_same_findings_as_in_sequence() -> None:
    timelines = [
        _timeline(
            [
                {"id": "sd", "type": "strategy_discussion", "date": f"20{y}-0{m}-1{d}", "section47": "true"},
                {"id": "r", "type": "referral", "date": f"20{y}-0{m}-1{d}"},
            ]
        )
        for y in range(14, 24)
        for m in range(1, 4)
        for d in range(0, 3)
    ]
    rules = timescales.load_rules()  # a fresh set: its calendar index is built under contention

    def run(t: timescales.Timeline) -> dict[str, object]:
        return timescales.check(t, rules, as_of=dt.date(2025, 1, 1)).to_dict()

    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(run, timelines))
    assert threaded == [run(t) for t in timelines]


def test_two_rule_sets_in_one_process_do_not_interfere() -> None:
    events = [{"id": "sd", "type": "strategy_discussion", "date": "2023-06-13", "section47": "true"}]
    a = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2023, 8, 1))
    b = timescales.check(_timeline(events), LOCAL, as_of=dt.date(2023, 8, 1))
    assert {f.rule for f in a.findings} == {"england.icpc-within-15-working-days"}
    assert {f.rule for f in b.findings} == {"national.icpc-15"}


def test_a_trigger_before_a_rule_was_in_force_is_reported_as_not_checked() -> None:
    events = [
        {"id": "r", "type": "referral", "date": "2012-05-01"},
        {"id": "c", "type": "complaint_received", "date": "2012-05-01", "stage": "1"},
    ]
    report = timescales.check(_timeline(events), SHIPPED, as_of=dt.date(2012, 12, 31))
    assert {f.rule for f in report.findings} == {"england.complaint-stage-1-within-10-working-days"}
    notes = report.cases[0].notes
    # Working Together 2010 set other assessment timescales: "edition not encoded", not "not in force".
    (assessment,) = [n for n in notes if "england.assessment-within-45-working-days" in n]
    assert assessment.startswith(
        "Not checked: england.assessment-within-45-working-days on the date of r (2012-05-01): "
        "edition not encoded"
    )
    assert any(n.startswith("Not checked: england.referral-decision-within-1-working-day") for n in notes)
