"""The DfE children's social care API payload: the nested JSON per child that councils send nightly.

Built by Data to Insight's ``populate_ssd_api_data_staging.sql`` from the SSD (payload spec 0.8,
the shape of ``docs/json_payload_structure.md`` in data-to-insight/dfe-csc-api-data-flows). A file
holds one child object, a list of them, or a submission ``{"la_code": ..., "Children": [...]}``.
Each child (``la_child_id``) becomes one case with one child:

=====================================================  =============================================
payload                                                event
=====================================================  =============================================
social_care_episodes[].referral_date                   referral
social_care_episodes[].closure_date                    case_closed
child_and_family_assessments[].start_date              assessment_started
child_and_family_assessments[].authorisation_date      assessment_completed (``for:`` its start)
section_47_assessments[].start_date                    strategy_discussion, section47: true
section_47_assessments[].end_date                      section47_completed, outcome from
                                                       ``icpc_required_flag`` (icpc / no_icpc)
section_47_assessments[].icpc_date                     icpc
child_protection_plans[].start_date / end_date         cp_plan_started / cp_plan_ended
=====================================================  =============================================

Event ids are the payload's own ids with a suffix (``<section_47_assessment_id>-icpc``). The worker
of ``care_worker_details`` whose dates cover an event is carried as its ``worker``. Records with
``purge: true`` are deletions and are not read. The payload records no referral decisions, review
conferences, visits, minutes or complaints, so rules expecting those are not evaluated on it (the
report says which), as for the CIN census.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..errors import Problem, TimelineError, problem
from ..timeline import Event, SourceNote, Timeline
from ..vocabulary import Vocabulary
from ..yamlsource import LMap, LSeq
from .dates import read_date
from .events import check_case_links

#: The event types the payload records completely.
RECORDED_TYPES = frozenset(
    {
        "referral",
        "case_closed",
        "assessment_started",
        "assessment_completed",
        "strategy_discussion",
        "section47_completed",
        "icpc",
        "cp_plan_started",
        "cp_plan_ended",
    }
)


def is_dfe_payload(data: object) -> bool:
    """Whether a parsed JSON document is a DfE API payload rather than one of our timelines."""
    if isinstance(data, LSeq):
        return bool(data) and all(isinstance(c, LMap) and "la_child_id" in c for c in data)
    return isinstance(data, LMap) and ("la_child_id" in data or "Children" in data)


def payload_timelines(
    data: Any, file: str, vocabulary: Vocabulary
) -> Iterator[Timeline | TimelineError | SourceNote]:
    """One timeline per child of the payload, or the error that leaves a child out."""
    children: list[Any]
    if isinstance(data, LSeq):
        children = list(data)
    elif "Children" in data:
        listed = data["Children"]
        children = list(listed) if isinstance(listed, LSeq) else [listed]
    else:
        children = [data]
    purged = 0
    for child in children:
        if not isinstance(child, LMap):
            line, column = data.position if isinstance(data, LMap | LSeq) else (None, None)
            yield TimelineError(
                [problem(file, "each child must be an object", line=line, column=column, code="E260")]
            )
            continue
        if _purged(child):
            purged += 1
            continue
        try:
            yield _child_timeline(child, file, vocabulary)
        except TimelineError as error:
            yield error
    if purged:
        yield SourceNote(file, f"{purged} child record(s) marked purge: true (deletions) were not read.")


def _purged(record: LMap) -> bool:
    return str(record.get("purge") or "").lower() == "true"


class _Reader:
    """Collects one child's events and every problem with them."""

    def __init__(self, file: str, vocabulary: Vocabulary) -> None:
        self.file = file
        self.vocabulary = vocabulary
        self.events: list[Event] = []
        self.problems: list[Problem] = []
        #: The current episode's workers: (start, end or None, worker id).
        self.workers: list[tuple[dt.date, dt.date | None, str]] = []

    def report(self, record: LMap, key: str, message: str, code: str = "E261") -> None:
        line, column = record.value_where(key)
        self.problems.append(problem(self.file, message, line=line, column=column, field=key, code=code))

    def date(self, record: LMap, key: str) -> dt.date | None:
        value = record.get(key)
        if value is None or value in ("", "null"):  # JSON null: not (yet) happened
            return None
        if not isinstance(value, str):
            self.report(record, key, "expected a date written YYYY-MM-DD", "E203")
            return None
        try:
            return read_date(value).date
        except ValueError as exc:
            self.report(record, key, str(exc), "E203")
            return None

    def record_id(self, record: LMap, key: str, fallback: str) -> str:
        value = record.get(key)
        return value if isinstance(value, str) and value else fallback

    def add(
        self,
        record: LMap,
        key: str,
        event_id: str,
        event_type: str,
        attributes: dict[str, str] | None = None,
        refers_to: str | None = None,
    ) -> None:
        day = self.date(record, key)
        if day is None:
            return
        line, _ = record.value_where(key)
        worker = next(
            (w for start, end, w in self.workers if start <= day and (end is None or day <= end)), None
        )
        self.events.append(
            Event(
                id=event_id,
                type=event_type,
                date=day,
                attributes=attributes or {},
                refers_to=refers_to,
                position=len(self.events),
                line=line,
                carried={"worker": worker} if worker else {},
            )
        )


def _items(record: LMap, key: str) -> list[LMap]:
    value = record.get(key)
    if not isinstance(value, LSeq):
        return []
    return [item for item in value if isinstance(item, LMap) and not _purged(item)]


def _child_timeline(child: LMap, file: str, vocabulary: Vocabulary) -> Timeline:
    case = child.get("la_child_id")
    reader = _Reader(file, vocabulary)
    if not isinstance(case, str) or not case:
        reader.report(child, "la_child_id", "missing `la_child_id` (the child's id)", "E201")
        raise TimelineError(reader.problems)
    for n, episode in enumerate(_items(child, "social_care_episodes"), start=1):
        episode_id = reader.record_id(episode, "social_care_episode_id", f"episode{n}")
        reader.workers = _workers(episode, reader)
        reader.add(episode, "referral_date", f"{episode_id}-referral", "referral")
        reader.add(episode, "closure_date", f"{episode_id}-closure", "case_closed")
        for k, assessment in enumerate(_items(episode, "child_and_family_assessments"), start=1):
            key = reader.record_id(
                assessment, "child_and_family_assessment_id", f"{episode_id}-assessment{k}"
            )
            started = assessment.get("start_date")
            reader.add(assessment, "start_date", f"{key}-start", "assessment_started")
            reader.add(
                assessment,
                "authorisation_date",
                f"{key}-authorised",
                "assessment_completed",
                refers_to=f"{key}-start" if started else None,
            )
        for k, enquiry in enumerate(_items(episode, "section_47_assessments"), start=1):
            key = reader.record_id(enquiry, "section_47_assessment_id", f"{episode_id}-s47-{k}")
            reader.add(enquiry, "start_date", f"{key}-start", "strategy_discussion", {"section47": "true"})
            required = str(enquiry.get("icpc_required_flag") or "").lower()
            outcome = {"true": {"outcome": "icpc"}, "false": {"outcome": "no_icpc"}}.get(required, {})
            reader.add(enquiry, "end_date", f"{key}-end", "section47_completed", outcome)
            reader.add(enquiry, "icpc_date", f"{key}-icpc", "icpc")
        for k, plan in enumerate(_items(episode, "child_protection_plans"), start=1):
            key = reader.record_id(plan, "child_protection_plan_id", f"{episode_id}-cpp{k}")
            reader.add(plan, "start_date", f"{key}-start", "cp_plan_started")
            reader.add(plan, "end_date", f"{key}-end", "cp_plan_ended")
    seen: dict[str, Event] = {}
    for event in reader.events:
        if event.id in seen:
            reader.problems.append(
                problem(
                    file,
                    f"duplicate id {event.id!r} (first on line {seen[event.id].line})",
                    line=event.line,
                    code="E210",
                )
            )
        seen[event.id] = event
    reader.problems.extend(check_case_links(reader.events, (case,), vocabulary, file, lambda e: ""))
    if reader.problems:
        raise TimelineError(sorted(reader.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return Timeline(
        case=case, events=tuple(reader.events), children=(case,), source=file, recorded_types=RECORDED_TYPES
    )


def _workers(episode: LMap, reader: _Reader) -> list[tuple[dt.date, dt.date | None, str]]:
    found = []
    for detail in _items(episode, "care_worker_details"):
        worker = detail.get("worker_id")
        start = reader.date(detail, "start_date")
        if isinstance(worker, str) and worker and start is not None:
            found.append((start, reader.date(detail, "end_date"), worker))
    return found
