"""The CIN census importer: every review, every yes/no spelling, child-level problems, hostile XML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import timescales
from timescales.adapters.cin_census import iter_census_timelines
from timescales.errors import TimelineError

HERE = Path(__file__).parent
HAND = HERE / "data" / "cin" / "hand-2024.xml"
SAMPLES = HERE / "data" / "cin" / "samples"  # public synthetic files: tests/data/cin/README.md
SCHEMAS = HERE / "data" / "cin" / "xsd"


def _items(path: Path, rules: timescales.RuleSet) -> list[timescales.Timeline | TimelineError]:
    return list(iter_census_timelines(path, rules.vocabulary))


def test_every_review_date_in_one_reviews_group_is_read(rules: timescales.RuleSet) -> None:
    c1 = _items(HAND, rules)[0]
    assert isinstance(c1, timescales.Timeline)
    reviews = [e.date.isoformat() for e in c1.events if e.type == "rcpc"]
    assert reviews == ["2023-08-30", "2024-03-01"]
    assert c1.as_of is not None and c1.as_of.isoformat() == "2024-03-31"  # the census reference date


def test_hand_census_findings_worked_out_by_hand(rules: timescales.RuleSet) -> None:
    c1 = _items(HAND, rules)[0]
    assert isinstance(c1, timescales.Timeline)
    report = timescales.check(c1, rules)
    got = {(f.rule.split(".")[1], f.occurrence): (f.status.value, f.due.isoformat()) for f in report.findings}
    # S47 Fri 5 May 2023 + 15 WD, skipping 8 and 29 May bank holidays = Tue 30 May; ICPC 31 May: late.
    assert got[("icpc-within-15-working-days", 1)] == ("late", "2023-05-30")
    # Plan 31 May 2023 + 3 months = 31 Aug; review 30 Aug: met. 30 Aug + 6 months = 29 Feb 2024;
    # the second review (1 Mar 2024, in the same <Reviews> group) is late; the third is pending.
    assert got[("review-conferences-3-then-6-months", 1)] == ("met", "2023-08-31")
    assert got[("review-conferences-3-then-6-months", 2)] == ("late", "2024-02-29")
    assert got[("review-conferences-3-then-6-months", 3)] == ("pending", "2024-09-01")
    # Referral Tue 2 May 2023 + 45 WD (8 May and 29 May skipped) = Thu 6 Jul; authorised 5 Jul: met.
    assert got[("assessment-within-45-working-days", 1)] == ("met", "2023-07-06")
    # A census records no referral decisions or complaints: those rules are not judged.
    assert not any(f.rule.startswith("england.referral-decision") for f in report.findings)


def test_icpc_not_required_cancels_the_conference(rules: timescales.RuleSet) -> None:
    c2 = _items(HAND, rules)[1]
    assert isinstance(c2, timescales.Timeline)
    report = timescales.check(c2, rules)
    statuses = {f.rule: f.status.value for f in report.findings}
    assert statuses["england.icpc-within-15-working-days"] == "cancelled"
    assert statuses["england.assessment-within-45-working-days"] == "cancelled"  # closed 30 June


def test_child_level_problems_name_child_element_and_line(rules: timescales.RuleSet) -> None:
    items = _items(HAND, rules)
    errors = [i for i in items if isinstance(i, TimelineError)]
    assert [str(e.problems[0]) for e in errors] == [
        f"{HAND}:49: CINdetails/CINreferralDate: child C3: '2023-02-30' is not a real date",
        f"{HAND}:60: ChildProtectionPlans/Reviews/CPPreviewDate: child C4: a review (2023-09-15) on or "
        "before the plan's start (2023-10-02)",
    ]
    assert [i.case for i in items if isinstance(i, timescales.Timeline)] == ["C1", "C2"]


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><Message>&x;</Message>',
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<Message>&b;</Message>",
    ],
    ids=["external entity", "entity expansion"],
)
def test_hostile_xml_is_refused(tmp_path: Path, rules: timescales.RuleSet, body: str) -> None:
    path = tmp_path / "hostile.xml"
    path.write_text(body)
    with pytest.raises(TimelineError) as caught:
        _items(path, rules)
    assert caught.value.problems[0].code == "E501"


def test_not_xml_is_refused_with_a_line(tmp_path: Path, rules: timescales.RuleSet) -> None:
    path = tmp_path / "notxml.xml"
    path.write_text("case,child\nA,B\n")
    with pytest.raises(TimelineError) as caught:
        _items(path, rules)
    assert caught.value.problems[0].code == "E500"


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_every_public_sample_gives_a_report(sample: Path) -> None:
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(sample), "--format", "json"],
        capture_output=True,
        text=True,
        env=os.environ,
        check=False,
    )
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["schema"] == "timescales/report/1"
    assert report["summary"]["cases"] + sum(1 for _ in report["left_out"]) >= 1


def test_dfe_measures_over_a_batch_are_worked_out_by_hand(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(HAND), "--format", "json"], capture_output=True, text=True, check=False
    )
    measures = json.loads(result.stdout)["summary"]["measures"]
    icpc = measures["icpc_within_15_working_days"]
    # C1: S47 Fri 5 May 2023 to ICPC Wed 31 May 2023 = 16 working days (8 and 29 May skipped).
    # C2: no conference (not required). C3 and C4 are left out.
    assert icpc["bands"] == {"0-10": 0, "11-15": 0, "16-20": 1, "21+": 0}
    assert (icpc["conferences"], icpc["within"], icpc["enquiries_without_conference"]) == (1, 0, 1)
    assessments = measures["assessments_within_45_working_days"]
    # C1: start Wed 3 May 2023, authorised Wed 5 July 2023 = 43 working days.
    assert assessments["bands"]["41-45"] == 1 and assessments["within"] == 1
    # C1's reviews: the first on time, the second late (1 March 2024 against 29 February).
    assert measures["reviews_on_time"] == {"due": 2, "on_time": 1, "percent": 50.0}


SCHEMA_2024 = SCHEMAS / "CIN_schema_2024.xsd"


@pytest.mark.parametrize(
    ("sample", "year"), [("liia-tt1-cin-2022.xml", 2022), ("liia-cin-2021.xml", 2021)], ids=lambda v: str(v)
)
def test_the_schema_valid_samples_validate_against_the_committed_dfe_schemas(sample: str, year: int) -> None:
    """The committed XSDs are the DfE's own: the samples their README calls valid pass them."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / f"CIN_schema_{year}.xsd")))
    assert schema.validate(etree.parse(str(SAMPLES / sample))), schema.error_log.last_error


def test_the_synthetic_census_generator_writes_schema_valid_files(tmp_path: Path) -> None:
    from lxml import etree

    sys.path.insert(0, str(HERE.parent / "bench"))
    from gen_census import write_census

    path = tmp_path / "census.xml"
    write_census(400, path, seed=7)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_2024)))
    assert schema.validate(etree.parse(str(path))), schema.error_log.last_error


# -- strictness: misspelt elements, other collections, old years --------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"


def _schema_groups(xsd: Path) -> dict[str, set[str]]:
    """Each element of a DfE schema that holds others, with the names it may hold."""
    from lxml import etree

    tree = etree.parse(str(xsd))
    types = {t.get("name"): t for t in tree.iter(f"{XS}complexType") if t.get("name")}
    groups: dict[str, set[str]] = {}
    for element in tree.iter(f"{XS}element"):
        complex_type = (
            types.get(element.get("type")) if element.get("type") else element.find(f"{XS}complexType")
        )
        sequence = complex_type.find(f"{XS}sequence") if complex_type is not None else None
        if sequence is not None:
            groups.setdefault(element.get("name"), set()).update(
                e.get("name") for e in sequence.findall(f"{XS}element")
            )
    return groups


def test_the_elements_allowed_in_a_child_are_those_of_every_schema_from_2017() -> None:
    from timescales.adapters.cin_census import _GROUPS

    union: dict[str, set[str]] = {}
    for xsd in sorted(SCHEMAS.glob("CIN_schema_*.xsd")):
        for group, names in _schema_groups(xsd).items():
            union.setdefault(group, set()).update(names)
    header = {"Message", "Header", "Children", "CollectionDetails", "Source"}
    expected = {group: names for group, names in union.items() if group not in header}
    # The 2026 collection's pre-proceedings group (in the DfE validator's 2026 sample, not the XSD).
    ours = {group: set(names) for group, names in _GROUPS.items()}
    pre_proceedings = ours.pop("PreProceedingsandFGDM")
    ours["CINdetails"].remove("PreProceedingsandFGDM")
    assert ours == expected
    sample = (SAMPLES / "validator-cin-census-2026.xml").read_text()
    assert all(f"<{name}>" in sample for name in pre_proceedings)


def _census(children: str, header: str = "<Collection>CIN</Collection><Year>2024</Year>") -> str:
    return (
        f'<?xml version="1.0"?>\n<Message>\n<Header><CollectionDetails>{header}'
        "<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header>\n<Children>\n"
        f"{children}</Children>\n</Message>\n"
    )


def _child(child_id: str, inside: str = "", episode: str = "CINdetails") -> str:
    return (
        f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID></ChildIdentifiers><{episode}>"
        f"<CINreferralDate>2023-05-02</CINreferralDate><ReferralNFA>0</ReferralNFA>{inside}</{episode}></Child>\n"
    )


def test_misspelt_and_unknown_elements_are_reported_per_child_at_their_line(
    tmp_path: Path, rules: timescales.RuleSet
) -> None:
    path = tmp_path / "census.xml"
    path.write_text(
        _census(
            _child("C1")
            + _child("C2", episode="CINDetails")
            + _child(
                "C3",
                "<Section47><S47ActualStartDate>2023-05-03</S47ActualStartDate>"
                "<ICPCNotRequired>1</ICPCNotRequired><Note>x</Note></Section47>",
            )
            + _child(
                "C4",
                '<Assessments xmlns="urn:other"><AssessmentActualStartDate>2023-05-03'
                "</AssessmentActualStartDate></Assessments>",
            )
            + _child("C5")
        )
    )
    items = _items(path, rules)
    assert [i.case for i in items if isinstance(i, timescales.Timeline)] == ["C1", "C5"]
    messages = [str(p) for i in items if isinstance(i, TimelineError) for p in i.problems]
    assert messages == [
        f"{path}:6: Child/CINDetails: child C2: <Child> holds no element <CINDetails> (did you mean "
        "<CINdetails>?) in any census schema from 2017; the child is left out, since what the element "
        "holds would be missed",
        f"{path}:7: Section47/ICPCNotRequired: child C3: <Section47> holds no element <ICPCNotRequired> "
        "(did you mean <ICPCnotRequired>?) in any census schema from 2017; the child is left out, since "
        "what the element holds would be missed",
        f"{path}:7: Section47/Note: child C3: <Section47> holds no element <Note> in any census schema "
        "from 2017; the child is left out, since what the element holds would be missed",
        f"{path}:8: CINdetails/{{urn:other}}Assessments: child C4: <CINdetails> holds no element "
        "<{urn:other}Assessments> (did you mean <Assessments>?) in any census schema from 2017; the child "
        "is left out, since what the element holds would be missed",
    ]


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xml")), ids=lambda p: p.name)
def test_the_public_samples_hold_no_unknown_element_but_the_deliberate_ones(
    sample: Path, rules: timescales.RuleSet
) -> None:
    unknown = [
        p.field
        for item in _items(sample, rules)
        if isinstance(item, TimelineError)
        for p in item.problems
        if "holds no element" in p.message
    ]
    # The liia-tools sample carries `extra_unkown` on purpose (tests/data/cin/README.md).
    deliberate = ["ChildIdentifiers/extra_unkown", "CINdetails/extra_unkown"]
    assert unknown == (deliberate if sample.name == "liia-cin-2022-three-children.xml" else [])


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "<Collection>CIN</Collection><Year>2016</Year>",
            ":3: Header/CollectionDetails/Year: a census of collection year '2016': timescales reads CIN "
            "census files from 2017 onwards (the schemas it knows)",
        ),
        (
            "<Collection>School</Collection><Year>2024</Year>",
            ":3: Header/CollectionDetails/Collection: not a CIN census file: the header names the "
            "collection 'School', not CIN",
        ),
    ],
    ids=["2016", "another collection"],
)
def test_another_collection_or_a_year_before_2017_is_refused_before_any_child(
    tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "census.xml"
    path.write_text(_census(_child("C1"), header))
    command = Path(sys.executable).parent / "timescales"
    result = subprocess.run(
        [str(command), "check", str(path), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert f"error: {path}{message}\n" in result.stderr
    assert json.loads(result.stdout)["cases"] == []


def test_another_root_is_refused_before_any_child(tmp_path: Path, rules: timescales.RuleSet) -> None:
    path = tmp_path / "other.xml"
    path.write_text('<?xml version="1.0"?>\n<!-- a <Message> -->\n<Return>' + _child("C1") + "</Return>\n")
    with pytest.raises(TimelineError) as caught:
        next(iter(iter_census_timelines(path, rules.vocabulary)))
    assert (
        str(caught.value) == f"{path}:3: not a CIN census file: its root element is <Return>, not <Message>"
    )


def test_a_year_element_inside_a_child_is_the_childs_problem_not_the_files(
    tmp_path: Path, rules: timescales.RuleSet
) -> None:
    path = tmp_path / "census.xml"
    path.write_text(_census(_child("C1", "<Year>2001</Year>") + _child("C2")))
    items = _items(path, rules)
    assert isinstance(items[0], TimelineError) and "holds no element <Year>" in items[0].message
    assert isinstance(items[1], timescales.Timeline) and items[1].case == "C2"
