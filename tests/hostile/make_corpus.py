"""Write the hostile-input corpus: every file below ``files/`` and ``packs/``, and ``expected.json``.

    python tests/hostile/make_corpus.py

Each entry names a file (or a rule folder for ``lint``), the exit code the installed command must
give when it is checked together with a good file, and a text its messages must contain. The
expectations are written here by hand, beside the file they describe; ``test_hostile_corpus.py``
runs every entry under the installed command with a 10 s CPU and 1 GB memory limit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
PACKS = HERE / "packs"

#: (file name, content, exit code, text the messages must contain)
ENTRIES: list[tuple[str, str | bytes, int, str]] = []


def add(name: str, content: str | bytes, code: int, message: str) -> None:
    ENTRIES.append((name, content, code, message))


def timeline(*lines: str, case: str = "H-1") -> str:
    return f"case: {case}\nas_of: 2024-03-31\nevents:\n" + "".join(f"  - {line}\n" for line in lines)


SD = "{id: sd1, type: strategy_discussion, date: 2023-11-06, section47: true}"
REFUSED = 2
ACCEPTED = 1  # the good file has a breach: a run where the hostile file is read cleanly exits 1


def yaml_and_json() -> None:
    # Depth: libyaml's composer and CPython's json recurse once per level.
    add(
        "deep-flow-50000.yaml",
        "case: x\nevents: " + "[" * 50_000 + "]" * 50_000 + "\n",
        REFUSED,
        "levels deep",
    )
    add("deep-flow-3000.yaml", "case: x\nevents: " + "[" * 3_000 + "]" * 3_000 + "\n", REFUSED, "levels deep")
    add("deep-block-200.yaml", "".join("  " * i + "a:\n" for i in range(200)), REFUSED, "levels deep")
    add(
        "deep-50000.json",
        '{"case": "x", "events": ' + "[" * 50_000 + "]" * 50_000 + "}",
        REFUSED,
        "levels deep",
    )
    add("deep-mapping.json", '{"a": ' * 5_000 + "1" + "}" * 5_000, REFUSED, "levels deep")
    # Aliases: loops, bombs, dangling.
    add("alias-loop.yaml", "case: x\nevents: &a [*a]\n", REFUSED, "contains it (a loop)")
    add("alias-loop-mapping.yaml", "case: x\nevents: &m {k: *m}\n", REFUSED, "contains it (a loop)")
    add("merge-loop.yaml", "case: x\nm: &a {<<: *a}\nevents: []\n", REFUSED, "contains it (a loop)")
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join(["*" + chr(96 + i)] * 9) + "]\n"
    add("billion-laughs.yaml", bomb + "case: x\nevents: []\n", REFUSED, "aliases expand to more than")
    add("billion-laughs.json-ish.yaml", bomb.replace('"lol"', "lol"), REFUSED, "aliases expand to more than")
    wide = "a: &a [" + ",".join(["x"] * 1000) + "]\nb: [" + ",".join(["*a"] * 200) + "]\n"
    add("alias-wide.yaml", wide, REFUSED, "aliases expand to more than")
    add("alias-undefined.yaml", "case: x\nevents: *nowhere\n", REFUSED, "refers to no anchor")
    add("merge-scalar.yaml", "case: x\nm: {<<: text}\nevents: []\n", REFUSED, "`<<` must merge a mapping")
    add(
        "merge-ok.yaml",
        "base: &b {type: strategy_discussion, section47: true}\ncase: H-1\nas_of: 2024-03-31\n"
        "events:\n  - {<<: *b, id: sd1, date: 2023-11-06}\n",
        REFUSED,
        "unknown field 'base'",
    )
    # Encodings and bytes.
    add("two-documents.yaml", timeline(SD) + "---\n" + timeline(SD), REFUSED, "one document")
    add("nul-byte.yaml", "case: H\x00-1\nevents: []\n", REFUSED, "a character YAML does not allow (U+0000)")
    add(
        "escape-byte.yaml",
        "case: H\x1b[2J-1\nevents: []\n",
        REFUSED,
        "a character YAML does not allow (U+001B)",
    )
    add("latin1.yaml", "case: caf\xe9\nevents: []\n".encode("latin-1"), REFUSED, "not UTF-8")
    add("utf16.yaml", timeline(SD).encode("utf-16"), REFUSED, "not UTF-8")
    add("utf8-bom.yaml", "\ufeff" + timeline(SD), ACCEPTED, "")
    add("crlf.yaml", timeline(SD).replace("\n", "\r\n"), ACCEPTED, "")
    add("empty.yaml", "", REFUSED, "a timeline must be a mapping")
    add("only-comment.yaml", "# nothing here\n", REFUSED, "a timeline must be a mapping")
    add("scalar.yaml", "just some text\n", REFUSED, "a timeline must be a mapping")
    add("list.yaml", "- a\n- b\n", REFUSED, "a timeline must be a mapping")
    add("syntax-tab.yaml", "case: x\nevents:\n\t- {id: a}\n", REFUSED, "YAML syntax error")
    add("syntax-unclosed.yaml", "case: x\nevents: [\n", REFUSED, "YAML syntax error")
    # JSON is read as YAML, its superset: a trailing comma is allowed there.
    add("json-trailing-comma.json", '{"case": "x", "events": [],}', ACCEPTED, "")
    add("json-unclosed.json", '{"case": "x", "events": [', REFUSED, "YAML syntax error")
    add(
        "json-duplicate-key.json", '{"case": "x", "case": "y", "events": []}', REFUSED, "duplicate key 'case'"
    )
    add(
        "python-tag.yaml",
        'case: !!python/object/apply:os.system ["echo pwned"]\nevents: []\n',
        REFUSED,
        "missing required field `case`",
    )
    add("key-is-list.yaml", "case: x\n[a, b]: c\nevents: []\n", REFUSED, "a key must be a plain name")
    add("duplicate-key.yaml", "case: x\ncase: y\nevents: []\n", REFUSED, "duplicate key 'case'")


def wrong_shapes() -> None:
    add("case-null.yaml", "case: null\nevents: []\n", REFUSED, "missing required field `case`")
    add("case-tilde.yaml", "case: ~\nevents: []\n", REFUSED, "missing required field `case`")
    add("case-list.yaml", "case: [a]\nevents: []\n", REFUSED, "missing required field `case`")
    add("case-mapping.yaml", "case: {a: b}\nevents: []\n", REFUSED, "missing required field `case`")
    add("case-quoted-null.yaml", timeline(SD, case='"null"'), ACCEPTED, "")
    add("nation-list.yaml", "case: x\nnation: [a]\nevents: []\n", REFUSED, "`nation` must be one of")
    add("nation-mapping.yaml", "case: x\nnation: {a: b}\nevents: []\n", REFUSED, "`nation` must be one of")
    add("nation-unknown.yaml", "case: x\nnation: narnia\nevents: []\n", REFUSED, "unknown nation")
    add("authority-list.yaml", "case: x\nauthority: [a]\nevents: []\n", REFUSED, "lower-case hyphenated id")
    add("as-of-list.yaml", "case: x\nas_of: [2024-01-01]\nevents: []\n", REFUSED, "expected a date")
    add("as-of-1871.yaml", "case: x\nas_of: 1871-12-31\nevents: []\n", REFUSED, "outside the years")
    add("as-of-2100.yaml", "case: x\nas_of: 2100-01-01\nevents: []\n", REFUSED, "outside the years")
    add("date-1066.yaml", timeline("{id: a, type: referral, date: 1066-10-14}"), REFUSED, "outside the years")
    add("date-9999.yaml", timeline("{id: a, type: referral, date: 9999-12-31}"), REFUSED, "outside the years")
    add(
        "date-five-digit-year.yaml",
        timeline("{id: a, type: referral, date: 20231-01-01}"),
        REFUSED,
        "YYYY-MM-DD",
    )
    add("date-feb-30.yaml", timeline("{id: a, type: referral, date: 2023-02-30}"), REFUSED, "not a real date")
    add(
        "date-list.yaml",
        timeline("{id: a, type: referral, date: [2023-01-01]}"),
        REFUSED,
        "must be a single value",
    )
    add("events-mapping.yaml", "case: x\nevents: {a: b}\n", REFUSED, "missing `events:`")
    add("events-null.yaml", "case: x\nevents: null\n", REFUSED, "missing `events:`")
    add("event-scalar.yaml", "case: x\nevents: [text]\n", REFUSED, "an event must be a mapping")
    add(
        "event-id-list.yaml",
        timeline("{id: [a], type: referral, date: 2023-01-01}"),
        REFUSED,
        "must be a single value",
    )
    add(
        "event-type-map.yaml",
        timeline("{id: a, type: {x: y}, date: 2023-01-01}"),
        REFUSED,
        "must be a single value",
    )
    add(
        "children-mapping.yaml", "case: x\nchildren: {a: b}\nevents: []\n", REFUSED, "must be a list of names"
    )
    add("children-nested.yaml", "case: x\nchildren: [[a]]\nevents: []\n", REFUSED, "must be a list of names")
    add("children-null-item.yaml", "case: x\nchildren: [~]\nevents: []\n", REFUSED, "must be a list of names")
    add("skip-rules-list.yaml", "case: x\nskip_rules: [a]\nevents: []\n", REFUSED, "maps a rule id")
    add(
        "for-list.yaml",
        timeline(SD, "{id: i, type: icpc, date: 2023-11-20, for: [sd1]}"),
        REFUSED,
        "must be the id",
    )
    add(
        "estimated-list.yaml",
        timeline("{id: a, type: referral, date: 2023-01-01, estimated: [x]}"),
        REFUSED,
        "expected true or false",
    )
    add(
        "attribute-list.yaml",
        timeline("{id: i, type: icpc, date: 2023-01-01, outcome: [plan]}"),
        REFUSED,
        "an attribute must be a single value",
    )
    add("unknown-field.yaml", "case: x\nevnts: []\nevents: []\n", REFUSED, "unknown field 'evnts'")
    add(
        "skip-unknown-rule.yaml",
        f"case: H-1\nas_of: 2024-03-31\nskip_rules: {{england.nope: why}}\nevents:\n  - {SD}\n",
        REFUSED,
        "skip_rules names no rule",
    )
    add(
        "huge-note.yaml",
        timeline("{id: a, type: referral, date: 2023-01-01, note: '" + "x" * 300_000 + "'}"),
        ACCEPTED,
        "",
    )
    add(
        "many-events.yaml",
        timeline(*(f"{{id: r{i}, type: referral, date: 2023-01-02}}" for i in range(5_000))),
        ACCEPTED,
        "",
    )
    # Same-day events of a rule without a `for:` link (reviews chained one from the last): each
    # obligation used to walk back over the day, so 12,000 reviews took over 10 s of CPU; now linear.
    add(
        "same-day-reviews.yaml",
        timeline(
            "{id: icpc, type: icpc, date: 2023-03-01, outcome: plan}",
            *(f"{{id: r{i:05d}, type: rcpc, date: 2023-03-02}}" for i in range(12_000)),
        ),
        ACCEPTED,
        "",
    )


def injection_and_calendar() -> None:
    add(
        "forged-for.yaml",
        timeline(SD, '{id: r, type: report_shared, date: 2023-11-20, for: "x\\nerror: forged.yaml:1: fake"}'),
        REFUSED,
        "`for: x\\nerror: forged.yaml:1: fake` points to no event",
    )
    add(
        "forged-id.yaml",
        timeline('{id: "a\\nerror: forged", type: nope, date: 2023-01-01}'),
        REFUSED,
        "unknown event type",
    )
    add(
        "ansi-for.yaml",
        timeline(SD, '{id: r, type: report_shared, date: 2023-11-20, for: "x\\e]0;title\\aY"}'),
        REFUSED,
        "x\\x1b]0;title\\x07Y",
    )
    add(
        "bidi-for.yaml",
        timeline(SD, '{id: r, type: report_shared, date: 2023-11-20, for: "x\\u202eY"}'),
        REFUSED,
        "x\\u202eY",
    )
    add(
        "due-after-2099.yaml",
        "case: L\nas_of: 2099-12-31\nevents:\n"
        "  - {id: sd, type: strategy_discussion, date: 2099-12-20, section47: true}\n",
        REFUSED,
        "would fall in 2100",
    )
    add(
        "free-text-outcome.yaml",
        timeline("{id: i, type: icpc, date: 2023-01-01, outcome: Jane Smith 03/05/2011}"),
        REFUSED,
        "events[0].outcome",
    )


def csv_logs() -> None:
    header = "case,child,id,type,date,for,estimated,note,section47,outcome\n"
    good_row = "C-OK,A,sd1,strategy_discussion,2023-11-06,,,,true,\n"
    add("csv-empty.csv", "", REFUSED, "empty")
    add(
        "csv-unknown-column.csv",
        "case,id,type,date,secton47\nC,a,referral,2023-01-01,true\n",
        REFUSED,
        "unknown column 'secton47'",
    )
    add("csv-missing-columns.csv", "case,id\nC,a\n", REFUSED, "date")
    add(
        "csv-bad-date.csv",
        header + good_row + "C-BAD,A,r,referral,2023-02-30,,,,,\n",
        REFUSED,
        "not a real date",
    )
    add(
        "csv-unknown-type.csv",
        header + good_row + "C-BAD,A,r,refferal,2023-01-01,,,,,\n",
        REFUSED,
        "unknown event type",
    )
    add("csv-ragged.csv", header + good_row + "C-BAD,A,r\n", REFUSED, "cells")
    add(
        "csv-nul-in-note.csv",
        header + good_row + "C-NUL,A,r,referral,2023-01-01,,,no\x00te,,\n",
        ACCEPTED,
        "",
    )
    add(
        "csv-forged-newline.csv",
        header + good_row + 'C-BAD,A,"r\nerror: forged.csv:1: x",nope,2023-01-01,,,,,\n',
        REFUSED,
        "unknown event type",
    )
    add(
        "csv-formula.csv",
        header + '=HYPERLINK("http://x"),A,sd1,strategy_discussion,2023-11-06,,,"@SUM(1)",true,\n',
        ACCEPTED,
        "",
    )
    add(
        "csv-for-dangling.csv",
        header + "C-BAD,A,m,minutes_sent,2023-01-01,nowhere,,,,\n",
        REFUSED,
        "points to no event",
    )


CENSUS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n{doctype}<Message>\n  <Header><CollectionDetails><Collection>CIN'
    "</Collection><Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header>\n"
    "  <Children>\n"
)
CHILD = (
    "    <Child><ChildIdentifiers><LAchildID>{id}</LAchildID></ChildIdentifiers><CINdetails>"
    "<CINreferralDate>{date}</CINreferralDate></CINdetails></Child>\n"
)


def census(children: str, doctype: str = "") -> str:
    return CENSUS_HEAD.format(doctype=doctype) + children + "  </Children>\n</Message>\n"


def census_files() -> None:
    ok = CHILD.format(id="C1", date="2023-05-02")
    add("census-doctype.xml", census(ok, '<!DOCTYPE Message [<!ENTITY x "y">]>\n'), REFUSED, "DOCTYPE")
    add(
        "census-doctype-after-comment.xml",
        census(ok, '<!-- <x --><!DOCTYPE Message [<!ENTITY x "y">]>\n'),
        REFUSED,
        "DOCTYPE",
    )
    add(
        "census-doctype-after-pi.xml",
        census(ok, '<?x <y?><!DOCTYPE Message SYSTEM "file:///etc/passwd">\n'),
        REFUSED,
        "DOCTYPE",
    )
    add(
        "census-doctype-utf16.xml",
        census(ok, '<!DOCTYPE Message [<!ENTITY x "y">]>\n')
        .replace('encoding="utf-8"', 'encoding="utf-16"')
        .encode("utf-16"),
        REFUSED,
        "DOCTYPE",
    )
    laughs = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    add(
        "census-billion-laughs.xml",
        census(ok, f'<!DOCTYPE Message [<!ENTITY l0 "lol">{laughs}]>\n'),
        REFUSED,
        "DOCTYPE",
    )
    add(
        "census-external-entity.xml",
        census(ok, '<!DOCTYPE m [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'),
        REFUSED,
        "DOCTYPE",
    )
    add("census-not-xml.xml", "this is not xml\n", REFUSED, "not well-formed XML")
    add("census-truncated.xml", census(ok)[:-40], REFUSED, "not well-formed XML")
    add(
        "census-wrong-root.xml", "<?xml version='1.0'?><Other><Child/></Other>\n", REFUSED, "not a CIN census"
    )
    add(
        "census-bad-date.xml",
        census(ok + CHILD.format(id="C2", date="2023-02-30")),
        REFUSED,
        "child C2: '2023-02-30' is not a real date",
    )
    add("census-no-id.xml", census(ok + CHILD.format(id="", date="2023-05-02")), REFUSED, "no LAchildID")
    add(
        "census-forged-id.xml",
        census(ok + CHILD.format(id="C3&#10;error: forged.xml:1: x", date="2023-02-30")),
        REFUSED,
        "C3\\nerror: forged.xml:1: x",
    )
    add("census-duplicate-child.xml", census(ok + ok), REFUSED, "appears twice")
    add(
        "census-1871.xml", census(ok + CHILD.format(id="C4", date="1871-05-02")), REFUSED, "outside the years"
    )
    # Strictness: a misspelt element is not read as "no episode"; another collection or an old year
    # is refused before any child is read.
    add(
        "census-misspelt-element.xml",
        census(ok + CHILD.format(id="C5", date="2023-05-02").replace("CINdetails", "CINDetails")),
        REFUSED,
        "child C5: <Child> holds no element <CINDetails> (did you mean <CINdetails>?)",
    )
    add(
        "census-unknown-element.xml",
        census(
            ok
            + CHILD.format(id="C6", date="2023-05-02").replace(
                "</CINdetails>", "<Notes>x</Notes></CINdetails>"
            )
        ),
        REFUSED,
        "child C6: <CINdetails> holds no element <Notes>",
    )
    add(
        "census-year-2016.xml",
        census(ok).replace("<Year>2024</Year>", "<Year>2016</Year>"),
        REFUSED,
        "a census of collection year '2016': timescales reads CIN census files from 2017",
    )
    add(
        "census-other-collection.xml",
        census(ok).replace("<Collection>CIN</Collection>", "<Collection>SchoolCensus</Collection>"),
        REFUSED,
        "not a CIN census file: the header names the collection 'SchoolCensus'",
    )


def rule_packs() -> None:
    rule = (
        "rules:\n  - id: p.r\n    title: R\n    trigger: {{type: strategy_discussion}}\n"
        "    expects: {{type: icpc}}\n    {period}\n{extra}    versions:\n"
        "      - in_force: {{from: {start}, until: {until}}}\n"
        "        source: {{document: D, section: s, evidence: seed}}\n"
    )

    def pack(name: str, body: str, code: int, message: str) -> None:
        add(f"pack:{name}", body, code, message)

    def one(
        period: str = "within: 15 working days",
        start: str = "2013-04-15",
        until: str = "null",
        extra: str = "",
    ) -> str:
        return rule.format(period=period, start=start, until=until, extra=extra)

    pack("huge-working-days", one("within: 1000000 working days"), 1, "longer than any calendar")
    pack("huge-months", one("within: 100000 calendar months"), 1, "ends outside the years")
    pack("huge-weeks", one("within: 9000 weeks"), 1, "ends outside the years")
    pack("late-start", one("within: 30 calendar months", start="2098-06-01"), 1, "ends outside the years")
    pack(
        "early-before",
        one("at_least_before: 20 calendar days", start="1872-01-02").replace(
            "{type: icpc}", "{type: report_shared, for: trigger}"
        ),
        1,
        "ends outside the years",
    )
    pack(
        "huge-extension",
        one(extra="    extension: {by: {type: icpc}, to: 99999 calendar months}\n"),
        1,
        "ends outside the years",
    )
    pack("until-null", one(), 0, "")
    pack("draft-null", one(extra="    draft: null\n"), 0, "")
    pack("draft-list", one(extra="    draft: [a]\n"), 1, "`draft` must be text")
    pack("from-1066", one(start="1066-10-14"), 1, "outside the years")
    pack("until-2100", one(until="2100-01-01"), 1, "outside the years")
    pack("deep", "rules: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, "levels deep")
    pack(
        "bomb",
        "x: &a [1,1,1,1,1,1,1,1,1,1]\n"
        + "".join(
            f"x{i}: &a{i} [{','.join(['*a' + (str(i - 1) if i > 1 else '')] * 10)}]\n" for i in range(1, 7)
        )
        + "rules: []\n",
        1,
        "aliases expand to more than",
    )
    pack("alias-loop", "rules: &r [*r]\n", 1, "contains it (a loop)")


def main() -> None:
    for folder in (FILES, PACKS):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    yaml_and_json()
    wrong_shapes()
    injection_and_calendar()
    csv_logs()
    census_files()
    rule_packs()
    expected = []
    for name, content, code, message in ENTRIES:
        if name.startswith("pack:"):
            folder = PACKS / name.removeprefix("pack:")
            folder.mkdir()
            (folder / "pack.yaml").write_text("pack: p\ntitle: P\n")
            target = folder / "rules.yaml"
            command = "lint"
        else:
            target = FILES / name
            command = "check"
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8", "surrogatepass"))
        expected.append(
            {
                "command": command,
                "path": str(target.relative_to(HERE) if command == "check" else folder.relative_to(HERE)),
                "exit": code,
                "message": message,
            }
        )
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=True) + "\n")
    print(f"{len(expected)} entries")


if __name__ == "__main__":
    main()
