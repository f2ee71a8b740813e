"""The one-step builders of findings (findings.new_finding, event_ref) make exactly what the
dataclass constructors make: equal, hashed alike, frozen, and pickled alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import pickle

import pytest

from timescales.findings import EventRef, Finding, Lateness, SourceRef, Status, event_ref, new_finding

DAY = dt.date(2023, 11, 6)
SOURCE = SourceRef("Working Together", "2023", "para 141", None, "quoted")


def _values() -> list[object]:
    return [
        "CASE-1",
        "child-a",
        "england.icpc",
        "ICPC within 15 working days",
        Status.LATE,
        EventRef("s47", "strategy_discussion", DAY),
        "icpc",
        dt.date(2023, 11, 27),
        EventRef("icpc", "icpc", dt.date(2023, 11, 29)),
        Lateness(2, 2),
        True,
        SOURCE,
        lambda: "the explanation",
        ("estimated",),
        2,
        {"team": "North"},
        "child",
        (),
        "england.icpc",
    ]


def test_new_finding_takes_every_field_in_order() -> None:
    """A field added to Finding must be added to new_finding too."""
    assert list(inspect.signature(new_finding).parameters) == [f.name for f in dataclasses.fields(Finding)]


def test_new_finding_is_the_constructors_finding() -> None:
    values = _values()
    made, fast = Finding(*values), new_finding(*values)  # type: ignore[arg-type]
    for field in dataclasses.fields(Finding):
        assert getattr(fast, field.name) is getattr(made, field.name)
    assert fast == made and repr(fast) == repr(made)
    assert fast.explanation == "the explanation" and fast.to_dict() == made.to_dict()
    assert pickle.loads(pickle.dumps(fast)) == made
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.status = Status.MET  # type: ignore[misc]


def test_event_ref_is_the_constructors() -> None:
    """A field added to EventRef must be added to event_ref too."""
    assert list(inspect.signature(event_ref).parameters) == ["event_id", "event_type", "day", "line"]
    assert [f.name for f in dataclasses.fields(EventRef)] == ["id", "type", "date", "line"]
    fast = event_ref("s47", "strategy_discussion", DAY, 12)
    made = EventRef("s47", "strategy_discussion", DAY, 12)
    assert fast == made and hash(fast) == hash(made) and repr(fast) == repr(made)
    assert fast.to_dict() == made.to_dict() and fast.line == 12
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.id = "other"  # type: ignore[misc]
