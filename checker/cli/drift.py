"""`iamlab drift DECLARED STATE`: every difference between the declared IAM and an account's state.

DECLARED is an account snapshot (docs/analysis.md) or Terraform: a `.tf` file or a folder of them (its
`terraform.tfvars` and `*.auto.tfvars` too), read into the same snapshot by checker.iac. The account's
state is either STATE, a snapshot file (exported, or the lab's platform snapshot), or a live account read
through its API with `--state-from`: `localstack` (the one `make localstack` starts), `moto` (a moto
server on its default address, `moto_server`), or the http(s) URL of any AWS-compatible endpoint (a moto
server, LocalStack, `iamlab gateway`). Terraform's ARNs are built in the state's account.
Exit codes: 0 no drift, 1 differences (each listed), 2 bad input (the error names file, line and column).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.core.source import LoadedDocument

MOTO_SERVER_URL = "http://127.0.0.1:5000"  # where `moto_server` listens unless told otherwise


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "declared", metavar="DECLARED",
        help="the declared IAM: an account snapshot (JSON or YAML), or a .tf file or folder of them",
    )
    parser.add_argument(
        "state", metavar="STATE", nargs="?",
        help="the account's state as a snapshot file (JSON or YAML); or use --state-from",
    )
    parser.add_argument(
        "--state-from", metavar="BACKEND",
        help=f"read the state from a live account: localstack, moto (a moto server at {MOTO_SERVER_URL}) "
        "or the http(s) URL of an AWS-compatible endpoint",
    )
    parser.add_argument("--region", metavar="REGION", default="us-east-1",
                        help="the region to read the live account in and Terraform's region (default us-east-1)")
    parser.add_argument("--account", metavar="ID",
                        help="the live account to read (LocalStack acts in it; another endpoint must simulate it)")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", default=[],
                        help="a Terraform variable's value (repeatable)")
    parser.add_argument("--ref", metavar="NAME=VALUE", action="append", default=[],
                        help="a value the Terraform refers to, e.g. aws_s3_bucket.data.arn=arn:aws:s3:::d (repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.epilog = (
        "Compared: extra and missing roles, users, groups and customer managed policies; policy documents "
        "(inline, a managed policy's default version, trust) after IAM's own normalisation; boundaries; "
        "attachments; group memberships; tags; paths. Exit codes: 0 no drift, 1 differences (each listed), "
        "2 bad input (file:line:column) or an endpoint that does not answer."
    )


def run(args: argparse.Namespace) -> int:
    from checker.aws.analyze.drift import drift
    from checker.core.errors import InputError

    if (args.state is None) == (args.state_from is None):
        raise InputError(
            "say where the account's state is: a snapshot file STATE, or --state-from (not both)",
            hint="iamlab drift main.tf state.json, or iamlab drift main.tf --state-from localstack",
        )
    state, state_name = _state(args)
    differences = drift(_declared(args, state), state)
    if args.format == "json":
        print(json.dumps({"drift": [d.to_json() for d in differences]}, indent=2))
    elif not differences:
        print(f"no drift: {state_name} matches {args.declared}")
    else:
        print(f"{len(differences)} difference(s) between {args.declared} (declared) and {state_name}:")
        for d in differences:
            print(f"  - {d.kind}: {d.entity}: {d.detail} ({d.where})")
    return 1 if differences else 0


def _state(args: argparse.Namespace) -> tuple[LoadedDocument, str]:
    """The state as a validated snapshot document, and how to name it."""
    from checker.aws.analyze.snapshot import load_snapshot
    from checker.core.errors import InputError
    from checker.core.source import load_document

    if args.state is not None:
        document = load_document(args.state)
        load_snapshot(document)  # its account names Terraform's ARNs: a bad file is its own error first
        return document, str(args.state)
    from checker.emulate.backends import open_backend
    from checker.emulate.state.account import live_document

    # moto in this process would be a new, empty account: `moto` means the moto server a user started.
    spec = MOTO_SERVER_URL if args.state_from == "moto" else args.state_from
    try:
        backend = open_backend(spec, args.region, args.account)
    except InputError as exc:
        if args.state_from != "moto":
            raise
        raise InputError(exc.message, exc.where, "start one with `moto_server` (port 5000), or give its URL") from None
    with backend:
        name = f"the account {backend.account} at {backend.endpoint_url}"
        return live_document(backend.state, name), name


def _declared(args: argparse.Namespace, state: LoadedDocument) -> LoadedDocument:
    from checker.core.source import load_document

    path = Path(args.declared)
    if not (path.is_dir() or path.suffix == ".tf"):
        return load_document(path)
    from checker.cli.lint_sources import option_pairs
    from checker.iac.terraform import Setting
    from checker.iac.terraform.aws_snapshot import declared_snapshot

    setting = Setting(
        variables=option_pairs(args.var, "--var"),
        references=option_pairs(args.ref, "--ref"),
        account=str(state.data["account"]),
        region=args.region,
    )
    return declared_snapshot([path], setting)
