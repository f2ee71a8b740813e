"""Where a report goes: its format from `--output`'s extension, and a write that is all or nothing.

The report is written to a temporary file in the target folder and renamed over the target only
when it is complete, so an interrupted or failed run never leaves half a report that looks whole.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import click

#: The format each report file extension means (`--format` may say the same, never otherwise).
FORMAT_OF_EXTENSION = {
    ".txt": "text",
    ".json": "json",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xml": "junit",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}
FORMAT_NAMES = {
    "text": "a text",
    "json": "a JSON",
    "csv": "a CSV",
    "html": "an HTML",
    "junit": "a JUnit XML",
    "xlsx": "an Excel",
    "parquet": "a Parquet",
    "measures-csv": "a measures CSV",
}
#: Formats written to files of another format's extension (the measures table is a .csv file).
SAME_EXTENSION = {"csv": ("measures-csv",)}
#: Formats that need an optional extra: the module they import and the extra that installs it.
EXTRAS = {"parquet": ("pyarrow", "parquet")}
#: Formats written as bytes (the others are UTF-8 text).
BINARY_FORMATS = frozenset({"xlsx", "parquet"})


class OutputError(Exception):
    """A report cannot be written where it was asked for: one line for the user, exit 2."""


def choose_format(fmt: str | None, output: Path | None) -> str:
    """`--format` if given, else the format `--output`'s extension names, else text."""
    implied = FORMAT_OF_EXTENSION.get(output.suffix.lower()) if output is not None else None
    if fmt in SAME_EXTENSION.get(implied or "", ()):
        implied = fmt
    if fmt is not None and implied is not None and fmt != implied:
        raise OutputError(
            f"--output {output} names {FORMAT_NAMES[implied]} file but --format is {fmt}: "
            f"change the file's extension or leave out --format"
        )
    chosen = fmt or implied or "text"
    if chosen in BINARY_FORMATS and output is None:
        raise OutputError(f"the {chosen} format is a file: give --output FILE.{chosen}")
    if chosen in EXTRAS:
        module, extra = EXTRAS[chosen]
        if importlib.util.find_spec(module) is None:
            raise OutputError(
                f"the {chosen} format needs {module}, which is not installed: "
                f"pip install 'safeguarding-timescales[{extra}]'"
            )
    return chosen


def refuse_input_as_output(inputs: Iterable[Path], output: Path | None) -> None:
    """Refuse, before anything runs, an `--output` that is one of the inputs: the report would
    replace the very file it was made from."""
    if output is None:
        return
    for given in inputs:
        if str(given) == "-":
            continue
        try:
            same = os.path.samefile(given, output)
        except OSError:  # one of them does not exist yet
            same = given.resolve() == output.resolve()
        if same:
            raise OutputError(
                f"--output {output} is also an input: the report would overwrite it; "
                "write the report somewhere else"
            )


@contextlib.contextmanager
def report_file(output: Path | None, binary: bool) -> Iterator[IO[str] | IO[bytes]]:
    """Standard output, or a temporary file beside ``output`` renamed onto it on success."""
    if output is None:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write the report to {output}: the folder {folder} does not exist")
    if output.is_dir():
        raise OutputError(f"cannot write the report to {output}: it is a folder")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise OutputError(f"cannot write the report to {output}: {error.strerror}") from None
    done = False
    try:
        # mkstemp makes the file private (0600); a report gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        if binary:
            with os.fdopen(handle, "wb") as out_bytes:
                yield out_bytes
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out_text:
                yield out_text
        try:
            os.replace(temporary, output)
        except OSError as error:
            raise OutputError(f"cannot write the report to {output}: {error.strerror}") from None
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def written(output: Path | None) -> None:
    if output is not None:
        click.echo(f"Report written to {output}", err=True)
