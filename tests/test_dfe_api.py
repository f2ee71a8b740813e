"""The DfE children's social care API payload reads as the same timelines as our own YAML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import timescales
from timescales.adapters import iter_timelines
from timescales.adapters.dfe_api import RECORDED_TYPES
from timescales.errors import TimelineError
from timescales.evaluation import evaluate_case
from timescales.timeline import SourceNote, Timeline

DATA = Path(__file__).parent / "data" / "dfe_api"
AS_OF = dt.date(2024, 3, 31)


def _findings(timeline: Timeline, rules: timescales.RuleSet) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in f.to_dict().items() if k != "attributes"}
        for f in evaluate_case(timeline, rules, as_of=AS_OF).findings
    ]


def test_the_payload_gives_the_findings_of_the_equivalent_yaml(rules: timescales.RuleSet) -> None:
    items = list(iter_timelines(DATA / "submission.json", rules.vocabulary))
    assert not [i for i in items if isinstance(i, TimelineError)]
    payload = {t.case: t for t in items if isinstance(t, Timeline)}
    assert list(payload) == ["CH-1001", "CH-1002"]  # CH-0999 is a purge record
    assert any(isinstance(i, SourceNote) and "1 child record(s) marked purge" in i.text for i in items)
    for case, yaml_file in (("CH-1001", "submission.yaml"), ("CH-1002", "submission-ch-1002.yaml")):
        yaml_timeline = timescales.load_timeline(DATA / yaml_file)
        # The payload records no decisions, reviews, visits or complaints: the rules expecting them
        # are not judged on it, so the YAML is judged on the same event types.
        same_kind = dataclasses.replace(yaml_timeline, recorded_types=RECORDED_TYPES)
        assert _findings(payload[case], rules) == _findings(same_kind, rules)
        assert _findings(payload[case], rules)


def test_hand_worked_payload_findings_and_the_worker_of_each(rules: timescales.RuleSet) -> None:
    (child, *_) = [
        i for i in iter_timelines(DATA / "submission.json", rules.vocabulary) if isinstance(i, Timeline)
    ]
    found = {f.rule: f for f in evaluate_case(child, rules, as_of=AS_OF).findings}
    icpc = found["england.icpc-within-15-working-days"]
    # Strategy discussion Wed 10 Jan 2024 + 15 working days = Wed 31 Jan; ICPC Mon 5 Feb: 3 late.
    assert (icpc.due, icpc.status.value, icpc.late_by and icpc.late_by.working_days) == (
        dt.date(2024, 1, 31),
        "late",
        3,
    )
    assert dict(icpc.attributes) == {"worker": "SW-17"}  # the worker on 10 Jan
    assessment = found["england.assessment-within-45-working-days"]
    assert (assessment.due, assessment.met_by and assessment.met_by.id) == (
        dt.date(2024, 3, 11),
        "CFA-1-authorised",
    )


def test_a_bad_payload_date_is_located_and_costs_only_its_child(tmp_path: Path) -> None:
    text = (DATA / "submission.json").read_text(encoding="utf-8").replace('"2023-11-20"', '"2023-11-31"')
    path = tmp_path / "payload.json"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "timescales"), "check", str(path), "--as-of", "2024-03-31"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "2023-11-31" in t)
    assert f"error: {path}:{line}:" in result.stderr
    assert "end_date: '2023-11-31' is not a real date" in result.stderr
    assert "Case CH-1001" in result.stdout and "Case CH-1002" not in result.stdout
