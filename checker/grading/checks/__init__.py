"""Check kinds, one module each, written once against the engine face in checker.core.engine.

Each module offers KIND, FIELDS (its own lab.yaml fields), parse(node, cloud) and run(body, context).
Modules are imported when a lab uses them, so a lab without `within` checks never loads the prover.
"""

KINDS: dict[str, str] = {
    "allows": "checker.grading.checks.allows",
    "denies": "checker.grading.checks.denies",
    "within": "checker.grading.checks.within",
    "trust": "checker.grading.checks.trust",
    "findings": "checker.grading.checks.findings",
    "answer": "checker.grading.checks.answer",
    "document": "checker.grading.checks.document",
    "live": "checker.grading.checks.live",
    "isolation": "checker.grading.checks.isolation",
    "confined": "checker.grading.checks.confined",
    "escalation": "checker.grading.checks.escalation",
    "ci_rule": "checker.grading.checks.ci_rule",
    "separation": "checker.grading.checks.separation",
    "workflow": "checker.grading.checks.workflow",
    "guardrails": "checker.grading.checks.guardrails",
}

# Kinds the lab format defines whose machinery has not landed yet: a clear error instead of a silent pass.
UNAVAILABLE_KINDS: dict[str, str] = {}
