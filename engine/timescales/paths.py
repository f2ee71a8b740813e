"""Where the shipped rule packs live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path


def shipped_rules_dir() -> Path:
    """The ``rules/`` folder shipped with the package.

    A wheel carries it as ``timescales/packs``; a source checkout (or an editable install) has it
    at the repository's top level, two folders above this package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "packs", here.parent.parent / "rules"):
        if (candidate / "vocabulary.yaml").is_file():
            return candidate
    raise FileNotFoundError("the shipped rules folder is missing from this installation")
