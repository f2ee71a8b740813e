"""The DfE Children in Need census XML (collection years 2017 onwards) as timelines.

One timeline per ``<Child>``, named by its ``LAchildID``; the census ``ReferenceDate`` (31 March) is
its as-of date. Each episode (``<CINdetails>``) becomes events:

=============================================  ==========================================
census item                                    event
=============================================  ==========================================
CINreferralDate (N00100)                       referral
ReferralNFA (N00112) true                      referral_decision, response nfa
AssessmentActualStartDate (N00159)             assessment_started
AssessmentAuthorisationDate (N00160)           assessment_completed
S47ActualStartDate (N00148)                    strategy_discussion, section47 true (the
                                               discussion that began the enquiry)
ICPCnotRequired (N00111) true                  section47_completed, outcome no_icpc
DateOfInitialCPC (N00110), either level        icpc
CPPstartDate / CPPendDate (N00105 / N00115)    cp_plan_started / cp_plan_ended
**every** CPPreviewDate (N00116)               rcpc (outcome end on the plan's last day)
CINclosureDate (N00102)                        case_closed
=============================================  ==========================================

A ``<Reviews>`` group may hold many ``CPPreviewDate`` elements; every one is read (the open-source
census validator reads only the first). Yes/no items accept every spelling the schemas allow
(``true false TRUE FALSE 1 0``).

Strictness: every element inside a ``<Child>`` must be one the DfE schemas of 2017 to 2026 allow
where it stands (``_GROUPS``). A misspelt or unknown element (``<CINDetails>``) would otherwise be
read as "no episode" and give a false all-clear, so it is reported at its line, with the child, and
the child is left out. A file whose root is not ``<Message>``, whose ``Collection`` is not ``CIN`` or
whose ``Year`` is before 2017 is refused before any child is read.

Safety: a file with a DOCTYPE (the door to external entities and entity expansion) is refused
before parsing, and the parser never resolves entities or touches the network.

A child whose data are impossible (a date that does not exist, a review before its plan) is left
out and reported with its LAchildID, the element and its line; the rest of the file is checked.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ..calendar import parse_iso_date
from ..errors import Problem, TimelineError, problem, quoted
from ..timeline import Event, Timeline
from ..vocabulary import Vocabulary, parse_boolean

#: The event types a census records completely: rules expecting any other type (a referral
#: decision, a complaint response, minutes) cannot be judged from a census and are not evaluated.
RECORDED_TYPES = frozenset(
    {
        "referral",
        "assessment_started",
        "assessment_completed",
        "strategy_discussion",
        "section47_completed",
        "icpc",
        "cp_plan_started",
        "cp_plan_ended",
        "rcpc",
        "case_closed",
    }
)

#: The elements each census group may hold: the union of the DfE CIN census schemas for the
#: collection years 2017 to 2026 (the XSDs in tests/data/cin/xsd/; `CINPlanDates` from 2022, `Sex`
#: replacing `GenderCurrent` from 2025), plus the pre-proceedings and family group decision-making
#: group the DfE's 2026 collection adds (as the data-to-insight validator's 2026 sample has it).
#: Any other element is reported.
_GROUPS: dict[str, frozenset[str]] = {
    name: frozenset(children.split())
    for name, children in {
        "Child": "ChildIdentifiers ChildCharacteristics CINdetails",
        "ChildIdentifiers": "LAchildID UPN FormerUPN UPNunknown PersonBirthDate ExpectedPersonBirthDate "
        "GenderCurrent Sex PersonDeathDate",
        "ChildCharacteristics": "Ethnicity Disabilities",
        "Disabilities": "Disability",
        "CINdetails": "CINreferralDate ReferralSource PrimaryNeedCode CINclosureDate ReasonForClosure "
        "DateOfInitialCPC Assessments CINPlanDates Section47 ReferralNFA ChildProtectionPlans "
        "PreProceedingsandFGDM",
        "Assessments": "AssessmentActualStartDate AssessmentInternalReviewDate AssessmentAuthorisationDate "
        "FactorsIdentifiedAtAssessment",
        "FactorsIdentifiedAtAssessment": "AssessmentFactors",
        "CINPlanDates": "CINPlanStartDate CINPlanEndDate",
        "Section47": "S47ActualStartDate InitialCPCtarget DateOfInitialCPC ICPCnotRequired",
        "ChildProtectionPlans": "CPPstartDate CPPendDate InitialCategoryOfAbuse LatestCategoryOfAbuse "
        "NumberOfPreviousCPP Reviews",
        "Reviews": "CPPreviewDate",
        "PreProceedingsandFGDM": "PPStartDate LetterInitCPDate InitialPPMeetingDate ReviewMeetingsCount "
        "StepDecisionDate LBPSentDate CourtAppDate PPOutcome FGDMMeetingOffer FGDMMeetingFac",
    }.items()
}


#: The first collection year whose schema this reader knows.
FIRST_YEAR = 2017

_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: Comments and processing instructions, which may hold anything (`<!-- <x -->`), stripped
#: (newlines kept, for line numbers) before the root element is looked for.
_SKIPPED = re.compile(r"<!--.*?-->|<\?.*?\?>", re.DOTALL)
_ROOT_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
#: Byte-order marks and the first bytes of an undeclared UTF-16 `<?xml`, checked longest first.
_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
PROLOG_BYTES = 1 << 16


def is_census(path: Path) -> bool:
    from .ssda903 import is_903_xml  # the other XML return timescales reads

    return path.suffix.lower() == ".xml" and not is_903_xml(path)


def _head_text(head: bytes) -> str:
    """The file's first bytes as text, in the encoding its first bytes show (UTF-8 otherwise)."""
    for mark, codec in _ENCODINGS:
        if head.startswith(mark):
            return head.decode(codec, errors="replace")
    return head.decode("utf-8", errors="replace")


def _refuse_dtd(path: Path) -> None:
    """Refuse a DOCTYPE or entity declaration before the root element (external entities,
    billion laughs), whatever the encoding and whatever comments or processing instructions
    come first. The parser is safe anyway (no entities resolved, no network); this makes the
    message say why."""
    with path.open("rb") as handle:
        head = handle.read(PROLOG_BYTES)
    text = _head_text(head)
    stripped = _SKIPPED.sub(lambda m: "\n" * m.group().count("\n"), text)
    root = _ROOT_START.search(stripped)
    if root is None and len(head) == PROLOG_BYTES:
        raise TimelineError(
            [
                problem(
                    str(path), "no root element in the file's first 64 KB: not a CIN census file", code="E501"
                )
            ]
        )
    prolog = stripped[: root.start()] if root else stripped
    declared = _DOCTYPE.search(prolog)
    if declared:
        raise TimelineError(
            [
                problem(
                    str(path),
                    "the file declares a DOCTYPE or entities; CIN census files have none, "
                    "and such files are refused for safety",
                    line=prolog[: declared.start()].count("\n") + 1,
                    code="E501",
                )
            ]
        )
    if root is not None and root.group(1) != "Message":
        raise TimelineError(
            [
                problem(
                    str(path),
                    f"not a CIN census file: its root element is <{root.group(1)[:40]}>, not <Message>",
                    line=prolog.count("\n") + 1,
                    code="E500",
                )
            ]
        )


def _refuse_collection(file: str, element: Any) -> None:
    """Refuse a census of another collection, or of a year before the 2017 schema, before any
    child is read: its children would be misread, or read as having no episodes."""
    name = _local(element.tag)
    text = (element.text or "").strip()
    if name == "Collection" and text != "CIN":
        message = f"not a CIN census file: the header names the collection {quoted(text, 20)}, not CIN"
    elif name == "Year" and not (text.isdigit() and int(text) >= FIRST_YEAR):
        message = (
            f"a census of collection year {quoted(text, 20)}: timescales reads CIN census files "
            f"from {FIRST_YEAR} onwards (the schemas it knows)"
        )
    else:
        return
    raise TimelineError(
        [
            problem(
                file,
                message,
                line=element.sourceline,
                field=f"Header/CollectionDetails/{name}",
                code="E502",
            )
        ]
    )


def _local(tag: Any) -> str:
    """Tag without a namespace (some case systems add one)."""
    return tag if tag[0] != "{" else tag.rsplit("}", 1)[-1]  # type: ignore[no-any-return]


#: Census groups whose every occurrence is read (the others: the first of each name).
_REPEATED = frozenset(
    {"CINdetails", "Section47", "Assessments", "ChildProtectionPlans", "Reviews", "CPPreviewDate"}
)
#: What an element found inside a group is: its local name, whether it is a group itself, and
#: whether it repeats.
_Kind = tuple[str, bool, bool]
_KINDS_BY_NAMESPACE: dict[str, dict[str, dict[str, _Kind]]] = {}


def _kinds_in(namespace: str) -> dict[str, dict[str, _Kind]]:
    """For each group of ``_GROUPS``, what each element it may hold is, by its tag in
    ``namespace`` (``{uri}Name``, or ``Name``): made once per namespace, so reading a child costs
    one lookup per element."""
    kinds = _KINDS_BY_NAMESPACE.get(namespace)
    if kinds is None:
        kinds = _KINDS_BY_NAMESPACE[namespace] = {
            group: {namespace + name: (name, name in _GROUPS, name in _REPEATED) for name in names}
            for group, names in _GROUPS.items()
        }
    return kinds


#: A group as read: the first element of each name, and for repeated names
#: (``_REPEATED``) every one of them with what each holds.
_Held = dict[str, Any]


class _ChildReader:
    """Turns one ``<Child>`` element into a timeline, collecting every problem in it.

    The child is walked once, in document order (:meth:`held`): every element is checked against
    the schemas there, and the groups are kept by name, so building the events needs no second
    search of the tree.
    """

    def __init__(
        self,
        file: str,
        reference_date: dt.date | None,
        namespace: str,
        date_cache: dict[str, dt.date],
        order: int,
    ):
        self.file = file
        self.reference_date = reference_date
        self.ns = namespace
        self.kinds = _kinds_in(namespace)
        self.date_cache = date_cache
        self.order = order
        self.problems: list[Problem] = []
        self.events: list[Event] = []
        self.child_id = ""

    def date(self, element: Any, field: str) -> dt.date | None:
        text = element.text or ""
        found = self.date_cache.get(text)
        if found is not None:
            return found
        try:
            found = self.date_cache[text] = parse_iso_date(text.strip())
        except ValueError as exc:
            self.report(element, field, str(exc))
            return None
        return found

    def required(self, element: Any, held: _Held, name: str, path: str) -> tuple[Any, dt.date | None] | None:
        """The element ``name`` that ``element`` must hold, with its date; reported if absent."""
        found = held.get(name)
        if found is None:
            self.report(element, f"{path}/{name}", f"a {path} group must have {name}")
            return None
        return found, self.date(found, f"{path}/{name}")

    def held(self, element: Any, group: str) -> _Held:
        """What ``element`` (a ``group``) holds, by local name; every element the schemas do not
        allow where it stands is reported (the child is then left out)."""
        kinds = self.kinds[group]
        found: _Held = {}
        for child in element:
            kind = kinds.get(child.tag)
            if kind is None:
                tag = child.tag
                if isinstance(tag, str):  # not a processing instruction
                    name = tag[len(self.ns) :] if tag.startswith(self.ns) else tag
                    self.report_unknown(child, group, name, _GROUPS[group])
                continue
            name, is_group, repeated = kind
            if repeated:
                found.setdefault(name, []).append((child, self.held(child, name) if is_group else None))
            elif is_group:
                self.held(child, name)  # checked; nothing in it becomes an event
            elif name not in found:
                found[name] = child
        return found

    def report_unknown(self, element: Any, group: str, name: str, allowed: frozenset[str]) -> None:
        lowered = {a.lower(): a for a in allowed}
        close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.6)
        guess = f" (did you mean <{lowered[close[0]]}>?)" if close else ""
        self.report(
            element,
            f"{group}/{name[:60]}",
            f"<{group}> holds no element <{name[:60]}>{guess} in any census schema from {FIRST_YEAR}; "
            "the child is left out, since what the element holds would be missed",
        )

    def report(self, element: Any, field: str, message: str) -> None:
        who = f"child {self.child_id}: " if self.child_id else ""
        self.problems.append(
            problem(self.file, who + message, line=element.sourceline, field=field, code="E510")
        )

    def add(
        self,
        event_id: str,
        event_type: str,
        day: dt.date | None,
        line: int | None,
        attributes: dict[str, str] | None = None,
    ) -> None:
        if day is not None:
            events = self.events
            events.append(
                Event(event_id, event_type, day, attributes or {}, None, None, False, None, len(events), line)
            )

    def read(self, child: Any) -> Timeline:
        self.child_id = (child.findtext(f"{self.ns}ChildIdentifiers/{self.ns}LAchildID") or "").strip()
        if not self.child_id:
            self.report(child, "ChildIdentifiers/LAchildID", "the child has no LAchildID")
        held = self.held(child, "Child")
        for number, (episode, episode_held) in enumerate(held.get("CINdetails", ()), start=1):
            self.episode(episode, episode_held, f"cin{number}")
        if self.problems:
            raise TimelineError(self.problems)
        return Timeline(
            case=self.child_id,
            events=tuple(self.events),
            children=(self.child_id,),
            as_of=self.reference_date,
            source=self.file,
            recorded_types=RECORDED_TYPES,
            order=self.order,
        )

    def episode(self, episode: Any, held: _Held, key: str) -> None:
        required = self.required(episode, held, "CINreferralDate", "CINdetails")
        if required is None:
            return
        referral, referral_day = required
        self.add(f"{key}.referral", "referral", referral_day, referral.sourceline)
        nfa = held.get("ReferralNFA")
        if nfa is not None and self.flag(nfa, "CINdetails/ReferralNFA"):
            self.add(f"{key}.nfa", "referral_decision", referral_day, nfa.sourceline, {"response": "nfa"})
        closure = held.get("CINclosureDate")
        if closure is not None:
            self.add(
                f"{key}.closed",
                "case_closed",
                self.date(closure, "CINdetails/CINclosureDate"),
                closure.sourceline,
            )
        icpc_days: set[dt.date] = set()
        for number, (group, group_held) in enumerate(held.get("Section47", ()), start=1):
            self.section47(group, group_held, f"{key}.s47-{number}", icpc_days)
        episode_icpc = held.get("DateOfInitialCPC")
        if episode_icpc is not None:
            day = self.date(episode_icpc, "CINdetails/DateOfInitialCPC")
            if day is not None and day not in icpc_days:
                self.add(f"{key}.icpc", "icpc", day, episode_icpc.sourceline)
        for number, (_, assessment_held) in enumerate(held.get("Assessments", ()), start=1):
            self.assessment(assessment_held, f"{key}.asm-{number}")
        for number, (plan, plan_held) in enumerate(held.get("ChildProtectionPlans", ()), start=1):
            self.plan(plan, plan_held, f"{key}.cpp-{number}")

    def flag(self, element: Any, field: str) -> bool:
        text = (element.text or "").strip()
        value = parse_boolean(text)
        if value is None or text.lower() in ("yes", "no", "y", "n"):
            self.report(element, field, f"expected true, false, 1 or 0, got {quoted(text)}")
            return False
        return value

    def section47(self, group: Any, held: _Held, key: str, icpc_days: set[dt.date]) -> None:
        required = self.required(group, held, "S47ActualStartDate", "Section47")
        if required is None:
            return
        start, start_day = required
        self.add(f"{key}.start", "strategy_discussion", start_day, start.sourceline, {"section47": "true"})
        not_required = held.get("ICPCnotRequired")
        if not_required is not None and self.flag(not_required, "Section47/ICPCnotRequired"):
            self.add(
                f"{key}.no-icpc",
                "section47_completed",
                start_day,
                not_required.sourceline,
                {"outcome": "no_icpc"},
            )
        icpc = held.get("DateOfInitialCPC")
        if icpc is not None:
            day = self.date(icpc, "Section47/DateOfInitialCPC")
            if day is not None:
                icpc_days.add(day)
            self.add(f"{key}.icpc", "icpc", day, icpc.sourceline)
        target = held.get("InitialCPCtarget")
        if target is not None:
            self.date(target, "Section47/InitialCPCtarget")  # checked, not used: we compute our own

    def assessment(self, held: _Held, key: str) -> None:
        start = held.get("AssessmentActualStartDate")
        if start is not None:
            self.add(
                f"{key}.start",
                "assessment_started",
                self.date(start, "Assessments/AssessmentActualStartDate"),
                start.sourceline,
            )
        done = held.get("AssessmentAuthorisationDate")
        if done is not None:
            self.add(
                f"{key}.done",
                "assessment_completed",
                self.date(done, "Assessments/AssessmentAuthorisationDate"),
                done.sourceline,
            )

    def plan(self, plan: Any, held: _Held, key: str) -> None:
        required = self.required(plan, held, "CPPstartDate", "ChildProtectionPlans")
        if required is None:
            return
        start, start_day = required
        self.add(f"{key}.start", "cp_plan_started", start_day, start.sourceline)
        end = held.get("CPPendDate")
        end_day = self.date(end, "ChildProtectionPlans/CPPendDate") if end is not None else None
        if end is not None:
            self.add(f"{key}.end", "cp_plan_ended", end_day, end.sourceline)
            if start_day and end_day and end_day < start_day:
                self.report(
                    end,
                    "ChildProtectionPlans/CPPendDate",
                    f"the plan ends ({end_day}) before it starts ({start_day})",
                )
        number = 0
        for _, reviews_held in held.get("Reviews", ()):
            for review, _ in reviews_held.get("CPPreviewDate", ()):
                number += 1
                day = self.date(review, "ChildProtectionPlans/Reviews/CPPreviewDate")
                if day is not None and start_day is not None and day <= start_day:
                    self.report(
                        review,
                        "ChildProtectionPlans/Reviews/CPPreviewDate",
                        f"a review ({day}) on or before the plan's start ({start_day})",
                    )
                outcome = "end" if day is not None and day == end_day else "continue"
                self.add(f"{key}.review-{number}", "rcpc", day, review.sourceline, {"outcome": outcome})


#: A shard of a census file: (this worker, number of workers, children per block). Worker k reads
#: the children of blocks k, k + n, k + 2n, ... and only scans past the others.
Shard = tuple[int, int, int]


def iter_census_timelines(
    path: Path, vocabulary: Vocabulary, shard: Shard | None = None
) -> Iterator[Timeline | TimelineError]:
    """Stream the children of a census file: memory stays flat whatever the file's size.

    With ``shard``, only that shard's children are read (problems with the file as a whole are
    reported by shard 0 alone, so a run reports them once).
    """
    file = str(path)
    _refuse_dtd(path)
    reference_date: dt.date | None = None
    seen: dict[str, int | None] = {}
    date_cache: dict[str, dt.date] = {}
    index = -1
    context = etree.iterparse(
        file,
        events=("end",),
        # Only these come back to Python; the rest stays in C.
        tag=("{*}Collection", "{*}Year", "{*}ReferenceDate", "{*}Child"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        for _, element in context:
            name = _local(element.tag)
            parent = element.getparent()
            if name != "Child" and (parent is None or _local(parent.tag) != "CollectionDetails"):
                continue  # not the header's: one inside a child is reported with the child
            if name in ("Collection", "Year"):
                _refuse_collection(file, element)
            elif name == "ReferenceDate":
                try:
                    reference_date = parse_iso_date((element.text or "").strip())
                except ValueError as exc:
                    raise TimelineError(
                        [
                            problem(
                                file,
                                f"Header ReferenceDate: {exc}",
                                line=element.sourceline,
                                field="Header/CollectionDetails/ReferenceDate",
                                code="E510",
                            )
                        ]
                    ) from None
            elif name == "Child":
                index += 1
                if shard is not None and (index // shard[2]) % shard[1] != shard[0]:
                    # Another worker's child: remember its id (for duplicates) and move on.
                    child_id = element.findtext("{*}ChildIdentifiers/{*}LAchildID")
                    if child_id:
                        seen.setdefault(child_id.strip(), element.sourceline)
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                    continue
                tag = element.tag
                namespace = tag[: tag.index("}") + 1] if tag[0] == "{" else ""
                reader = _ChildReader(file, reference_date, namespace, date_cache, index)
                try:
                    timeline = reader.read(element)
                except TimelineError as error:
                    yield error
                else:
                    if timeline.case in seen:
                        yield TimelineError(
                            [
                                problem(
                                    file,
                                    f"child {timeline.case} appears twice (first on line "
                                    f"{seen[timeline.case]})",
                                    line=element.sourceline,
                                    field="ChildIdentifiers/LAchildID",
                                    code="E511",
                                )
                            ]
                        )
                    else:
                        seen[timeline.case] = element.sourceline
                        yield timeline
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        if shard is not None and shard[0] != 0:
            return
        line = exc.position[0] if exc.position else None
        raise TimelineError(
            [problem(file, f"not well-formed XML: {exc.msg}", line=line, code="E500")]
        ) from None
    if (context.root is None or _local(context.root.tag) != "Message") and (shard is None or shard[0] == 0):
        raise TimelineError([problem(file, "not a CIN census file (no <Message> root)", code="E500")])


def census_child_timeline(
    xml: bytes, *, reference_date: dt.date | None, file: str = "<census child>", order: int = 0
) -> Timeline:
    """One ``<Child>`` element of a census, given as bytes (a record of a distributed job), as the
    timeline the file reader makes of it. ``reference_date``: the census's ReferenceDate (the
    header is not part of the record). Raises :class:`TimelineError` naming ``file``, the line in
    the record and the element, as the file reader would."""
    if _DOCTYPE.search(xml.decode("utf-8", errors="replace")):
        raise TimelineError(
            [problem(file, "the record declares a DOCTYPE or entities; refused for safety", code="E501")]
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        element = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise TimelineError(
            [problem(file, f"not well-formed XML: {exc.msg}", line=line, code="E500")]
        ) from None
    if _local(element.tag) != "Child":
        found = _local(element.tag)
        raise TimelineError(
            [problem(file, f"not a census <Child> element but <{found}>", line=1, code="E500")]
        )
    tag = element.tag
    namespace = tag[: tag.index("}") + 1] if tag[0] == "{" else ""
    return _ChildReader(file, reference_date, namespace, {}, order).read(element)
