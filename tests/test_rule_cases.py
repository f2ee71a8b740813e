"""Every YAML test case beside the shipped rules, one pytest test each."""

from __future__ import annotations

import pytest

import timescales
from timescales.rules.cases import RuleCase, collect_cases, run_case

RULES = timescales.load_rules()
CASES = list(collect_cases(RULES))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}: {c.name}" for c in CASES])
def test_rule_case(case: RuleCase) -> None:
    result = run_case(case, RULES)
    assert result.passed, f"{case.location}: {case.name}\n" + "\n".join(result.failures)


def test_every_rule_has_its_boundary_cases() -> None:
    """Each rule needs at least three cases: last compliant day, first late day, a calendar edge.

    Draft rules are never evaluated (their silence is listed in every report), so they have none."""
    counts = {r.id: 0 for r in RULES.rules if r.draft is None}
    for case in CASES:
        if case.rule in counts:
            counts[case.rule] += 1
    thin = {rule: n for rule, n in counts.items() if n < 3}
    assert not thin, f"rules with fewer than three test cases: {thin}"
