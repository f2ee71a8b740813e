"""Pseudonymised reports (``timescales check --pseudonymise``), for sharing outside the council.

Every case and child id is replaced by a keyed hash, HMAC-SHA256 under the council's own secret
key, shown as ``p-`` and 16 hex digits. A keyed hash, not a plain one: case and child ids are short
and follow known patterns (an LAchildID, a case number), so anyone could hash every candidate and
read a plain hash back; without the key they cannot. The same key gives the same pseudonym in
every run, so reports made months apart can still be compared child by child, and the council,
which holds the key, can find a child again by hashing its id. There is no default key (a key
everyone knows protects nothing): without one the command refuses to run.

What else changes, so that nothing in the report leads back to a person:

* the values of carried columns (``worker``, ``team``, any other column of an export) are keyed
  hashes too: a carried column may hold a name; equal values still give equal pseudonyms, so
  findings can still be grouped and filtered by them;
* event ids are renumbered within their case in their own order (``e1``, ``e2``, ...; a case
  system's ids may hold a case number); findings do not change, since same-day events keep their
  order;
* the file a case came from is named by a keyed hash of its path (its suffix kept);
* the inputs left out are counted, not quoted: their messages name files, children and values,
  so they are shown only on the terminal of whoever ran the check.

The rules, dates, statuses, explanations and figures are unchanged.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
from pathlib import Path, PurePath

from .outputs import RunTotals
from .timeline import Event, Timeline

#: The environment variable holding the key (a key file is given with --pseudonym-key-file).
KEY_VARIABLE = "TIMESCALES_PSEUDONYM_KEY"
#: The shortest key accepted: 16 bytes (128 bits) is the least HMAC-SHA256's key should carry.
MIN_KEY_BYTES = 16
#: What a pseudonymised report lists for each input left out.
WITHHELD = (
    "left out: the message is withheld from a pseudonymised report (it may name a file, a child or "
    "a value); the run's own messages show it"
)


class PseudonymKeyError(ValueError):
    """No usable key: the message says what to do."""


def read_key(key_file: Path | None, environ: dict[str, str] | None = None) -> bytes:
    """The key from ``key_file`` if given, else from :data:`KEY_VARIABLE`; refused if absent or short."""
    environ = dict(os.environ) if environ is None else environ
    if key_file is not None:
        try:
            key = key_file.read_bytes().strip()
        except OSError as exc:
            raise PseudonymKeyError(f"cannot read the key file {key_file}: {exc.strerror or exc}") from None
        where = f"the key file {key_file}"
    elif environ.get(KEY_VARIABLE):
        key = environ[KEY_VARIABLE].strip().encode("utf-8")
        where = KEY_VARIABLE
    else:
        raise PseudonymKeyError(
            f"--pseudonymise needs the council's secret key: set {KEY_VARIABLE} or give "
            "--pseudonym-key-file (no default key is used: anyone could reverse its pseudonyms)"
        )
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(
            f"the key in {where} is {len(key)} bytes long; a key needs at least {MIN_KEY_BYTES} "
            "(for example: python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return key


@dataclasses.dataclass(frozen=True)
class Pseudonymiser:
    key: bytes = dataclasses.field(repr=False)

    def pseudonym(self, value: str) -> str:
        """The keyed hash of an id or a carried value: ``p-`` and 16 hex digits (64 bits)."""
        return "p-" + hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    def source(self, path: str | None) -> str | None:
        """A file's path as a pseudonymised report names it (its suffix kept)."""
        if path is None:
            return None
        return f"input-{self.pseudonym(path)[2:14]}{PurePath(path).suffix}"

    def timeline(self, timeline: Timeline) -> Timeline:
        """The case with its ids, carried values and file replaced; its findings are unchanged."""
        order = sorted(timeline.events, key=Event.sort_key)
        width = len(str(len(order)))
        renamed = {event.id: f"e{rank:0{width}d}" for rank, event in enumerate(order, start=1)}
        children = {child: self.pseudonym(child) for child in timeline.children}

        def event(e: Event) -> Event:
            return dataclasses.replace(
                e,
                id=renamed[e.id],
                children=None
                if e.children is None
                else tuple(children.get(c) or self.pseudonym(c) for c in e.children),
                refers_to=None
                if e.refers_to is None
                else renamed.get(e.refers_to, self.pseudonym(e.refers_to)),
                note=None,
                carried={name: self.pseudonym(value) for name, value in e.carried.items()},
            )

        return dataclasses.replace(
            timeline,
            case=self.pseudonym(timeline.case),
            events=tuple(event(e) for e in timeline.events),
            children=tuple(children.values()),
            source=self.source(timeline.source),
            left_out=tuple(WITHHELD for _ in timeline.left_out),
            council_dues={renamed.get(k, k): due for k, due in timeline.council_dues.items()},
        )

    def totals(self, totals: RunTotals) -> RunTotals:
        """The run's notes with their files pseudonymised, and the inputs left out withheld."""
        notes = []
        for note in totals.notes:
            # Every run note is "FILE: text" (timeline.SourceNote and batch's notes on sources).
            path, sep, text = note.partition(": ")
            notes.append(f"{self.source(path)}{sep}{text}" if sep else note)
        return dataclasses.replace(
            totals, left_out=tuple(WITHHELD for _ in totals.left_out), notes=tuple(notes)
        )
