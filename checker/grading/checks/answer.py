"""`answer`: structured answers to interview-style questions, compared exactly or by a rule.

The learner writes answers in the lab's answers file (YAML or JSON), one key per question. Failures never
reveal the expected answer; they may repeat what the learner wrote, since that is no secret to them.

Rules: exact (same value), choice (one text, case-insensitive; `expect` may list several accepted ones),
set (same items, any order), sequence (same items, same order, e.g. an escalation path),
includes (all listed items present, extras allowed), excludes (none of the listed items present).
Text items in lists compare case-insensitively, as IAM action names do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.errors import InputError
from checker.core.source import LoadedDocument, pointer_join
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node

KIND = "answer"
FIELDS = frozenset({"question", "expect", "rule"})
RULES = ("exact", "choice", "set", "sequence", "includes", "excludes")
_LIST_RULES = ("set", "sequence", "includes", "excludes")


@dataclass(frozen=True)
class AnswerBody:
    question: str
    expect: Any
    rule: str


def parse(node: Node, where: ParseContext) -> AnswerBody:
    node.mapping(frozenset(node.value), {"question", "expect"})
    rule = node.choice("rule", RULES, "exact")
    expect = node.field("expect")
    if rule in _LIST_RULES or rule == "choice" and not isinstance(expect.value, str):
        for item in expect.items():
            item.expect(str)
    return AnswerBody(node.text("question"), expect.value, rule)


def _fold(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def given_answer(context: RunContext, question: str) -> tuple[Any, LoadedDocument]:
    """The learner's answer to `question` (None when absent) and the answers file; the kinds that read
    structured answers (answer, escalation, ci_rule) share it."""
    answers = context.answers
    if answers is None or not isinstance(answers.data, dict):
        raise InputError(
            "the answers file must be a mapping from question to answer",
            answers.locate("") if answers is not None else None,
            f"write one line per question, like `{question}: ...`",
        )
    return answers.data.get(question), answers


def run(body: AnswerBody, context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=1)
    given, answers = given_answer(context, body.question)
    name = answers.path
    if given is None or given == "" or given == []:
        outcome.failed.append(f"you have not answered {body.question!r} yet: write `{body.question}: ...` in {name}")
        return outcome
    where = answers.locate(pointer_join("", body.question))
    problem = _judge(body, given)
    if problem is None:
        outcome.passed_notes.append(f"your answer to {body.question!r} is right")
    else:
        outcome.failed.append(f"your answer to {body.question!r} {problem} ({where.file} line {where.line})")
    return outcome


def _judge(body: AnswerBody, given: Any) -> str | None:
    """None when the answer is right; otherwise what is wrong, without giving the answer away."""
    if body.rule == "exact":
        return None if _fold(given) == _fold(body.expect) else "is not right"
    if body.rule == "choice":
        accepted = [body.expect] if isinstance(body.expect, str) else body.expect
        if not isinstance(given, str):
            return "should be one choice written as text"
        return None if _fold(given) in {_fold(item) for item in accepted} else f"{given!r} is not the best choice"
    if not isinstance(given, list) or not all(isinstance(item, str) for item in given):
        return "should be a list of names, one per line starting with '- '"
    wanted = [_fold(item) for item in body.expect]
    have = [_fold(item) for item in given]
    if body.rule == "sequence":
        if have == wanted:
            return None
        if sorted(have) == sorted(wanted):
            return "has the right steps in the wrong order"
        return "is not the right sequence"
    missing = len(set(wanted) - set(have))
    extra = [item for item in given if _fold(item) not in set(wanted)]
    if body.rule == "excludes":
        bad = [item for item in given if _fold(item) in set(wanted)]
        return None if not bad else f"includes {', '.join(bad)}, which should not be there"
    if body.rule == "includes":
        return None if not missing else f"misses {missing} item(s) that belong there"
    # set: the same items, in any order
    if not missing and not extra:
        return None
    parts = []
    if missing:
        parts.append(f"misses {missing} item(s)")
    if extra:
        parts.append(f"includes {', '.join(extra)}, which should not be there")
    return " and ".join(parts)
