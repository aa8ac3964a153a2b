"""`iamlab drift` against a live account: the declared Terraform applied to moto through boto3, changed out of
band, read back through IAM's own API (`live_document`) and compared by the same code as snapshot files.

The account is built by `apply` from the declared snapshot with every policy document rewritten in a form
IAM reads alike (one value or a list, values and statements in another order, keys reordered, a number or
Boolean condition value quoted): a clean account must show no drift, so none of those forms is drift.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from checker.aws.analyze.drift import drift
from checker.cli.main import main
from checker.core.source import LoadedDocument
from checker.emulate.backends import Backend, localstack, localstack_running, moto_server
from checker.emulate.state.account import live_document
from checker.iac.terraform import Setting
from checker.iac.terraform.aws_snapshot import declared_snapshot
from tests.emulate.conftest import reset_moto

PLATFORM = Path(__file__).resolve().parents[1] / "iac" / "data" / "drift" / "platform"
LOCALSTACK_ACCOUNT = "210987654321"
OTHER = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def declared(account: str) -> LoadedDocument:
    return declared_snapshot([PLATFORM], Setting(account=account, region="us-east-1"))


def equivalent(document: Any) -> Any:
    """The same policy as IAM reads it, written differently (IAM User Guide, "Grammar of the IAM JSON policy
    language": "If an element takes an array ... but includes only one value, the brackets are optional";
    "Quotation marks are optional for numeric and Boolean values")."""
    if isinstance(document, dict):
        changed = {}
        for key, value in reversed(list(document.items())):
            if key in ("Action", "Resource", "NotAction", "NotResource"):
                value = list(reversed(value)) if isinstance(value, list) and len(value) > 1 else (
                    value[0] if isinstance(value, list) else [value]
                )
            elif key == "Statement" and isinstance(value, list):
                value = [equivalent(s) for s in reversed(value)]
            elif key == "Condition" and isinstance(value, dict):
                value = {op: {k: (v if isinstance(v, list) else [str(v).lower() if isinstance(v, bool) else str(v)])
                              for k, v in keys.items()} for op, keys in value.items()}
            elif key == "Principal" and isinstance(value, dict):
                value = {k: (v[0] if isinstance(v, list) and len(v) == 1 else [v] if isinstance(v, str) else v)
                         for k, v in value.items()}
            changed[key] = value
        return changed
    return document


def apply(backend: Backend, snapshot: dict[str, Any]) -> None:
    """Create what the snapshot declares, as Terraform would, through the account's IAM API."""
    iam = backend.admin_client("iam")
    arns: dict[str, str] = {}
    for name, document in snapshot["policies"].items():
        arns[name] = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(equivalent(document)))["Policy"]["Arn"]

    def tags(entry: dict[str, Any]) -> list[dict[str, str]]:
        return [{"Key": k, "Value": v} for k, v in entry.get("tags", {}).items()]

    for group in snapshot["groups"]:
        iam.create_group(GroupName=group["name"], Path=group["path"])
        for policy, document in group["inline"].items():
            iam.put_group_policy(GroupName=group["name"], PolicyName=policy,
                                 PolicyDocument=json.dumps(equivalent(document)))
        for policy in group["attached"]:
            iam.attach_group_policy(GroupName=group["name"], PolicyArn=arns[policy])
    for user in snapshot["users"]:
        extra = {"PermissionsBoundary": arns[user["boundary"]]} if "boundary" in user else {}
        iam.create_user(UserName=user["name"], Path=user["path"], Tags=tags(user), **extra)
        for policy, document in user["inline"].items():
            iam.put_user_policy(UserName=user["name"], PolicyName=policy, PolicyDocument=json.dumps(equivalent(document)))
        for policy in user["attached"]:
            iam.attach_user_policy(UserName=user["name"], PolicyArn=arns[policy])
        for group in user["groups"]:
            iam.add_user_to_group(GroupName=group, UserName=user["name"])
    for role in snapshot["roles"]:
        extra = {"PermissionsBoundary": arns[role["boundary"]]} if "boundary" in role else {}
        iam.create_role(RoleName=role["name"], Path=role["path"], Tags=tags(role),
                        AssumeRolePolicyDocument=json.dumps(equivalent(role["trust"])), **extra)
        for policy, document in role["inline"].items():
            iam.put_role_policy(RoleName=role["name"], PolicyName=policy, PolicyDocument=json.dumps(equivalent(document)))
        for policy in role["attached"]:
            iam.attach_role_policy(RoleName=role["name"], PolicyArn=arns[policy])


def out_of_band(backend: Backend) -> set[tuple[str, str]]:
    """Change the account behind Terraform's back, one change per kind of drift; the drift each must show."""
    iam = backend.admin_client("iam")
    account = backend.account
    boundary = f"arn:aws:iam::{account}:policy/team-boundary"
    reads = f"arn:aws:iam::{account}:policy/read-datasets"
    widened = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    # A managed policy's new default version, an inline policy rewritten, a trust policy opened up.
    iam.create_policy_version(PolicyArn=boundary, PolicyDocument=json.dumps(widened), SetAsDefault=True)
    iam.put_role_policy(RoleName="risk-job-runner", PolicyName="job", PolicyDocument=json.dumps(widened))
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    iam.update_assume_role_policy(RoleName="ml-platform-orchestrator", PolicyDocument=json.dumps(trust))
    # A boundary detached, one replaced, one added (moto keeps no user boundaries: roles only).
    iam.delete_role_permissions_boundary(RoleName="risk-job-runner")
    debug = iam.create_policy(PolicyName="debug-admin", PolicyDocument=json.dumps(OTHER))["Policy"]["Arn"]
    iam.put_role_permissions_boundary(RoleName="growth-job-runner", PermissionsBoundary=debug)
    iam.put_role_permissions_boundary(RoleName="ml-platform-orchestrator", PermissionsBoundary=debug)
    # Extra principals, a declared one gone, an inline policy added and one removed.
    iam.create_role(RoleName="risk-debug", AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_user(UserName="mallory")
    iam.create_group(GroupName="shadow-admins")
    iam.delete_group_policy(GroupName="risk-approvers", PolicyName="approve")
    iam.put_role_policy(RoleName="ml-platform-orchestrator", PolicyName="debug", PolicyDocument=json.dumps(OTHER))
    iam.detach_user_policy(UserName="bob", PolicyArn=reads)
    iam.delete_user(UserName="bob")
    # Attachments: one added, one removed; a membership added.
    iam.attach_role_policy(RoleName="ml-platform-orchestrator", PolicyArn=debug)
    iam.detach_role_policy(RoleName="risk-job-runner", PolicyArn=reads)
    iam.add_user_to_group(GroupName="shadow-admins", UserName="alice")
    # Tags: lab 03's `team` tag changed, one added, one removed.
    iam.tag_role(RoleName="risk-job-runner", Tags=[{"Key": "team", "Value": "growth"}])
    iam.tag_role(RoleName="ml-platform-orchestrator", Tags=[{"Key": "owner", "Value": "mallory"}])
    iam.untag_user(UserName="alice", TagKeys=["team"])
    return {
        ("policy-changed", "policy team-boundary"),
        ("policy-changed", "role risk-job-runner"),
        ("trust-changed", "role ml-platform-orchestrator"),
        ("boundary-detached", "role risk-job-runner"),
        ("boundary-changed", "role growth-job-runner"),
        ("boundary-added", "role ml-platform-orchestrator"),
        ("extra", "policy debug-admin"),
        ("extra", "role risk-debug"),
        ("extra", "user mallory"),
        ("extra", "group shadow-admins"),
        ("missing", "user bob"),
        ("missing-inline", "group risk-approvers"),
        ("extra-inline", "role ml-platform-orchestrator"),
        ("extra-attached", "role ml-platform-orchestrator"),
        ("missing-attached", "role risk-job-runner"),
        ("extra-groups", "user alice"),
        ("tag-changed", "role risk-job-runner"),
        ("tag-added", "role ml-platform-orchestrator"),
        ("tag-removed", "user alice"),
    }


def kinds(backend: Backend) -> set[tuple[str, str]]:
    found = drift(declared(backend.account), live_document(backend.state, "moto"))
    return {(d.kind, d.entity) for d in found}


def test_a_clean_account_has_no_drift(moto_backend: Backend) -> None:
    apply(moto_backend, declared(moto_backend.account).data)
    assert kinds(moto_backend) == set()


def test_every_out_of_band_change_is_listed(moto_backend: Backend) -> None:
    apply(moto_backend, declared(moto_backend.account).data)
    expected = out_of_band(moto_backend)
    assert kinds(moto_backend) == expected


def test_a_difference_in_a_live_account_points_at_the_declaring_line(moto_backend: Backend) -> None:
    """A live account has no lines: the difference names the .tf line that declares what changed."""
    apply(moto_backend, declared(moto_backend.account).data)
    moto_backend.admin_client("iam").delete_role_permissions_boundary(RoleName="risk-job-runner")
    (found,) = drift(declared(moto_backend.account), live_document(moto_backend.state, "moto"))
    text = (PLATFORM / "main.tf").read_text().splitlines()
    assert found.kind == "boundary-detached"
    assert found.where.startswith(f"{PLATFORM / 'main.tf'}:")
    line = int(found.where.split(":")[1])
    assert text[line - 1].strip().startswith("permissions_boundary = aws_iam_policy.team_boundary.arn")


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    backend = moto_server()
    try:
        reset_moto(backend)
        yield backend
    finally:
        reset_moto(backend)
        backend.close()


def test_the_command_reads_a_live_moto_server(moto_endpoint: Backend, capsys: pytest.CaptureFixture[str]) -> None:
    url = str(moto_endpoint.endpoint_url)
    apply(moto_endpoint, declared(moto_endpoint.account).data)
    assert main(["drift", str(PLATFORM), "--state-from", url]) == 0
    assert "no drift" in capsys.readouterr().out
    expected = out_of_band(moto_endpoint)
    assert main(["drift", str(PLATFORM), "--state-from", url, "--format", "json"]) == 1
    listed = json.loads(capsys.readouterr().out)["drift"]
    assert {(d["kind"], d["entity"]) for d in listed} == expected


def test_an_endpoint_that_does_not_answer_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    from checker.emulate.backends import free_loopback_port

    url = f"http://127.0.0.1:{free_loopback_port()}"
    assert main(["drift", str(PLATFORM), "--state-from", url]) == 2
    assert f"no AWS-compatible endpoint answered at {url}" in capsys.readouterr().err


# CI starts LocalStack (.ci/run), so there it must be running; a developer without it gets a skip.
@pytest.mark.skipif(
    not localstack_running() and os.environ.get("CI") != "true",
    reason="LocalStack is not running: start it with `make localstack`",
)
def test_localstack_drift_is_listed_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    assert localstack_running(), "CI must run this test: .ci/run starts LocalStack before `make test`"
    # An account of its own (LocalStack takes a 12-digit access key as the account): nothing another test
    # leaves in LocalStack's default account shows up as drift, and emptying it touches no other test.
    backend = localstack(account=LOCALSTACK_ACCOUNT)
    live = ["--state-from", "localstack", "--account", LOCALSTACK_ACCOUNT]
    try:
        _empty_localstack(backend)
        apply(backend, declared(backend.account).data)
        assert main(["drift", str(PLATFORM), *live]) == 0
        capsys.readouterr()
        expected = out_of_band(backend)
        assert main(["drift", str(PLATFORM), *live, "--format", "json"]) == 1
        listed = json.loads(capsys.readouterr().out)["drift"]
        assert {(d["kind"], d["entity"]) for d in listed} == expected
    finally:
        _empty_localstack(backend)
        backend.close()


def _empty_localstack(backend: Backend) -> None:
    """LocalStack keeps state between runs: remove every user, group, role and customer managed policy of the
    test's own account."""
    iam = backend.admin_client("iam")
    quiet = contextlib.suppress(ClientError)
    for group in iam.list_groups()["Groups"]:
        name = group["GroupName"]
        for user in iam.get_group(GroupName=name)["Users"]:
            with quiet:
                iam.remove_user_from_group(GroupName=name, UserName=user["UserName"])
        for policy in iam.list_group_policies(GroupName=name)["PolicyNames"]:
            iam.delete_group_policy(GroupName=name, PolicyName=policy)
        for policy in iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]:
            iam.detach_group_policy(GroupName=name, PolicyArn=policy["PolicyArn"])
        iam.delete_group(GroupName=name)
    for user in iam.list_users()["Users"]:
        name = user["UserName"]
        for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy)
        for policy in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=policy["PolicyArn"])
        iam.delete_user(UserName=name)
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        if role["Path"].startswith("/aws-service-role/"):
            continue
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
        iam.delete_role(RoleName=name)
    for policy in iam.list_policies(Scope="Local")["Policies"]:
        for version in iam.list_policy_versions(PolicyArn=policy["Arn"])["Versions"]:
            if not version["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=policy["Arn"], VersionId=version["VersionId"])
        iam.delete_policy(PolicyArn=policy["Arn"])
