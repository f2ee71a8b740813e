"""What an audit copy of a report must say about how it was made.

Every report format ends with the same facts: the tool's version, a fingerprint of the rule packs
used (so two reports can be shown to rest on the same rules), the last year the bank-holiday
calendar covers, the as-of date and when the report was generated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .calendar import LAST_YEAR, human_date
from .rules.model import Pack


def tool_version() -> str:
    try:
        return version("safeguarding-timescales")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def packs_fingerprint(packs: Iterable[Pack]) -> str:
    """SHA-256 over every file of the packs (pack file and rule files), in a fixed order.

    Files are named by pack id and file name, not by where they are installed, so the same packs
    give the same fingerprint on every machine.
    """
    files: set[tuple[str, str]] = set()
    for pack in packs:
        files.add((pack.id, pack.file))
        files.update((pack.id, rule.file) for rule in pack.rules if rule.file)
    digest = hashlib.sha256()
    for pack_id, file in sorted(files, key=lambda item: (item[0], Path(item[1]).name)):
        digest.update(f"{pack_id}/{Path(file).name}\0".encode())
        try:
            digest.update(Path(file).read_bytes())
        except OSError:  # packs built in memory (tests) have no file to read
            digest.update(b"\0unreadable\0")
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Provenance:
    tool_version: str
    rule_packs: tuple[str, ...]
    rule_packs_sha256: str
    calendar_last_year: int
    as_of: dt.date | None
    generated_at: dt.datetime | None

    @classmethod
    def of(cls, packs: Iterable[Pack], as_of: dt.date | None, generated_at: dt.datetime | None) -> Provenance:
        chosen = sorted(packs, key=lambda p: p.id)
        return cls(
            tool_version(),
            tuple(p.id for p in chosen),
            packs_fingerprint(chosen),
            LAST_YEAR - 1,  # dates are read up to the end of the year before LAST_YEAR
            as_of,
            generated_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": "timescales",
            "tool_version": self.tool_version,
            "rule_packs": list(self.rule_packs),
            "rule_packs_sha256": self.rule_packs_sha256,
            "calendar_last_year": self.calendar_last_year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "generated_at": self.generated_at.isoformat(timespec="seconds") if self.generated_at else None,
        }

    def line(self) -> str:
        """One line for the foot of a text, HTML, CSV or Excel report."""
        packs = ", ".join(self.rule_packs) or "none"
        as_of = human_date(self.as_of) if self.as_of else "each case's own date"
        made = self.generated_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if self.generated_at else "unknown"
        return (
            f"Made by timescales {self.tool_version}; rule packs {packs} "
            f"(sha256 {self.rule_packs_sha256[:16]}); bank-holiday calendar to {self.calendar_last_year}; "
            f"as of {as_of}; generated {made}."
        )
