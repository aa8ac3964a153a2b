"""Every reader of untrusted input, as one function from bytes, for the fuzzers (issue 13, section 5).

Each reader returns a result or raises one of its clear errors (InputError for files and cases; for the
gateway's SigV4 reader SignatureProblem and UnknownOperation, which the gateway answers as AWS-worded
refusals). Anything else escaping is a crash; an input that takes longer than TIME_BOUND is a hang.
`seeds()` gives real inputs of each kind (the labs' own files, signed requests) to start from.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.emulate.wire.http import HttpRequest
from checker.emulate.wire.identify import UnknownOperation
from checker.emulate.wire.sigv4 import SignatureProblem

ROOT = Path(__file__).resolve().parents[2]
TIME_BOUND = 5.0  # CPU seconds for one input (hypothesis); atheris applies it as wall-clock -timeout
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _text(data: bytes) -> str:
    # Files are read as UTF-8 by core/source; undecodable bytes are its error to report, so the fuzzers
    # hand the readers text (replacement characters keep the byte positions' meaning close).
    return data.decode("utf-8", errors="replace")


def read_aws_policy(data: bytes) -> object:
    from checker.aws.policy import PolicyKind, parse_policy

    document = parse_json(_text(data), "policy.json")
    kind = list(PolicyKind)[len(data) % len(PolicyKind)]  # every kind of policy, by the input's length
    return parse_policy(document, name="policy.json", kind=kind)


def _submission(cloud: str, names: tuple[str, str], data: bytes, empty: str) -> object:
    from checker.grading.engines import engine_for

    target = names[len(data) % 2]
    files = {name: parse_json(_text(data) if name == target else empty, f"{name}.json") for name in names}
    return engine_for(cloud).load_submission(files, {})


def read_azure_files(data: bytes) -> object:
    return _submission("azure", ("role_assignments", "custom_roles"), data, "[]")


def read_gcp_files(data: bytes) -> object:
    return _submission("gcp", ("iam_bindings", "custom_roles"), data, "[]")


@cache
def _lab_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="iamlab-fuzz-lab-"))


def read_lab_yaml(data: bytes) -> object:
    from checker.grading.spec import load_lab

    folder = _lab_folder()
    (folder / "lab.yaml").write_bytes(data)
    return load_lab(folder)


def _batch(cloud: str) -> Callable[[bytes], object]:
    def read(data: bytes) -> object:
        from checker.cli.simulate import run_batch

        out = io.StringIO()
        run_batch(_text(data).splitlines() or [""], cloud, True, out, "cases.jsonl")
        return out.getvalue()  # run_batch turns every InputError into an error line itself

    return read


def _http_request(data: bytes) -> HttpRequest:
    """Raw HTTP/1.1 request bytes as the gateway's server hands them over (request line, headers, body)."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = _text(head).split("\r\n")
    method, _, target = lines[0].partition(" ")
    target = target.rsplit(" HTTP/", 1)[0] or "/"
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers[key] = f"{headers[key]},{value.strip()}" if key in headers else value.strip()
    return HttpRequest(method or "GET", target, headers, body)


def read_sigv4_request(data: bytes) -> object:
    from checker.emulate.mapping import TABLES
    from checker.emulate.wire.identify import identify
    from checker.emulate.wire.sigv4 import read_signature, request_time, verify

    request = _http_request(data)
    signed = read_signature(request)
    if signed is None:
        return None
    # Verified at the request's own time, so that a well-signed input goes on to be identified.
    verify(request, signed, SECRET, request_time(signed))
    return identify(request, signed.service, signed.region, TABLES)


def _iac_file(name: str) -> Path:
    """A fresh folder per input holding one file: the IaC readers take paths (Terraform reads folders)."""
    folder = Path(tempfile.mkdtemp(prefix="iamlab-fuzz-iac-", dir=_lab_folder()))
    return folder / name


def read_terraform_file(data: bytes) -> object:
    from checker.iac.terraform import read_terraform

    path = _iac_file("main.tf")
    path.write_bytes(data)
    return read_terraform([path.parent])


def read_terraform_for_drift(data: bytes) -> object:
    """`iamlab drift`'s declared side: the snapshot a configuration declares, validated as drift validates it."""
    from checker.aws.analyze.snapshot import load_snapshot
    from checker.iac.terraform import Setting
    from checker.iac.terraform.aws_snapshot import declared_snapshot

    path = _iac_file("main.tf")
    path.write_bytes(data)
    return load_snapshot(declared_snapshot([path.parent], Setting(account="111122223333", region="us-east-1")))


def read_cloudformation_file(data: bytes) -> object:
    from checker.iac.cloudformation import read_cloudformation

    # JSON and YAML templates alike, by the input's length (cfn-lint's decoder picks by the extension).
    path = _iac_file("template.json" if len(data) % 2 else "template.yaml")
    path.write_bytes(data)
    return read_cloudformation(path)


def read_workflow_file(data: bytes) -> object:
    from checker.iac.workflows import read_workflow

    path = _iac_file("deploy.yml")
    path.write_bytes(data)
    return read_workflow(path)


READERS: dict[str, Callable[[bytes], object]] = {
    "aws-policy": read_aws_policy,
    "azure-files": read_azure_files,
    "gcp-files": read_gcp_files,
    "lab-yaml": read_lab_yaml,
    "aws-batch": _batch("aws"),
    "azure-batch": _batch("azure"),
    "gcp-batch": _batch("gcp"),
    "sigv4-request": read_sigv4_request,
    "terraform": read_terraform_file,
    "terraform-drift": read_terraform_for_drift,
    "cloudformation": read_cloudformation_file,
    "gha-workflow": read_workflow_file,
}
CLEAR_ERRORS: dict[str, tuple[type[Exception], ...]] = {name: (InputError,) for name in READERS}
CLEAR_ERRORS["sigv4-request"] = (SignatureProblem, UnknownOperation)


def seeds(reader: str) -> list[bytes]:
    """Real inputs for the reader: the labs' and solutions' files, example batches, signed requests."""
    if reader == "sigv4-request":
        return _signed_requests()
    patterns = {
        "aws-policy": ["labs/*/aws/*.json", "labs/*/envelope-aws.json", "solutions/*/aws/*.json"],
        "azure-files": ["labs/*/azure/*.json", "solutions/*/azure/*.json"],
        "gcp-files": ["labs/*/gcp/*.json", "solutions/*/gcp/*.json", "labs/*/envelope-gcp.json"],
        "lab-yaml": ["labs/*/lab.yaml"],
        "aws-batch": ["docs/examples/*aws*.jsonl", "tests/**/aws*.jsonl"],
        "azure-batch": ["docs/examples/*azure*.jsonl"],
        "gcp-batch": ["docs/examples/*gcp*.jsonl"],
        "terraform": ["tests/iac/data/**/*.tf", "labs/*/*/*.tf", "solutions/*/*/*.tf"],
        "terraform-drift": ["tests/iac/data/drift/**/*.tf", "labs/*/*/*.tf", "solutions/*/*/*.tf"],
        "cloudformation": ["tests/iac/data/**/template.yaml", "labs/*/*/roles.yaml", "solutions/*/*/roles.yaml"],
        "gha-workflow": ["tests/iac/data/**/*.yml", "labs/*/*/mlops.yml", "solutions/*/*/mlops.yml"],
    }[reader]
    found = [p.read_bytes() for pattern in patterns for p in sorted(ROOT.glob(pattern)) if p.is_file()]
    if reader.endswith("-batch"):
        found.append(b'{"id": "c", "principal": "arn:aws:iam::111122223333:role/r", "action": "s3:GetObject"}')
    return [f for f in found if len(f) < 60_000] or [b"{}"]


def _signed_requests() -> list[bytes]:
    """A few requests signed by botocore (S3 REST-XML, STS query, SageMaker JSON) in raw HTTP form."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)
    shapes = [
        ("GET", "http://127.0.0.1:4599/acme-ml-datasets/fraud/v3/train.csv", {}, b"", "s3"),
        ("PUT", "http://127.0.0.1:4599/acme-ml-artifacts/m.tar.gz", {}, b"model", "s3"),
        ("POST", "http://127.0.0.1:4599/", {"Content-Type": "application/x-www-form-urlencoded"},
         b"Action=GetCallerIdentity&Version=2011-06-15", "sts"),
        ("POST", "http://127.0.0.1:4599/", {"X-Amz-Target": "SageMaker.DescribeTrainingJob",
                                            "Content-Type": "application/x-amz-json-1.1"},
         b'{"TrainingJobName": "fraud-1"}', "sagemaker"),
    ]
    raw = []
    for method, url, headers, body, service in shapes:
        request = AWSRequest(method=method, url=url, headers=headers, data=body)
        SigV4Auth(credentials, service, "us-east-1").add_auth(request)
        prepared = request.prepare()
        target = url.split("4599", 1)[1]
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:4599"]
        lines += [f"{k}: {v}" for k, v in prepared.headers.items() if k.lower() != "host"]
        raw.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return raw
