"""AWS IAM resources of a Terraform configuration, as roles and located policy documents.

Read (arguments as the AWS provider documents them): `aws_iam_role` (name, path, assume_role_policy,
inline_policy blocks, managed_policy_arns, permissions_boundary), `aws_iam_role_policy` (role, policy),
`aws_iam_policy` (name, path, policy), `aws_iam_role_policy_attachment` (role, policy_arn),
`aws_iam_openid_connect_provider` (url, client_id_list) and `data "aws_iam_policy_document"`.
ARNs follow IAM's formats: arn:aws:iam::ACCOUNT:role/PATH/NAME, :policy/PATH/NAME,
:oidc-provider/HOST/PATH (IAM User Guide, "IAM identifiers").
"""

from __future__ import annotations

from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument
from checker.iac.managed import is_managed_arn, managed_policy
from checker.iac.model import BOUNDARY, IDENTITY, TRUST, AwsRole, IacModel, IacPolicy, OidcProvider
from checker.iac.terraform import policy_document
from checker.iac.terraform.config import Configuration, Located
from checker.iac.terraform.expressions import SourceText, json_at


def register(config: Configuration) -> None:
    """Teach the configuration the attributes the AWS provider computes from a block's arguments."""
    computed = config.computed
    computed[("aws_iam_role", "arn")] = lambda c, b: _arn(c, b, "role")
    computed[("aws_iam_role", "id")] = lambda c, b: _name(c, b)
    computed[("aws_iam_policy", "arn")] = lambda c, b: _arn(c, b, "policy")
    computed[("aws_iam_policy", "id")] = lambda c, b: _arn(c, b, "policy")
    computed[("aws_iam_openid_connect_provider", "arn")] = _provider_arn
    computed[("aws_s3_bucket", "arn")] = lambda c, b: f"arn:{c.setting.partition}:s3:::{_text(c, b, 'bucket')}"
    computed[("aws_s3_bucket", "id")] = lambda c, b: _text(c, b, "bucket")
    computed[("data.aws_caller_identity", "account_id")] = lambda c, b: _account(c, b)
    computed[("data.aws_region", "name")] = lambda c, b: _region(c, b)
    computed[("data.aws_region", "region")] = lambda c, b: _region(c, b)
    computed[("data.aws_region", "id")] = lambda c, b: _region(c, b)
    computed[("data.aws_partition", "partition")] = lambda c, b: c.setting.partition
    computed[("data.aws_partition", "dns_suffix")] = lambda c, b: "amazonaws.com"
    computed[("data.aws_iam_policy_document", "json")] = _document_json
    computed[("data.aws_iam_policy_document", "minified_json")] = _document_json


def read(config: Configuration, model: IacModel) -> None:
    """Add the configuration's AWS roles, policies and OIDC providers to `model`."""
    roles: dict[str, tuple[Located, dict[str, Any]]] = {}
    for address, located in config.resources.items():
        kind = located.block.labels[0]
        if kind == "aws_iam_role":
            roles[address] = (located, _role_parts(config, address, located))
        elif kind == "aws_iam_policy":
            model.policies.append(_standalone_policy(config, address, located))
        elif kind == "aws_iam_openid_connect_provider":
            model.oidc_providers.append(_oidc_provider(config, address, located))
    by_name = {parts["name"]: address for address, (_l, parts) in roles.items() if parts["name"]}
    for address, located in config.resources.items():
        kind = located.block.labels[0]
        if kind == "aws_iam_role_policy":
            role = _role_of(config, located, by_name)
            policy = _policy_at(config, located, "policy", f"{address} (policy)", IDENTITY)
            roles[role][1]["policies"].append(policy)
        elif kind == "aws_iam_role_policy_attachment":
            role = _role_of(config, located, by_name)
            arn, where = _required_text(config, located, "policy_arn")
            roles[role][1]["policies"].append(_attached(config, arn, where, f"{address} (policy_arn)", IDENTITY))
    for address, (located, parts) in roles.items():
        arn = parts["arn"]
        trust = parts["trust"]
        policies = [_attach(p, arn or address) for p in parts["policies"]]
        boundary = parts["boundary"]
        made = AwsRole(
            address=address,
            name=parts["name"],
            arn=arn,
            where=located.block.where,
            trust=_attach(trust, arn or address),
            policies=tuple(policies),
            boundary=_attach(boundary, arn or address) if boundary else None,
        )
        model.roles.append(made)
        model.policies.extend([made.trust] if made.trust else [])
        model.policies.extend(made.policies)
        model.policies.extend([made.boundary] if made.boundary else [])


def _attach(policy: IacPolicy, target: str) -> IacPolicy:
    return IacPolicy(policy.cloud, policy.kind, policy.name, policy.document, policy.where, target, policy.arn)


def _role_parts(config: Configuration, address: str, located: Located) -> dict[str, Any]:
    name = _optional_text(config, located, "name")
    policies: list[IacPolicy] = []
    for index, block in enumerate(located.block.body.blocks_of("inline_policy")):
        found = config.argument(located, "policy", block.body)
        if found is None:
            continue  # an empty inline_policy block tells the provider to remove inline policies
        where = block.body.attributes["policy"].where
        inline_name = config.argument(located, "name", block.body)
        label = inline_name[0] if inline_name else index
        policies.append(_as_policy(found[0], where, f"{address} inline_policy {label!r}", IDENTITY))
    managed = config.argument(located, "managed_policy_arns")
    if managed is not None:
        where = located.block.body.attributes["managed_policy_arns"].where
        if not isinstance(managed[0], list):
            raise InputError("managed_policy_arns must be a list of policy ARNs", where)
        for arn in managed[0]:
            policies.append(_attached(config, str(arn), where, f"{address} (managed_policy_arns)", IDENTITY))
    boundary = None
    if "permissions_boundary" in located.block.body.attributes:
        arn, where = _required_text(config, located, "permissions_boundary")
        boundary = _attached(config, arn, where, f"{address} (permissions_boundary)", BOUNDARY)
    return {
        "name": name,
        "arn": _arn(config, located, "role") if name and config.setting.account else None,
        "trust": _policy_at(config, located, "assume_role_policy", f"{address} (assume_role_policy)", TRUST),
        "policies": policies,
        "boundary": boundary,
    }


def _standalone_policy(config: Configuration, address: str, located: Located) -> IacPolicy:
    policy = _policy_at(config, located, "policy", f"{address} (policy)", IDENTITY)
    arn = _arn(config, located, "policy") if config.setting.account and _optional_text(config, located, "name") else None
    return IacPolicy(policy.cloud, policy.kind, policy.name, policy.document, policy.where, None, arn)


def _oidc_provider(config: Configuration, address: str, located: Located) -> OidcProvider:
    url, where = _required_text(config, located, "url")
    clients = config.argument(located, "client_id_list")
    client_ids = tuple(str(c) for c in clients[0]) if clients and isinstance(clients[0], list) else ()
    arn = _provider_arn(config, located) if config.setting.account else None
    return OidcProvider(address, _strip_scheme(url), arn, client_ids, located.block.where)


def _role_of(config: Configuration, located: Located, by_name: dict[str, str]) -> str:
    role, where = _required_text(config, located, "role")
    address = by_name.get(role)
    if address is None:
        raise InputError(
            f"the role {role!r} is not an aws_iam_role defined in these files",
            where,
            "attach policies to a role this configuration defines (role = aws_iam_role.NAME.name)",
        )
    return address


def _attached(config: Configuration, arn: str, where: Where, name: str, kind: str) -> IacPolicy:
    """A policy named by ARN: one defined in these files, or an AWS managed policy."""
    for address, located in config.resources.items():
        if located.block.labels[0] == "aws_iam_policy" and config.setting.account and _optional_text(
            config, located, "name"
        ) and _arn(config, located, "policy") == arn:
            policy = _policy_at(config, located, "policy", f"{address} (policy)", kind)
            return IacPolicy("aws", kind, name, policy.document, where, None, arn)
    if is_managed_arn(arn):
        return IacPolicy("aws", kind, name, managed_policy(arn, where), where, None, arn)
    raise InputError(
        f"the policy {arn} is neither an AWS managed policy nor an aws_iam_policy defined in these files",
        where,
        "refer to the policy as aws_iam_policy.NAME.arn, or check the managed policy's name",
    )


def _policy_at(config: Configuration, located: Located, argument: str, name: str, kind: str) -> IacPolicy:
    found = config.argument(located, argument)
    attribute = located.block.body.attributes.get(argument)
    if found is None or attribute is None:
        raise InputError(f"{name.split(' ')[0]} needs {argument}", located.block.where)
    return _as_policy(found[0], attribute.where, name, kind)


def _as_policy(value: Any, where: Where, name: str, kind: str) -> IacPolicy:
    if isinstance(value, SourceText):
        document = value.located(where)
    elif isinstance(value, str):
        document = json_at(value, where)
    else:
        raise InputError(
            f"a policy must be JSON text, not {type(value).__name__}",
            where,
            "wrap an object in jsonencode(...) or use data.aws_iam_policy_document.NAME.json",
        )
    return IacPolicy("aws", kind, name, document, where)


def _document_json(config: Configuration, located: Located) -> SourceText:
    document: LoadedDocument = policy_document.render(config, located)
    import json

    return SourceText(json.dumps(document.data), document=document)


def _name(config: Configuration, located: Located) -> str:
    name = _optional_text(config, located, "name")
    if name is None:
        raise InputError(
            f"{located.block.labels[0]}.{located.block.labels[1]} has no name, so its name and ARN are not known",
            located.block.where,
            "give the resource a name (name_prefix makes the provider invent one)",
        )
    return name


def _arn(config: Configuration, located: Located, kind: str) -> str:
    account = _account(config, located)
    path = _optional_text(config, located, "path") or "/"
    return f"arn:{config.setting.partition}:iam::{account}:{kind}{path}{_name(config, located)}"


def _provider_arn(config: Configuration, located: Located) -> str:
    url, _where = _required_text(config, located, "url")
    return f"arn:{config.setting.partition}:iam::{_account(config, located)}:oidc-provider/{_strip_scheme(url)}"


def _strip_scheme(url: str) -> str:
    return url.removeprefix("https://").rstrip("/")


def _account(config: Configuration, located: Located) -> str:
    return str(config.require(config.setting.account, "the AWS account id", located.block.where))


def _region(config: Configuration, located: Located) -> str:
    return str(config.require(config.setting.region, "the AWS region", located.block.where))


def _text(config: Configuration, located: Located, name: str) -> str:
    return _required_text(config, located, name)[0]


def _optional_text(config: Configuration, located: Located, name: str) -> str | None:
    found = config.argument(located, name)
    if found is None or found[0] is None:
        return None
    if not isinstance(found[0], str):
        raise InputError(f"{name} must be text, not {found[0]!r}", located.block.body.attributes[name].where)
    return str(found[0])


def _required_text(config: Configuration, located: Located, name: str) -> tuple[str, Where]:
    value = _optional_text(config, located, name)
    if value is None:
        address = ".".join(located.block.labels)
        raise InputError(f"{address} needs {name}", located.block.where)
    return value, located.block.body.attributes[name].where
