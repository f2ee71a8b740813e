"""Personal data: a rejected value typed into a coded field (a name, a date of birth) is quoted by
its first characters and its length only, on the terminal and in every report's inputs left out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timescales.errors import QUOTED_CHARACTERS, quoted

COMMAND = str(Path(sys.executable).parent / "timescales")
FREE_TEXT = "Jane Smith 03/05/2011"  # a name and a date of birth, typed where a code belongs


@given(st.text())
def test_a_quoted_value_shows_at_most_its_first_characters_and_its_length(value: str) -> None:
    shown = quoted(value)
    if len(value) <= QUOTED_CHARACTERS:
        assert shown == repr(value)
    else:
        assert shown == f"{value[:QUOTED_CHARACTERS] + '…'!r} ({len(value)} characters)"


def _files(folder: Path) -> list[Path]:
    """One input of each kind, each with the free text in a coded field of one case."""
    good = "  - {id: sd1, type: strategy_discussion, date: 2023-11-06, section47: true}\n"
    timeline = folder / "outcome.yaml"
    timeline.write_text(
        f"case: Y-1\nas_of: 2024-03-31\nevents:\n{good}  - {{id: i, type: icpc, date: 2023-11-29, "
        f"outcome: {FREE_TEXT}}}\n"
    )
    estimated = folder / "estimated.yaml"
    estimated.write_text(
        f"case: Y-2\nas_of: 2024-03-31\nevents:\n  - {{id: sd1, type: strategy_discussion, "
        f"date: 2023-11-06, estimated: {FREE_TEXT}}}\n"
    )
    nation = folder / "nation.yaml"
    nation.write_text(f"case: Y-3\nnation: {FREE_TEXT}\nas_of: 2024-03-31\nevents:\n{good}")
    log = folder / "log.csv"
    log.write_text(
        "case,child,id,type,date,outcome\n"
        "C1,A,sd1,strategy_discussion,2023-11-06,\n"
        f"C2,A,x,{FREE_TEXT},2023-11-07,\n"
        f"C3,A,sd1,strategy_discussion,{FREE_TEXT},\n"
        f"C4,B,i,icpc,2023-11-07,{FREE_TEXT}\n"
    )
    census = folder / "census.xml"
    census.write_text(
        '<?xml version="1.0"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>'
        "<Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header><Children>\n"
        "<Child><ChildIdentifiers><LAchildID>K1</LAchildID></ChildIdentifiers><CINdetails>"
        f"<CINreferralDate>2023-05-02</CINreferralDate><ReferralNFA>{FREE_TEXT}</ReferralNFA>"
        "</CINdetails></Child>\n</Children></Message>\n"
    )
    return [timeline, estimated, nation, log, census]


@pytest.mark.parametrize("suffix", [".json", ".csv", ".html", ".xlsx", ".xml"])
def test_free_text_in_a_coded_field_is_never_echoed_in_full(tmp_path: Path, suffix: str) -> None:
    report = tmp_path / f"report{suffix}"
    run = subprocess.run(
        [COMMAND, "check", *map(str, _files(tmp_path)), "--as-of", "2024-03-31", "--output", str(report)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    # Every file was read and its bad value reported: the events, the boolean, the nation, the
    # type, date and outcome columns, the census yes/no item.
    quote = f"'Jan…' ({len(FREE_TEXT)} characters)"
    assert run.stderr.count(quote) == 7, run.stderr
    written = report.read_bytes()
    if suffix == ".xlsx":
        import zipfile

        with zipfile.ZipFile(report) as book:
            written = b"".join(book.read(name) for name in book.namelist())
    for secret in ("Smith", "03/05/2011"):
        assert secret not in run.stderr
        assert secret.encode() not in written
    # The inputs left out are listed in the report, by their first characters (a CSV report is the
    # findings table alone).
    assert f"({len(FREE_TEXT)} characters)".encode() in written or suffix in (".csv", ".xlsx")


def test_a_misspelt_code_is_quoted_in_full_beside_the_right_one(tmp_path: Path) -> None:
    """A value close to a known code is a slip of the keyboard, not free text: shown whole."""
    path = tmp_path / "case.yaml"
    path.write_text(
        "case: M-1\nas_of: 2024-03-31\nevents:\n"
        "  - {id: sd1, type: strategy_discusion, date: 2023-11-06}\n"
        "  - {id: i, type: icpc, date: 2023-11-29, outcome: no_plna}\n"
    )
    run = subprocess.run([COMMAND, "check", str(path)], capture_output=True, text=True, check=False)
    assert "unknown event type 'strategy_discusion' (did you mean 'strategy_discussion'?)" in run.stderr
    assert "'no_plna' is not one of: plan, no_plan (did you mean 'no_plan'?)" in run.stderr


# -- --pseudonymise ------------------------------------------------------------------------------------

KEY = "a-council-secret-of-32-characters"
#: Every id and name in the inputs below: none may appear in a pseudonymised report.
ORIGINALS = ("CASEZQX", "KAYZQX", "LEEZQX", "WORKERZQX", "TEAMZQX", "CENSUSZQX", "EVENTZQX")


def _identified_inputs(folder: Path) -> list[Path]:
    timeline = folder / "CASEZQX-1.yaml"
    timeline.write_text(
        "case: CASEZQX-1\nas_of: 2024-03-31\nchildren: [KAYZQX, LEEZQX]\nevents:\n"
        "  - {id: EVENTZQX-sd, type: strategy_discussion, date: 2023-11-06, section47: true}\n"
        "  - {id: EVENTZQX-icpc, type: icpc, date: 2023-11-29, outcome: plan, note: KAYZQX's conference}\n"
        "  - {id: EVENTZQX-mins, type: minutes_sent, date: 2024-01-20, for: EVENTZQX-icpc,\n"
        "     children: [KAYZQX]}\n"
    )
    log = folder / "log.csv"
    log.write_text(
        "case,child,id,type,date,section47,worker,team\n"
        "CASEZQX-2,KAYZQX,EVENTZQX-1,strategy_discussion,2023-11-06,true,WORKERZQX,TEAMZQX\n"
        "CASEZQX-2,KAYZQX,EVENTZQX-2,icpc,2023-12-06,,WORKERZQX,TEAMZQX\n"
        "CASEZQX-3,LEEZQX,EVENTZQX-3,icpc,not a date,,WORKERZQX,TEAMZQX\n"
    )
    census = folder / "census.xml"
    census.write_text(
        (Path(__file__).parent / "data" / "cin" / "hand-2024.xml")
        .read_text()
        .replace("<LAchildID>C", "<LAchildID>CENSUSZQX")
    )
    return [timeline, log, census]


def _check(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "TIMESCALES_PSEUDONYM_KEY"}
    if key is not None:
        env["TIMESCALES_PSEUDONYM_KEY"] = key
    return subprocess.run([COMMAND, "check", *args], capture_output=True, text=True, env=env, check=False)


@pytest.mark.parametrize("key", [None, "short"], ids=["no key", "a short key"])
def test_pseudonymise_refuses_to_run_without_a_proper_key(tmp_path: Path, key: str | None) -> None:
    run = _check(str(_identified_inputs(tmp_path)[0]), "--pseudonymise", key=key)
    assert run.returncode == 2 and run.stdout == ""
    assert ("needs the council's secret key" if key is None else "needs at least 16") in run.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "html", "junit", "xlsx"])
def test_no_original_id_or_name_appears_in_any_pseudonymised_report(tmp_path: Path, fmt: str) -> None:
    inputs = _identified_inputs(tmp_path)
    report = tmp_path / f"report.{ {'junit': 'xml', 'text': 'txt'}.get(fmt, fmt) }"
    run = _check(*map(str, inputs), "--pseudonymise", "--format", fmt, "--output", str(report))
    assert run.returncode == 2, run.stderr  # a bad date in the CSV, two impossible census children
    # The terminal, for whoever ran the check, keeps the real messages; the report withholds them.
    assert "child CENSUSZQX3: '2023-02-30' is not a real date" in run.stderr
    written = report.read_bytes()
    if fmt == "xlsx":
        import zipfile

        with zipfile.ZipFile(report) as book:
            written = b"".join(book.read(name) for name in book.namelist())
    for original in ORIGINALS:
        assert original.encode() not in written, original
    assert b"p-" in written


def _findings(report: dict[str, object]) -> list[tuple[object, ...]]:
    cases = report["cases"]
    assert isinstance(cases, list)
    return sorted(
        (f["rule"], f["status"], f["due"], f["trigger"]["type"], f["trigger"]["date"], f["explanation"])
        for case in cases
        for f in case["findings"]
    )


def test_pseudonyms_are_stable_per_key_and_findings_unchanged(tmp_path: Path) -> None:
    import json

    inputs = [str(p) for p in _identified_inputs(tmp_path)]
    plain = json.loads(_check(*inputs, "--format", "json", key=None).stdout)
    first = json.loads(_check(*inputs, "--pseudonymise", "--format", "json").stdout)
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    again = json.loads(
        _check(*inputs, "--pseudonym-key-file", str(key_file), "--format", "json", key=None).stdout
    )
    other = json.loads(
        _check(*inputs, "--pseudonymise", "--format", "json", key="another-key-of-enough-length").stdout
    )
    ids = [c["case"] for c in first["cases"]]
    assert ids == [c["case"] for c in again["cases"]]  # same key (env or file): same pseudonyms
    assert not set(ids) & {c["case"] for c in other["cases"]}  # another key: others
    assert _findings(first) == _findings(plain)  # the same deadlines, judged the same way
    assert first["summary"] == plain["summary"]
    assert len(first["left_out"]) == len(plain["left_out"]) == 3


def test_filters_name_the_real_ids(tmp_path: Path) -> None:
    import json

    inputs = [str(p) for p in _identified_inputs(tmp_path)]
    run = _check(
        *inputs, "--pseudonymise", "--format", "json", "--case", "CASEZQX-2", "--worker", "WORKERZQX"
    )
    listed = [c for c in json.loads(run.stdout)["cases"] if c["findings"]]
    assert len(listed) == 1 and listed[0]["case"].startswith("p-")
    assert {f["attributes"]["worker"] for f in listed[0]["findings"]} == {
        listed[0]["findings"][0]["attributes"]["worker"]
    }
