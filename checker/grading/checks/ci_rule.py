"""`ci_rule`: the candidate names the lint code a CI gate should fail on; it must catch the planted policy.

The answer is one finding code of the AWS linter (`iamlab lint`, codes in
checker/aws/analyze/findings/codes.py); the gate fails whenever the code is reported, at any severity.
The check lints the lab's planted policy: the code must be
reported there (the rule catches the incident), and must not be reported on any `clean` policy (a
rule that also fails the fixed policy would block every deploy and be switched off).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.core.source import pointer_join
from checker.grading.checks.answer import given_answer
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node, relative_path

KIND = "ci_rule"
FIELDS = frozenset({"question", "planted", "clean"})


@dataclass(frozen=True)
class CiRuleBody:
    question: str
    planted: tuple[tuple[str, Node], ...]
    clean: tuple[tuple[str, Node], ...]


def parse(node: Node, where: ParseContext) -> CiRuleBody:
    if where.cloud != "aws":
        raise node.error("ci_rule checks use the AWS linter: AWS versions only")
    planted = tuple((relative_path(item), item) for item in node.field("planted").items())
    if not planted:
        raise node.field("planted").error("planted must list at least one policy file the rule has to catch")
    clean = tuple((relative_path(item), item) for item in node.field("clean").items()) if node.has("clean") else ()
    return CiRuleBody(node.text("question"), planted, clean)


def _codes(context: RunContext, files: tuple[tuple[str, Node], ...]) -> list[set[str]]:
    from checker.aws.analyze import lint  # the linter loads the prover: only when this kind runs
    from checker.aws.policy import PolicyKind, parse_policy

    found = []
    for relative, node in files:
        document = context.load_lab_file(node, relative)
        policy = parse_policy(document, name=document.path, kind=PolicyKind.IDENTITY)
        found.append({finding.code.casefold() for finding in lint(policy)})
    return found


def run(body: CiRuleBody, context: RunContext) -> Outcome:
    from checker.aws.analyze.findings.codes import CODES

    outcome = Outcome(total_cases=1)
    given, answers = given_answer(context, body.question)
    if not isinstance(given, str) or not given.strip():
        outcome.failed.append(
            f"you have not named the CI rule yet: write `{body.question}: AWS-...` (a code `iamlab lint` reports) "
            f"in {answers.path}"
        )
        return outcome
    code = given.strip().casefold()
    where = answers.locate(pointer_join("", body.question))
    if code not in {known.casefold() for known in CODES}:
        outcome.failed.append(
            f"{given.strip()!r} is not a code `iamlab lint` reports ({where.file} line {where.line}); "
            "the codes are listed in docs/analysis.md"
        )
        return outcome
    if not all(code in codes for codes in _codes(context, body.planted)):
        outcome.failed.append(f"{given.strip()} is not reported on the planted policy, so a CI gate on it would not have caught the incident")
    elif any(code in codes for codes in _codes(context, body.clean)):
        outcome.failed.append(f"{given.strip()} is also reported on the fixed policy, so a CI gate on it would block the fix too")
    else:
        outcome.passed_notes.append(f"{given.strip()} catches the planted policy and passes the fixed one")
    return outcome
