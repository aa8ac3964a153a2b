"""`guardrails`: the learner's Rego rules (a folder of `.rego` files in the submission) judge a corpus of
policies the lab provides: with `flag`, every policy of the corpus folder must get at least one finding;
with `spare`, none may. Each corpus policy is one case and a failure names it (and, for `spare`, the
learner's message that fired). The rules run as the pipeline's lint job runs them (checker/iac/rego.py,
`iamlab lint --rules`), each corpus policy handed in as the lab's cloud writes it: an AWS identity policy; for
GCP a list of bindings ({resource, role, members, condition}, `kind` "bindings"); for Azure the resources of
one change, {role_assignments, custom_roles, federated_credentials} (`kind` "azure-rbac", the shape `iamlab
lint` hands in for a Terraform folder's Azure resources).

The rules see each corpus policy under one neutral name and file (`corpus-policy`, `corpus-policy.json`):
the corpus's own folder and file names say which policies are unsafe, and a rule that read them would pass
both checks while flagging nothing in a real pipeline. Only the policy's content can decide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node, inside, relative_path

KIND = "guardrails"
FIELDS = frozenset({"rules", "flag", "spare"})
CORPUS_SUFFIXES = (".json", ".yaml", ".yml")
# The `kind` a corpus policy has in the rules' input, per cloud (docs/iac.md, "Rego guardrails").
INPUT_KINDS = {"aws": "identity", "gcp": "bindings"}
NEUTRAL_NAME = "corpus-policy"  # what every corpus policy is called in the rules' input


@dataclass(frozen=True)
class GuardrailsBody:
    rules: str  # a folder in the submission
    corpus: str  # a folder next to lab.yaml
    flag: bool  # True: every policy must be flagged; False: none may be
    node: Node


def parse(node: Node, where: ParseContext) -> GuardrailsBody:
    if node.has("flag") == node.has("spare"):
        raise node.error("a guardrails check names exactly one corpus folder: `flag` (unsafe) or `spare` (safe)")
    key = "flag" if node.has("flag") else "spare"
    return GuardrailsBody(relative_path(node.field("rules")), relative_path(node.field(key)), key == "flag", node)


def run(body: GuardrailsBody, context: RunContext) -> Outcome:
    # regopy loads only when a lab grades guardrails
    from checker.iac.rego import AZURE_KIND, Guardrails, PolicyInput

    if context.folder is None:
        raise InputError("guardrails checks grade a submission folder")
    rules_folder = inside(context.folder, body.rules)
    if not rules_folder.is_dir():
        raise InputError(
            f"the submission has no folder {body.rules}/ with your Rego rules", Where(str(context.folder)),
            f"create {body.rules}/ holding your .rego files (iamlab reset restores the starter's)",
        )
    guardrails = Guardrails(rules_folder)
    corpus = _corpus(body, context)
    outcome = Outcome(total_cases=len(corpus))
    for relative in corpus:
        document = context.load_lab_file(body.node, relative)
        kind = AZURE_KIND if context.cloud == "azure" else INPUT_KINDS.get(context.cloud, "identity")
        neutral = _neutral(document)
        found = guardrails.check(PolicyInput(context.cloud, kind, NEUTRAL_NAME, neutral, Where(neutral.path, 1, 1)))
        if body.flag and not found:
            outcome.failed.append(f"your rules let the unsafe policy {relative} through")
        elif not body.flag and found:
            outcome.failed.append(f"your rules flag the safe policy {relative}: {found[0].message}")
        else:
            outcome.passed_notes.append(f"{relative}: {'flagged' if body.flag else 'not flagged'}")
    return outcome


def _neutral(document: LoadedDocument) -> LoadedDocument:
    """The corpus policy under a file name that says nothing about it (positions kept, their file dropped)."""
    positions = {pointer: replace(position, file=None) for pointer, position in document.positions.items()}
    return LoadedDocument(f"{NEUTRAL_NAME}.json", document.data, positions)


def _corpus(body: GuardrailsBody, context: RunContext) -> list[str]:
    folder = inside(context.lab.folder, body.corpus, "lab folder")
    if not folder.is_dir():
        raise body.node.error(f"corpus folder {body.corpus!r} does not exist next to lab.yaml")
    files = sorted(p for p in folder.iterdir() if p.suffix in CORPUS_SUFFIXES and p.is_file())
    if not files:
        raise body.node.error(f"corpus folder {body.corpus!r} holds no policies")
    return [f"{body.corpus}/{p.name}" for p in files]
