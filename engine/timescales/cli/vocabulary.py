"""`timescales vocabulary`: the event types a timeline or rule may use, and their attributes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..vocabulary import EVENT_FIELDS, Vocabulary
from .common import load_rule_dirs, rules_option


def vocabulary_record(vocabulary: Vocabulary) -> dict[str, Any]:
    """The JSON shape (docs/formats.md): every event type with its attributes."""
    return {
        "source": vocabulary.source,
        "event_fields": list(EVENT_FIELDS),
        "event_types": [
            {
                "type": t.name,
                "label": t.label,
                "description": t.description,
                "for": list(t.may_refer_to),
                "cin_census": t.cin_census,
                "attributes": [
                    {"name": a.name, "kind": a.kind, "values": list(a.values), "description": a.description}
                    for a in t.attributes.values()
                ],
            }
            for t in vocabulary.types.values()
        ],
    }


@click.command()
@rules_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def vocabulary(rule_dirs: tuple[Path, ...], fmt: str) -> None:
    """List the event types timelines and rules may use, with the attributes each allows."""
    record = vocabulary_record(load_rule_dirs(rule_dirs).vocabulary)
    if fmt == "json":
        json.dump(record, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    click.echo(f"Event types ({record['source']}); every event may also have: {', '.join(EVENT_FIELDS)}")
    for event_type in record["event_types"]:
        click.echo(f"\n{event_type['type']}: {event_type['description']}")
        if event_type["for"]:
            click.echo(f"  for: {', '.join(event_type['for'])}")
        if event_type["cin_census"]:
            click.echo(f"  CIN census: {event_type['cin_census']}")
        for attribute in event_type["attributes"]:
            kind = attribute["kind"]
            allowed = f" ({', '.join(attribute['values'])})" if attribute["values"] else ""
            described = f": {attribute['description']}" if attribute["description"] else ""
            click.echo(f"  {attribute['name']}  {kind}{allowed}{described}")
