"""JUnit XML, the format CI systems read: one testsuite per lab and cloud, one testcase per check.

A failing check is a <failure> with the plain-words message and every failing case in the body. Score,
pass mark and verdict go into <properties>. Text that came from a learner's file may hold characters XML
1.0 cannot carry; they are replaced so the document always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from checker.grading.result import LabResult

# Characters outside the XML 1.0 Char production (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(result: LabResult) -> str:
    name = f"iamlab.{result.lab}.{result.cloud}"
    failures = sum(1 for check in result.checks if not check.passed)
    suites = ElementTree.Element("testsuites", name="iamlab", tests=str(len(result.checks)), failures=str(failures))
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=name,
        tests=str(len(result.checks)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    properties = ElementTree.SubElement(suite, "properties")
    for key, value in (
        ("lab", result.lab),
        ("cloud", result.cloud),
        ("score", str(result.score)),
        ("max_score", str(result.max_score)),
        ("pass_mark", str(result.pass_mark)),
        ("passed", "true" if result.passed else "false"),
        *((("hidden", result.hidden_summary),) if result.hidden_checks else ()),
    ):
        ElementTree.SubElement(properties, "property", name=key, value=value)
    for check in result.checks:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=name,
            name=f"{'hidden ' if check.hidden else ''}{check.id} [{'hidden' if check.hidden else check.kind}] ({check.points}/{check.max_points} points{', required' if check.gate else ''})",
        )
        if not check.passed:
            kind = "hidden" if check.hidden else check.kind
            failure = ElementTree.SubElement(case, "failure", message=_clean(check.message), type=kind)
            lines = [f"- {line}" for line in check.failures]
            if check.fix:
                lines.append(f"How to fix: {check.fix}")
            failure.text = _clean("\n".join(lines))
        else:
            output = ElementTree.SubElement(case, "system-out")
            output.text = _clean("\n".join(check.notes) or check.message)
    ElementTree.indent(suites)
    body = ElementTree.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
