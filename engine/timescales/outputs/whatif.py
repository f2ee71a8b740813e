"""What-if reports (`timescales diff`): text, JSON and an HTML page in the check report's style."""

from __future__ import annotations

import json

from jinja2 import Environment, PackageLoader, select_autoescape

from ..whatif import WhatIf

FORMATS = ("text", "json", "html")


def render_text(result: WhatIf) -> str:
    lines = [
        f"What changes from {', '.join(result.before)} to {', '.join(result.after)} "
        f"over {result.cases} case{'s' if result.cases != 1 else ''}:"
    ]
    if not result.changes:
        lines.append("No finding changes.")
    for change in result.changes:
        finding = change.after or change.before
        assert finding is not None
        who = change.child or "the case"
        lines.append(f"  {change.case} / {who}  {change.rule}  trigger {finding.trigger.id}")
        lines.append(f"    {change.what}")
    if result.per_rule:
        lines.append("Per rule (new, gone, changed):")
        for counts in result.per_rule:
            lines.append(f"  {counts.rule}: {counts.new} new, {counts.gone} gone, {counts.changed} changed")
    for item in result.left_out:
        lines.append(f"left out: {item}")
    return "\n".join(lines) + "\n"


def render_json(result: WhatIf) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_html(result: WhatIf) -> str:
    env = Environment(
        loader=PackageLoader("timescales.outputs", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("whatif.html.j2").render(result=result)


def render(fmt: str, result: WhatIf) -> str:
    return {"text": render_text, "json": render_json, "html": render_html}[fmt](result)
