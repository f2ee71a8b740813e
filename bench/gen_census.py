"""Write a synthetic, schema-valid (2024 schema) CIN census file with N children.

    python bench/gen_census.py 30000 /tmp/census-30k.xml [--seed 1]

Each child has one episode: a referral in the census year, usually an assessment, often a section 47
enquiry with its conference, and for some a child protection plan with one to four review dates in
one <Reviews> group (the case the peer validator reads wrongly). Dates are drawn so that some
deadlines are met, some late and some still open at the reference date (31 March 2024).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

REFERENCE = dt.date(2024, 3, 31)
YEAR_START = dt.date(2023, 4, 1)
BORN = dt.date(2010, 1, 1)
FACTORS = "          <FactorsIdentifiedAtAssessment>\n            <AssessmentFactors>2A</AssessmentFactors>\n"

HEADER = """<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2024</Year>
      <ReferenceDate>2024-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>999</LEA>
      <SoftwareCode>Synthetic</SoftwareCode>
      <Release>1</Release>
      <SerialNo>001</SerialNo>
      <DateTime>2024-05-01T09:00:00</DateTime>
    </Source>
  </Header>
  <Children>
"""


def _d(day: dt.date) -> str:
    return day.isoformat()


def child_xml(number: int, rng: random.Random) -> str:
    referral = YEAR_START + dt.timedelta(days=rng.randrange(0, 330))
    parts = [
        "    <Child>\n      <ChildIdentifiers>\n",
        f"        <LAchildID>SYN{number:07d}</LAchildID>\n",
        f"        <PersonBirthDate>{_d(BORN + dt.timedelta(days=rng.randrange(4000)))}</PersonBirthDate>\n",
        "        <GenderCurrent>1</GenderCurrent>\n      </ChildIdentifiers>\n",
        "      <ChildCharacteristics>\n        <Ethnicity>WBRI</Ethnicity>\n      </ChildCharacteristics>\n",
        "      <CINdetails>\n",
        f"        <CINreferralDate>{_d(referral)}</CINreferralDate>\n",
        "        <ReferralSource>1A</ReferralSource>\n        <PrimaryNeedCode>N1</PrimaryNeedCode>\n",
    ]
    nfa = rng.random() < 0.15
    if not nfa and rng.random() < 0.8:
        start = referral + dt.timedelta(days=rng.randrange(0, 5))
        parts.append("        <Assessments>\n")
        parts.append(f"          <AssessmentActualStartDate>{_d(start)}</AssessmentActualStartDate>\n")
        done = start + dt.timedelta(days=rng.randrange(5, 90))
        if done <= REFERENCE:
            parts.append(f"          <AssessmentAuthorisationDate>{_d(done)}</AssessmentAuthorisationDate>\n")
        parts.append(FACTORS + "          </FactorsIdentifiedAtAssessment>\n        </Assessments>\n")
    plan_start = None
    if not nfa and rng.random() < 0.4:
        s47 = referral + dt.timedelta(days=rng.randrange(0, 10))
        parts.append("        <Section47>\n")
        parts.append(f"          <S47ActualStartDate>{_d(s47)}</S47ActualStartDate>\n")
        parts.append(f"          <InitialCPCtarget>{_d(s47 + dt.timedelta(days=21))}</InitialCPCtarget>\n")
        not_required = rng.random() < 0.3
        icpc = s47 + dt.timedelta(days=rng.randrange(7, 35))
        if not not_required and icpc <= REFERENCE:
            parts.append(f"          <DateOfInitialCPC>{_d(icpc)}</DateOfInitialCPC>\n")
            if rng.random() < 0.8:
                plan_start = icpc
        parts.append(f"          <ICPCnotRequired>{'true' if not_required else 'false'}</ICPCnotRequired>\n")
        parts.append("        </Section47>\n")
    parts.append(f"        <ReferralNFA>{'true' if nfa else 'false'}</ReferralNFA>\n")
    if plan_start is not None:
        parts.append("        <ChildProtectionPlans>\n")
        parts.append(f"          <CPPstartDate>{_d(plan_start)}</CPPstartDate>\n")
        reviews = []
        day = plan_start
        for _ in range(rng.randrange(0, 5)):
            day = day + dt.timedelta(days=rng.randrange(60, 200))
            if day > REFERENCE:
                break
            reviews.append(day)
        parts.append("          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>\n")
        parts.append("          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>\n")
        parts.append("          <NumberOfPreviousCPP>1</NumberOfPreviousCPP>\n")
        if reviews:
            parts.append("          <Reviews>\n")
            parts.extend(f"            <CPPreviewDate>{_d(r)}</CPPreviewDate>\n" for r in reviews)
            parts.append("          </Reviews>\n")
        parts.append("        </ChildProtectionPlans>\n")
    parts.append("      </CINdetails>\n    </Child>\n")
    return "".join(parts)


def write_census(children: int, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for number in range(children):
            out.write(child_xml(number, rng))
        out.write("  </Children>\n</Message>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("children", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_census(args.children, args.path, args.seed)


if __name__ == "__main__":
    main()
