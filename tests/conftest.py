from __future__ import annotations

from pathlib import Path

import pytest

import timescales

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def rules() -> timescales.RuleSet:
    return timescales.load_rules()


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
