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
