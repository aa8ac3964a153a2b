"""Soundness fuzzing of the three provers against their own evaluators (issue 13, section 4).

For every lab and cloud with a `within` check (found through lab.yaml, so a new lab plugs in by itself),
random policies are made around the lab's starter, its reference solution and its envelope, and each is
proved against the envelope through the engine face, exactly as grading does. Then:
- PROVED: concrete probes — every catalog action / permission the policy's patterns match (sampled when
  there are many), the lab's own requests, resources near the policy's patterns (a missing slash, another
  bucket, a parent, a sibling) and varied context values — are decided by the evaluator; a probe the
  policy allows and the envelope does not is a false proof (a grader false pass).
- COUNTEREXAMPLE: every request shown is decided again exactly as shown (its JSON fields, nothing else):
  the policy must allow it and the envelope must not.
- An exception other than InputError anywhere is a finding too.

`run()` returns per-cloud figures: policies tried, proved, counterexamples, unknown, refused as input, probes
decided and findings. `make test` runs a short seeded run; `make fuzz-prover` a long one.
"""

from __future__ import annotations

import copy
import json
import random
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.core.engine import Engine, Submission, WithinStatus
from checker.core.errors import InputError
from checker.core.source import LoadedDocument, load_document, parse_json
from checker.grading.engines import engine_for
from checker.grading.located import Node
from checker.grading.runner import _LabFiles, _resolve_files
from checker.grading.spec import CloudSpec, LabSpec, load_lab

ROOT = Path(__file__).resolve().parents[2]
MAX_PROBES = 160
# Keys AWS derives from the caller (checker/aws/analyze/inclusion.py PRINCIPAL_KEYS): never probed as context.
CALLER_KEYS = ("aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:username")
SLOW_PROOF = 60.0  # seconds: a proof slower than this on lab-sized policies is a finding (grading hangs)


@dataclass
class Target:
    """One lab and cloud: what is proved against what, and where random policies start from."""

    lab: LabSpec
    spec: CloudSpec
    setting: dict[str, Any]
    envelope: LoadedDocument
    seeds: list[dict[str, Any]]  # the lab's allows / denies requests
    starts: list[dict[str, Any]]  # submission files (logical name -> JSON data) to mutate

    @property
    def name(self) -> str:
        return f"{self.lab.id}/{self.spec.cloud}"


@dataclass
class Figures:
    tried: int = 0
    proved: int = 0
    counterexamples: int = 0
    unknown: int = 0
    refused: int = 0  # the mutated files are not valid input (InputError): nothing to prove
    probes: int = 0
    probes_refused: int = 0
    slowest: float = 0.0  # seconds of the slowest proof
    findings: list[str] = field(default_factory=list)

    def line(self, cloud: str) -> str:
        return (
            f"{cloud}: {self.tried} policies tried, {self.proved} proved, {self.counterexamples} counterexamples, "
            f"{self.unknown} unknown, {self.refused} refused as input, {self.probes} probes decided ({self.probes_refused} refused), "
            f"slowest proof {self.slowest:.1f}s, {len(self.findings)} findings"
        )


def targets(root: Path = ROOT) -> list[Target]:
    found = []
    for lab_file in sorted((root / "labs").glob("*/lab.yaml")):
        lab = load_lab(lab_file.parent)
        files = _LabFiles(lab)
        for cloud, spec in lab.clouds.items():
            within = [c for c in spec.checks if c.kind == "within" and c.body.envelope_file is not None]
            if not within or spec.choices or any(not path.endswith((".json", ".yaml", ".yml")) for path in spec.files.values()):
                # Roles written as Terraform/CloudFormation (lab 02) are not policy documents to mutate here;
                # the readers have their own fuzzing (test_reader_fuzz.py) and the prover is the same.
                continue
            node = Node(lab.document, f"/clouds/{cloud}/setting", spec.setting)
            setting = _resolve_files(node, files)
            if spec.identity is not None:
                setting.setdefault("identity", spec.identity)
            envelope = files.load(within[0].body.node, within[0].body.envelope_file)
            seeds = [
                dict(r.data) for c in spec.checks if c.kind in ("allows", "denies") for r in c.body
            ]
            starts = []
            for folder in (lab.folder / cloud, root / "solutions" / lab.folder.name / cloud):
                data = _read_files(folder, spec)
                if data is not None:
                    starts.append(data)
            if starts:  # the envelope itself: policies near it are mostly proved, which is what probes test
                starts.append({**starts[0], **envelope_files(cloud, envelope.data, starts[0])})
            found.append(Target(lab, spec, setting, envelope, seeds, starts))
    return found


def _read_files(folder: Path, spec: CloudSpec) -> dict[str, Any] | None:
    if not folder.is_dir():
        return None
    data = {}
    for name, relative in spec.files.items():
        path = folder / relative
        if not path.is_file():
            return None
        data[name] = load_document(path).data
    return data


def _documents(data: Mapping[str, Any], spec: CloudSpec) -> dict[str, LoadedDocument]:
    return {name: parse_json(json.dumps(value), spec.files.get(name, name)) for name, value in data.items()}


# --- random policies around the lab ------------------------------------------------------------------------

AWS_KEYS = [
    "aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalType", "aws:username", "aws:userid",
    "s3:prefix", "s3:delimiter", "aws:SourceIp", "aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport",
    "aws:RequestedRegion", "aws:ResourceAccount", "aws:MultiFactorAuthAge", "cloudwatch:namespace",
    "s3:ExistingObjectTag/team", "aws:PrincipalTag/team", "aws:SourceArn",
]
AWS_OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
    "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "NumericEquals", "NumericNotEquals",
    "NumericLessThan", "NumericGreaterThanEquals", "DateLessThan", "DateGreaterThan", "DateNotEquals", "Bool",
    "IpAddress", "NotIpAddress", "Null", "BinaryEquals",
]
AWS_TEXTS = [
    "111122223333", "444455556666", "arn:aws:iam::111122223333:role/fraud-training-role", "AssumedRole", "User",
    "fraud/v3/", "fraud/v3/*", "fraud/*", "*", "fraud-*", "true", "us-east-1", "/aws/sagemaker/TrainingJobs",
    "ml", "arn:aws:*:*:*:*", "arn:aws:sagemaker:us-east-1:111122223333:training-job/fraud-*", "${aws:username}",
    "${aws:PrincipalAccount}", "a:b", "3600",
]
# Values each operator family accepts (a value it refuses only makes the policy invalid input).
AWS_VALUES = {
    "Numeric": ["0", "3600", "111122223333", "-1.5"],
    "Date": ["2026-01-01T00:00:00Z", "0", "1767225600"],
    "Bool": ["true", "false"],
    "Null": ["true", "false"],
    "IpAddress": ["10.0.0.0/8", "0.0.0.0/0", "203.0.113.7", "2001:db8::/32"],
    "NotIpAddress": ["10.0.0.0/8", "0.0.0.0/0"],
    "Binary": ["MTExMTIyMjIzMzMz", "QXNzdW1lZFJvbGU="],
}
AWS_ACTIONS = [
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:Get*", "s3:*Object", "s3:*",
    "s3:List*", "logs:*", "logs:PutLogEvents", "cloudwatch:PutMetricData", "iam:PassRole", "*", "s3:GetObject*",
    "sagemaker:CreateTrainingJob", "sts:AssumeRole", "kms:Decrypt", "s3:?etObject",
]


def _resource_variants(text: str) -> list[str]:
    """Near misses of a resource pattern or ARN: wider, narrower, a missing slash, another name."""
    variants = {text, "*", text + "*", text.rstrip("*") or "*", text.replace("/*", "*"), text.replace("::", ":*:")}
    if "/" in text:
        head, _, tail = text.rpartition("/")
        variants |= {head, head + "/*", head + "-prod/" + tail, head + "0/" + tail}
    if ":::" in text:
        bucket_start = text.index(":::") + 3
        variants |= {text[:bucket_start] + "*", text[:bucket_start] + "acme-ml-*/*"}
    if text.count(":") >= 5:
        parts = text.split(":", 5)
        for index in (3, 4):
            changed = list(parts)
            changed[index] = "*" if parts[index] else "444455556666"
            variants.add(":".join(changed))
    return sorted(v for v in variants if v)


def _mutate_aws(rng: random.Random, files: dict[str, Any], envelope: Any) -> None:
    policy = files.get("permissions")
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), list):
        files["permissions"] = policy = {"Version": "2012-10-17", "Statement": []}
    statements = policy["Statement"]
    if isinstance(envelope, dict) and isinstance(envelope.get("Statement"), list) and rng.random() < 0.3:
        statements.append(copy.deepcopy(rng.choice(envelope["Statement"])))
    if not statements or rng.random() < 0.1:
        statements.append({"Effect": "Allow", "Action": rng.choice(AWS_ACTIONS), "Resource": "*"})
    statement = rng.choice(statements)
    if not isinstance(statement, dict):
        return
    choice = rng.randrange(9)
    if choice == 0:
        statement["Action"] = rng.sample(AWS_ACTIONS, rng.randint(1, 3))
    elif choice == 1:
        current = statement.get("Resource", "*")
        texts = current if isinstance(current, list) else [current]
        statement["Resource"] = [rng.choice(_resource_variants(str(t))) for t in texts] or "*"
    elif choice in (2, 3, 4):
        condition = statement.setdefault("Condition", {})
        operator = rng.choice(AWS_OPERATORS)
        if operator != "Null":
            operator = rng.choice(["", "ForAllValues:", "ForAnyValue:"]) + operator
            operator += rng.choice(["", "", "IfExists"])
        pool = next((v for prefix, v in AWS_VALUES.items() if operator.split(":")[-1].startswith(prefix)), AWS_TEXTS)
        values = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
        condition.setdefault(operator, {})[rng.choice(AWS_KEYS)] = values if len(values) > 1 else values[0]
    elif choice == 5:
        statement["Effect"] = "Deny" if statement.get("Effect") == "Allow" else "Allow"
    elif choice == 6 and "Action" in statement:
        statement["NotAction"] = statement.pop("Action")
    elif choice == 7 and "Resource" in statement:
        statement["NotResource"] = statement.pop("Resource")
    elif len(statements) > 1:
        statements.remove(statement)


GCP_ROLES = [
    "roles/storage.objectViewer", "roles/storage.objectCreator", "roles/storage.objectUser",
    "roles/storage.objectAdmin", "roles/storage.legacyBucketReader", "roles/storage.admin", "roles/viewer",
]
GCP_PLACES = [
    "//storage.googleapis.com/projects/_/buckets/acme-ml-datasets",
    "//storage.googleapis.com/projects/_/buckets/acme-ml-artifacts",
    "//cloudresourcemanager.googleapis.com/projects/acme-ml",
]
GCP_CONDITIONS = [
    'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/v3/")',
    'resource.name.startsWith("projects/_/buckets/acme-ml-datasets/objects/fraud/v3")',
    'resource.name.startsWith("projects/_/buckets/acme-ml-artifacts/objects/fraud/models/")',
    'resource.name.startsWith("projects/_/buckets/acme-ml-")',
    'resource.type == "storage.googleapis.com/Bucket"',
    'resource.type != "storage.googleapis.com/Object"',
    'resource.type == "storage.googleapis.com/Object"',
    'resource.name.endsWith(".csv")',
    'resource.service == "storage.googleapis.com"',
    'request.time < timestamp("2027-01-01T00:00:00Z")',
    'resource.name == "projects/_/buckets/acme-ml-datasets"',
]


def _gcp_expression(rng: random.Random) -> str:
    left = rng.choice(GCP_CONDITIONS)
    shape = rng.randrange(4)
    if shape == 0:
        return left
    right = rng.choice(GCP_CONDITIONS)
    return {1: f"{left} || {right}", 2: f"{left} && {right}", 3: f"!({left})"}[shape]


def _mutate_gcp(rng: random.Random, files: dict[str, Any], envelope: Any) -> None:
    bindings = files.get("iam_bindings")
    if not isinstance(bindings, list):
        files["iam_bindings"] = bindings = []
    if isinstance(envelope, list) and envelope and rng.random() < 0.3:
        bindings.append(copy.deepcopy(rng.choice(envelope)))
    if not bindings or rng.random() < 0.15:
        bindings.append({"resource": rng.choice(GCP_PLACES), "role": rng.choice(GCP_ROLES), "members": []})
        bindings[-1]["members"] = ["serviceAccount:fraud-training@acme-ml.iam.gserviceaccount.com"]
    binding = rng.choice(bindings)
    if not isinstance(binding, dict):
        return
    choice = rng.randrange(6)
    if choice == 0:
        binding["role"] = rng.choice(GCP_ROLES)
    elif choice == 1:
        binding["resource"] = rng.choice(GCP_PLACES)
    elif choice == 4 and len(bindings) > 1:
        bindings.remove(binding)
    elif choice in (2, 3):
        binding["condition"] = {"title": "fuzz", "expression": _gcp_expression(rng)}
    else:
        binding.pop("condition", None)


AZURE_ACCOUNTS = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud/providers/Microsoft.Storage/storageAccounts/"
AZURE_SCOPES = [
    AZURE_ACCOUNTS + "acmemldatasets/blobServices/default/containers/fraud",
    AZURE_ACCOUNTS + "acmemldatasets/blobServices/default/containers/customers",
    AZURE_ACCOUNTS + "acmemlartifacts/blobServices/default/containers/models",
    AZURE_ACCOUNTS + "acmemldatasets",
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-ml-fraud",
]
AZURE_ROLES = [
    "Storage Blob Data Reader", "Storage Blob Data Contributor", "Storage Blob Data Owner", "Reader",
    "Storage Account Contributor",
]
BLOB = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
AZURE_CONDITIONS = [
    None,
    f"(!(ActionMatches{{'{BLOB}/read'}})) OR (@Resource[{BLOB}:path] StringStartsWith 'v3/')",
    f"((!(ActionMatches{{'{BLOB}/read'}} AND NOT SubOperationMatches{{'Blob.List'}})) OR (@Resource[{BLOB}:path] StringStartsWith 'v3/'))",
    f"(!(ActionMatches{{'{BLOB}/write'}})) OR (@Resource[{BLOB}:path] StringStartsWith 'fraud/')",
    f"(@Resource[{BLOB}:path] StringLike 'v3*')",
    "(@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'fraud')",
]


def _mutate_azure(rng: random.Random, files: dict[str, Any], envelope: Any) -> None:
    assignments = files.get("role_assignments")
    if not isinstance(assignments, list):
        files["role_assignments"] = assignments = []
    if isinstance(envelope, dict) and rng.random() < 0.2:
        extra = envelope.get("role_assignments") or []
        roles = envelope.get("custom_roles") or []
        if extra and isinstance(files.get("custom_roles"), list):
            files["custom_roles"] = _merged_roles(files["custom_roles"], copy.deepcopy(roles))
            assignments.append(copy.deepcopy(rng.choice(extra)))
    if not assignments or rng.random() < 0.15:
        assignments.append(
            {"role": rng.choice(AZURE_ROLES), "principalId": "11111111-1111-1111-1111-111111111111",
             "scope": rng.choice(AZURE_SCOPES)}
        )
    assignment = rng.choice(assignments)
    if not isinstance(assignment, dict):
        return
    choice = rng.randrange(5)
    if choice == 4 and len(assignments) > 1:
        assignments.remove(assignment)
    elif choice == 0:
        assignment.pop("roleDefinitionId", None)
        assignment["role"] = rng.choice(AZURE_ROLES)
    elif choice == 1:
        assignment["scope"] = rng.choice(AZURE_SCOPES)
    else:
        condition = rng.choice(AZURE_CONDITIONS)
        if condition is None:
            assignment.pop("condition", None)
            assignment.pop("conditionVersion", None)
        else:
            assignment["condition"], assignment["conditionVersion"] = condition, "2.0"


MUTATORS: dict[str, Callable[[random.Random, dict[str, Any], Any], None]] = {
    "aws": _mutate_aws,
    "gcp": _mutate_gcp,
    "azure": _mutate_azure,
}


def envelope_files(cloud: str, envelope: Any, files: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope as submission files, so the evaluator can decide requests under it (the engines'
    `within` reads the same data: the AWS envelope is an identity policy, the GCP envelope bindings with the
    submission's custom roles, the Azure envelope assignments with its own and the submission's roles)."""
    if cloud == "aws":
        return {"permissions": envelope}
    if cloud == "gcp":
        return {"iam_bindings": envelope, "custom_roles": files.get("custom_roles", [])}
    data = envelope if isinstance(envelope, dict) else {"role_assignments": envelope}
    roles = _merged_roles(data.get("custom_roles") or [], files.get("custom_roles") or [])
    return {"role_assignments": data.get("role_assignments") or [], "custom_roles": roles}


def _merged_roles(first: list[Any], second: list[Any]) -> list[Any]:
    """Custom roles of both lists, each id once."""
    merged = list(first)
    ids = {r.get("id") for r in first if isinstance(r, dict)}
    return merged + [r for r in second if not (isinstance(r, dict) and r.get("id") in ids)]


# --- probes ------------------------------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _requests(
    rng: random.Random, limit: int, actions: list[Any], resources: list[str], contexts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every (action, resource) pair when they fit in `limit`; else every action at least once (up to
    `limit`) with a random resource, then random mixes. Each with a random context."""
    rng.shuffle(actions)
    pairs = [(a, r) for a in actions for r in resources]
    if len(pairs) > limit:
        pairs = [(actions[i] if i < len(actions) else rng.choice(actions), rng.choice(resources)) for i in range(limit)]
    probes = []
    for action, resource in pairs:
        context: dict[str, Any] = {}
        if isinstance(action, tuple):  # (action, context it needs), e.g. Azure's data_action flag
            action, context = action
        probes.append({"action": action, "resource": resource, "context": {**rng.choice(contexts), **context}})
    return probes


def _aws_probes(
    rng: random.Random, files: Mapping[str, Any], seeds: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    from checker.aws import catalog

    policy = files.get("permissions") or {}
    statements = [s for s in policy.get("Statement", []) if isinstance(s, dict)]
    actions: set[str] = {str(s.get("action")) for s in seeds}
    resources: set[str] = {str(s.get("resource")) for s in seeds}
    contexts: list[dict[str, Any]] = [{}] + [dict(s.get("context") or {}) for s in seeds]
    for statement in statements:
        for pattern in _strings(statement.get("Action", statement.get("NotAction", []))):
            matched = catalog.expand_action(pattern) if pattern != "*" else list(catalog.all_actions())
            actions |= set(rng.sample(matched, min(len(matched), limit)))
        for pattern in _strings(statement.get("Resource", statement.get("NotResource", []))):
            for variant in _resource_variants(pattern):
                resources.add(variant.replace("*", rng.choice(["example", "prod", "0/example", "x"])))
        for _operator, keys in (statement.get("Condition") or {}).items():
            if isinstance(keys, dict):
                for key, values in keys.items():
                    if key.lower() in CALLER_KEYS:
                        continue  # AWS sets these from the caller; a request cannot choose them
                    for value in _strings(values):
                        contexts.append({key: value})
                        contexts.append({key: value.replace("*", "x") + "-other"})
                        contexts.append({key: [value, "other"]})
    return _requests(rng, limit, sorted(actions), sorted(resources), contexts)


def _gcp_probes(
    rng: random.Random, files: Mapping[str, Any], seeds: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    from checker.gcp import catalog

    permissions: set[str] = {str(s.get("action")) for s in seeds}
    names = {str(s.get("resource")) for s in seeds} | set(GCP_PLACES)
    for binding in files.get("iam_bindings") or []:
        if not isinstance(binding, dict):
            continue
        role = catalog.lookup(str(binding.get("role")))
        if role is not None:
            permissions |= set(rng.sample(sorted(role.permissions), min(len(role.permissions), limit)))
        for text in _strings(binding.get("condition") or {}):
            for quoted in text.split('"')[1::2]:
                if quoted.startswith("projects/_/buckets/"):
                    base = "//storage.googleapis.com/" + quoted.rstrip("/")
                    names |= {base, base + "/x.csv", base + "0/x.csv", base + "-prod/x.csv"}
    for bucket in ("acme-ml-datasets", "acme-ml-artifacts", "another-bucket"):
        base = f"//storage.googleapis.com/projects/_/buckets/{bucket}"
        names |= {base + "/objects/fraud/v3/a.csv", base + "/objects/fraud/models/m.tar.gz", base + "/objects/other.csv",
                  base + "/managedFolders/fraud/", base + "/folders/fraud/"}
    return _requests(rng, limit, sorted(permissions), sorted(names), [{}])


def _azure_probes(
    rng: random.Random, files: Mapping[str, Any], seeds: list[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    from checker.azure.catalog import active_catalog

    actions = [(str(s.get("action")), dict(s.get("context") or {})) for s in seeds]
    # Catalog operations of the services the lab's roles act on, management and data alike.
    storage = [op for op in active_catalog().operations if op.name.lower().startswith("microsoft.storage/")]
    actions += [(op.name, {"data_action": bool(op.data)}) for op in rng.sample(storage, min(len(storage), limit))]
    names = {str(s.get("resource")) for s in seeds} | set(AZURE_SCOPES)
    for scope in AZURE_SCOPES[:3]:
        names |= {scope + "/blobs/v3/a.csv", scope + "/blobs/v30/a.csv", scope + "/blobs/fraud/m.pkl", scope + "/blobs/x"}
    return _requests(rng, limit, actions, sorted(names), [{}])


PROBES: dict[str, Callable[[random.Random, Mapping[str, Any], list[dict[str, Any]], int], list[dict[str, Any]]]] = {
    "aws": _aws_probes,
    "gcp": _gcp_probes,
    "azure": _azure_probes,
}


# --- the run -----------------------------------------------------------------------------------------------


def _shown_allowed(engine: Engine, submission: Submission, shown: Mapping[str, Any]) -> bool | None:
    """A counterexample decided again from exactly the JSON fields it shows, and nothing else.

    AWS: the prover's question is what the caller's identity policies grant (checker/aws/analyze/recheck.py);
    where AWS requires a resource policy even in the same account (a KMS key policy, a role's trust policy)
    it assumes one that delegates to the caller's account, and so does this re-decision. Any other request is
    decided on the identity policies alone, so a resource account the JSON leaves out (the evaluator then
    reads it from the ARN: cross-account, denied) is caught.
    """
    if engine.cloud != "aws":
        return _allowed(engine, submission, shown)
    from checker.aws.evaluate import PolicySet, evaluate
    from checker.aws.policy import PolicyKind, parse_policy
    from checker.aws.request import Request
    from checker.aws.services import kms, sts

    principal, action, resource = str(shown["principal"]), str(shown["action"]), str(shown["resource"])
    request = Request(principal, action, resource, shown.get("resource_account"), dict(shown.get("context", {})))
    needs_resource_policy = sts.is_trust_action(action.lower()) or kms.requires_key_policy(
        action.lower().partition(":")[0], resource
    )
    delegation = None
    if needs_resource_policy:
        account = principal.split(":")[4]
        statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "*",
                     "Resource": "*"}
        delegation = parse_policy({"Version": "2012-10-17", "Statement": [statement]}, kind=PolicyKind.RESOURCE)
    try:
        policies = PolicySet(identity=list(submission.model.identity), resource=delegation)
        return evaluate(request, policies).allowed
    except InputError:
        return None


def _allowed(engine: Engine, submission: Submission, request: Mapping[str, Any]) -> bool | None:
    """The evaluator's answer, or None when it refuses the request as input (it then exists for nobody)."""
    try:
        return engine.decide(submission, request).allowed
    except InputError:
        return None


def _one(target: Target, rng: random.Random, figures: Figures, probes_per_proof: int) -> None:
    cloud = target.spec.cloud
    engine = engine_for(cloud)
    files = copy.deepcopy(rng.choice(target.starts)) if target.starts else {}
    for _ in range(rng.randint(0, 3)):
        MUTATORS[cloud](rng, files, target.envelope.data)
    figures.tried += 1
    shown = json.dumps(files, sort_keys=True)[:2000]
    try:
        submission = engine.load_submission(_documents(files, target.spec), target.setting)
        # ENGINE.within reads the envelope alone: policies a lab attaches beside the learner's (AWS
        # `attached_policies`) belong to the submission, not to the envelope it is compared with.
        alone = {key: value for key, value in target.setting.items() if key != "attached_policies"}
        envelope = engine.load_submission(
            _documents(envelope_files(cloud, target.envelope.data, files), target.spec), alone
        )
    except InputError:
        figures.refused += 1
        return
    started = time.monotonic()
    try:
        result = engine.within(submission, target.envelope)
    except InputError:
        figures.refused += 1
        return
    except Exception:  # noqa: BLE001 - a crash is a finding, reported with the input that caused it
        figures.findings.append(f"{target.name}: within crashed on {shown}\n{traceback.format_exc(limit=4)}")
        return
    took = time.monotonic() - started
    figures.slowest = max(figures.slowest, took)
    if took > SLOW_PROOF:
        figures.findings.append(f"{target.name}: the proof took {took:.0f}s (a learner waits); policy {shown}")
    if result.status is WithinStatus.UNKNOWN:
        figures.unknown += 1
        return
    if result.status is WithinStatus.COUNTEREXAMPLE:
        figures.counterexamples += 1
        for example in result.counterexamples:
            request = example.to_json()
            inside = _shown_allowed(engine, submission, request)
            outside = _shown_allowed(engine, envelope, request)
            figures.probes += 1
            if inside is not True or outside is not False:
                figures.findings.append(
                    f"{target.name}: counterexample {request} decided again as shown: policy allows={inside}, "
                    f"envelope allows={outside}; policy {shown}"
                )
        return
    figures.proved += 1
    for probe in PROBES[cloud](rng, files, target.seeds, probes_per_proof):
        probe.setdefault("principal", target.spec.identity)  # requests are made by the lab's identity
        try:
            inside = _allowed(engine, submission, probe)
            outside = _allowed(engine, envelope, probe) if inside else None
        except Exception:  # noqa: BLE001
            figures.findings.append(f"{target.name}: decide crashed on {probe}\n{traceback.format_exc(limit=4)}")
            continue
        if inside is None:
            figures.probes_refused += 1  # not a request that exists (e.g. a permission on the wrong kind)
            continue
        figures.probes += 1
        if inside and outside is False:
            figures.findings.append(
                f"{target.name}: PROVED within, but the evaluator allows {probe} under the policy and not under "
                f"the envelope; policy {shown}"
            )
            return


def run(
    policies_per_cloud: int, seed: int = 0, seconds_per_cloud: float = 60.0, probes_per_proof: int = MAX_PROBES
) -> dict[str, Figures]:
    """Fuzz every lab and cloud; stop a cloud after `policies_per_cloud` policies or its time budget."""
    report: dict[str, Figures] = {}
    by_cloud: dict[str, list[Target]] = {}
    for target in targets():
        by_cloud.setdefault(target.spec.cloud, []).append(target)
    for cloud, cloud_targets in sorted(by_cloud.items()):
        figures = report.setdefault(cloud, Figures())
        rng = random.Random(f"{seed}-{cloud}")
        deadline = time.monotonic() + seconds_per_cloud
        while figures.tried < policies_per_cloud and time.monotonic() < deadline:
            _one(rng.choice(cloud_targets), rng, figures, probes_per_proof)
    return report
