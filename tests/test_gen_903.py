"""bench/gen_903.py: a synthetic 903 return every child of which the reader accepts, with England's
placement stability."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import timescales
from timescales.adapters import ssda903
from timescales.errors import TimelineError

REPO = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location("gen_903", REPO / "bench" / "gen_903.py")
assert _SPEC and _SPEC.loader
gen_903 = importlib.util.module_from_spec(_SPEC)
sys.modules["gen_903"] = gen_903  # its dataclasses look their module up
_SPEC.loader.exec_module(gen_903)


def test_the_synthetic_return_is_read_whole_with_englands_stability(
    tmp_path: Path, rules: timescales.RuleSet
) -> None:
    gen_903.write_return(3000, tmp_path, (2022, 2025), seed=7)
    files = sorted(tmp_path.glob("*.csv"))
    assert [p.name for p in files][:3] == [
        "SSDA903_2022_episodes.csv",
        "SSDA903_2022_header.csv",
        "SSDA903_2022_reviews.csv",
    ]
    assert {ssda903.table_of(ssda903.csv_header(p) or []) for p in files} == {"Header", "Episodes", "Reviews"}
    items = list(ssda903.iter_903_timelines(files, rules.vocabulary))
    errors = [i for i in items if isinstance(i, TimelineError)]
    assert not errors, errors[0]
    children = [i for i in items if isinstance(i, timescales.Timeline)]
    assert len(children) > 2000
    assert {t.as_of for t in children} == {dt.date(2025, 3, 31)}
    figures = gen_903.stability(tmp_path, dt.date(2025, 3, 31))
    stable, of = figures["long_term"]
    assert 0.60 <= stable / of <= 0.76  # England 2024: 68%
    moved, of = figures["three_or_more_in_2_years"]
    assert 0.17 <= moved / of <= 0.29  # England 2024: 23%


def test_the_same_seed_writes_the_same_return(tmp_path: Path) -> None:
    gen_903.write_return(200, tmp_path / "a", (2024, 2025), seed=3)
    gen_903.write_return(200, tmp_path / "b", (2024, 2025), seed=3)
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
