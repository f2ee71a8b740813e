"""Looked-after children: the Care Planning Regulations' rules beyond their YAML cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import timescales
from timescales.paths import shipped_rules_dir


def _timeline(events: list[dict[str, object]], **extra: object) -> timescales.Timeline:
    return timescales.load_timeline({"case": "T", "events": events, **extra})


@pytest.mark.parametrize("extend_national", [False, True])
def test_a_council_closure_day_does_not_extend_a_looked_after_review(
    tmp_path: Path, extend_national: bool
) -> None:
    # SI 2010/959 reg 2 defines "working day": a council's closure on Fri 27 Dec 2024 is one, even
    # when the pack says its closures extend national rules (those that leave the term undefined).
    pack = tmp_path / "closingshire"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "pack: closingshire\ntitle: Closed between Christmas and New Year\n"
        "authority: closingshire\nextends: england\n"
        "non_working_days:\n  - {date: 2024-12-27, name: council closure}\n"
        + ("non_working_days_extend_national_rules: true\n" if extend_national else ""),
        encoding="utf-8",
    )
    rules = timescales.load_rules(shipped_rules_dir(), tmp_path)
    events = [{"id": "start", "type": "looked_after_started", "date": "2024-12-13"}]
    report = timescales.check(_timeline(events, authority="closingshire"), rules, as_of=dt.date(2025, 3, 1))
    (finding,) = [
        f for f in report.findings if f.rule == "england.cla-reviews-20-working-days-3-months-6-months"
    ]
    # Fri 13 Dec + 20 WD: 16-20 Dec (5), 23-24 (7), 27 (8), 30-31 (10), 2-3 Jan (12), 6-10 (17),
    # 13-15 (20) = Wed 15 Jan 2025; with the closure counted it would be Thu 16 Jan.
    assert finding.due == dt.date(2025, 1, 15)
    assert "council closure" not in finding.explanation


# -- the SSDA903 return: five children worked out by hand -------------------------------------------

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\n"
REVIEW_RULE = "england.cla-reviews-20-working-days-3-months-6-months"

# 2023/24 files (as the DfE's own CSVs: dd/mm/yyyy).
EPISODES_2024 = EPISODES + (
    "1001,14/03/2024,S,C2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111\n"  # open at 31 March 2024
    "1003,01/02/2020,P,C2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111\n"  # in care before the files begin
)
# 2024/25 files: 1001's episode again, now closed by a move.
EPISODES_2025 = EPISODES + (
    "1001,14/03/2024,S,C2,N1,U1,PR1,10/06/2024,X1,,LS1 1AA,LS2 2BB,SC111111\n"
    "1001,10/06/2024,P,C2,N1,U3,PR1,,,CARPL,LS1 1AA,LS3 3CC,SC222222\n"
    "1002,01/05/2024,S,V2,N1,U1,PR1,20/05/2024,E11,,LS1 1AA,LS2 2BB,SC111111\n"
    "1002,02/09/2024,S,V2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111\n"
    "1003,01/02/2020,P,C2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111\n"
    "1004,03/06/2024,S,V2,N1,U1,PR1,01/07/2024,X1,,LS1 1AA,LS2 2BB,SC111111\n"
    "1004,05/07/2024,P,V2,N1,U3,PR1,,,CARPL,LS1 1AA,LS3 3CC,SC222222\n"  # line 8: a 4-day gap
    "1005,01/08/2024,S,V2,N1,U1,PR1,15/09/2024,X1,,LS1 1AA,LS2 2BB,SC111111\n"
    "1005,01/09/2024,P,V2,N1,U3,PR1,,,CARPL,LS1 1AA,LS3 3CC,SC222222\n"  # line 10: overlaps
)
REVIEWS_2025 = REVIEWS + (
    "1001,01/01/2015,15/04/2024,PN1\n"
    "1001,01/01/2015,22/07/2024,PN1\n"
    "1001,01/01/2015,20/01/2025,PN1\n"
    "1003,01/01/2012,10/10/2024,PN1\n"
    "1005,01/01/2016,31/02/2025,PN1\n"  # line 6: no such date
)


def _write_903(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    files = {
        "SSDA903_2024_episodes.csv": EPISODES_2024,
        "episodes.csv": EPISODES_2025,  # names do not matter: columns do
        "reviews_this_year.csv": REVIEWS_2025,
        "header.csv": "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1001,1,01/01/2015,WBRI,A123,,\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in files]


def _reports(paths: list[Path]) -> tuple[dict[str, list[timescales.Finding]], list[str], list[str]]:
    from timescales.adapters.ssda903 import iter_903_timelines
    from timescales.errors import TimelineError
    from timescales.timeline import SourceNote

    rules = timescales.load_rules()
    found: dict[str, list[timescales.Finding]] = {}
    errors: list[str] = []
    notes: list[str] = []
    for item in iter_903_timelines(paths, rules.vocabulary):
        if isinstance(item, TimelineError):
            errors.extend(str(p) for p in item.problems)
        elif isinstance(item, SourceNote):
            notes.append(str(item))
        else:
            report = timescales.check(item, rules)
            found[item.case] = [f for f in report.findings if f.rule == REVIEW_RULE]
    return found, errors, notes


def test_five_children_of_a_903_return_give_the_findings_worked_out_by_hand(tmp_path: Path) -> None:
    found, errors, notes = _reports(_write_903(tmp_path / "903"))
    # 1001 came into care Thu 14 Mar 2024 (2023/24); its reviews are in the 2024/25 file. 20 WD:
    # 15 Mar (1), 18-22 (6), 25-28 (10), Good Friday and Easter Monday skipped, 2-5 Apr (14), 8-12
    # (19), 15 Apr (20). Second: 15 Apr + 3 months = 15 Jul; held 22 Jul, 5 WD late. Third: 22 Jul
    # + 6 months = 22 Jan 2025, held 20 Jan. Fourth due 20 Jul 2025, after the as-of 31 Mar 2025.
    assert [(f.status.value, f.due.isoformat()) for f in found["1001"]] == [
        ("met", "2024-04-15"),
        ("late", "2024-07-15"),
        ("met", "2025-01-22"),
        ("pending", "2025-07-20"),
    ]
    assert found["1001"][1].late_by is not None and found["1001"][1].late_by.working_days == 5
    # 1002: in care Wed 1 May 2024, due Fri 31 May (6 and 27 May bank holidays), left 20 May:
    # cancelled. A new period Mon 2 Sep 2024: due Mon 30 Sep, no review by 31 Mar 2025: missing.
    assert [(f.status.value, f.due.isoformat()) for f in found["1002"]] == [
        ("cancelled", "2024-05-31"),
        ("missing", "2024-09-30"),
    ]
    # 1003 was in care before the files begin: no start to time its reviews from (noted).
    assert found["1003"] == []
    assert any("1 child(ren) were already looked after" in n for n in notes)
    assert any("as-of date 2025-03-31" in n for n in notes)
    # 1004 (a gap) and 1005 (an overlap, an impossible date) are left out, each problem at its line.
    assert "1004" not in found and "1005" not in found
    text = "\n".join(errors)
    assert (
        "episodes.csv:8: DECOM: child 1004: starts 2024-07-05, but the previous episode ended 2024-07-01"
        in text
    )
    assert "a gap of 4 days" in text
    assert "episodes.csv:10: DECOM: child 1005: starts 2024-09-01, before the previous episode ended" in text
    assert "reviews_this_year.csv:6:3: REVIEW: child 1005:" in text
    assert len(errors) == 3


def test_a_903_with_iso_dates_and_la_year_columns_reads_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "regional"
    folder.mkdir()
    (folder / "eps.csv").write_text(
        EPISODES.rstrip("\n") + ",LA,YEAR\n"
        "1002,2024-09-02,S,V2,N1,U1,PR1,,,,LS1 1AA,LS2 2BB,SC111111,Leeds,2025\n",
        encoding="utf-8",
    )
    (folder / "rev.csv").write_text(
        "CHILD,DOB,REVIEW,REVIEW_CODE,LA,YEAR\n1002,2016-01-01,2024-10-01,PN1,Leeds,2025\n", encoding="utf-8"
    )
    found, errors, notes = _reports([folder / "eps.csv", folder / "rev.csv"])
    assert errors == []
    assert [(f.status.value, f.due.isoformat()) for f in found["Leeds/1002"]] == [
        ("late", "2024-09-30"),
        ("missing", "2025-01-01"),  # 1 Oct + 3 months; none by 31 Mar 2025
    ]
    assert any("as-of date 2025-03-31: the end of the return year of the latest YEAR" in n for n in notes)


def test_the_903_xml_is_read_like_its_tables(tmp_path: Path) -> None:
    xml = tmp_path / "return.xml"
    xml.write_text(
        "<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903>\n"
        "<CHILD><HEADER><CHILDID>2001</CHILDID><DOB>01/01/2015</DOB>\n"
        "<AREVIEW><REVIEW>30/09/2024</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW></HEADER>\n"
        "<EPISODE><DECOM>02/09/2024</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL>"
        "<DEC /><REC /></EPISODE></CHILD>\n</EXPSSDA903>\n",
        encoding="ascii",
    )
    found, errors, _ = _reports([xml])
    assert errors == []
    # As of 31 Mar 2025 (the end of the return year of the latest date): the second review is missing.
    assert [(f.status.value, f.due.isoformat()) for f in found["2001"]] == [
        ("met", "2024-09-30"),
        ("missing", "2024-12-30"),
    ]


def test_the_installed_command_reads_a_folder_of_903_tables(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    _write_903(tmp_path / "903")
    command = str(Path(sys.executable).parent / "timescales")
    done = subprocess.run(
        [command, "check", str(tmp_path / "903"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr  # two children left out
    report = json.loads(done.stdout)
    cases = {c["case"] for c in report["cases"]}
    assert cases == {"1001", "1002", "1003"}
    # Visits, plans and health assessments are not in the 903: those rules are listed as not checked.
    assert any("england.cla-visits-1-week-then-6-weekly" in n for n in report["notes"])


# -- the snapshot rule kind ---------------------------------------------------------------------------


def test_lint_refuses_a_snapshot_rule_that_repeats(tmp_path: Path) -> None:
    from timescales.errors import RuleFileError

    pack = tmp_path / "snapshotshire"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "pack: snapshotshire\ntitle: T\nauthority: snapshotshire\n", encoding="utf-8"
    )
    (pack / "lists.yaml").write_text(
        "rules:\n"
        "  - id: snapshotshire.latest-review\n"
        "    title: Latest review\n"
        "    snapshot: true\n"
        "    trigger: {type: cla_review}\n"
        "    expects: {type: cla_review}\n"
        "    within: 6 calendar months\n"
        "    repeat: {every: 6 calendar months}\n"
        "    versions:\n"
        "      - in_force: {from: 2020-01-01}\n"
        "        source: {document: D, section: '1', evidence: seed}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleFileError) as caught:
        timescales.load_rules(tmp_path)
    assert any(p.code == "E311" and "snapshot" in p.message for p in caught.value.problems)


def test_snapshot_rules_judge_only_lists_of_latest_dates() -> None:
    rules = timescales.load_rules()
    events = [{"id": "r", "type": "cla_review", "date": "2024-01-10"}]
    history = timescales.check(_timeline(events), rules, as_of=dt.date(2024, 12, 31))
    assert not any(f.rule.startswith("england.snapshot-") for f in history.findings)
    import dataclasses

    latest = dataclasses.replace(_timeline(events), latest_only=frozenset({"cla_review"}))
    report = timescales.check(latest, rules, as_of=dt.date(2024, 12, 31))
    # Only the snapshot rule: the reviews rule cannot be judged from a latest date.
    (finding,) = report.findings
    assert finding.rule == "england.snapshot-cla-latest-review-within-6-months"
    assert finding.status.value == "missing" and finding.due == dt.date(2024, 7, 10)
    assert finding.explanation.startswith("The latest looked-after review on the list is Wed 10 Jan 2024")
    assert "only the latest date" in finding.explanation
