"""Amazon ECR, per "Actions, resources, and condition keys for Amazon Elastic Container Registry".

Repository ARNs live in the registry's account: registryId when the call names one, else the caller's.
Describe calls that name no repository cover every repository of the registry ("repository/*").
"""

from __future__ import annotations

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck
from checker.emulate.mapping.catalog import build_arn
from checker.emulate.mapping.rules import Rule, check, custom, request_tags, required, rule


def _repository_arn(call: ApiCall, name: str) -> str:
    account = str(call.params.get("registryId") or call.account)
    return build_arn(
        "ecr",
        "repository",
        {"Partition": call.partition, "Region": call.region, "Account": account, "RepositoryName": name},
    )


def _repo(action: str, tags: bool = False) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        context = request_tags("tags")(call) if tags else {}
        return [AuthorizationCheck(action, _repository_arn(call, required(call, "repositoryName")), context)]

    return custom(expand)


def _repos_or_all(action: str) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        names = call.params.get("repositoryNames") or ["*"]
        return [AuthorizationCheck(action, _repository_arn(call, str(name)), {}) for name in names]

    return custom(expand, note="without repositoryNames the call covers every repository of the registry")


RULES: dict[str, Rule] = {
    "GetAuthorizationToken": rule(check("ecr:GetAuthorizationToken")),
    "CreateRepository": _repo("ecr:CreateRepository", tags=True),
    "DeleteRepository": _repo("ecr:DeleteRepository"),
    "DescribeRepositories": _repos_or_all("ecr:DescribeRepositories"),
    "DescribeImages": _repo("ecr:DescribeImages"),
    "ListImages": _repo("ecr:ListImages"),
    "BatchGetImage": _repo("ecr:BatchGetImage"),
    "BatchDeleteImage": _repo("ecr:BatchDeleteImage"),
    "BatchCheckLayerAvailability": _repo("ecr:BatchCheckLayerAvailability"),
    "GetDownloadUrlForLayer": _repo("ecr:GetDownloadUrlForLayer"),
    "InitiateLayerUpload": _repo("ecr:InitiateLayerUpload"),
    "UploadLayerPart": _repo("ecr:UploadLayerPart"),
    "CompleteLayerUpload": _repo("ecr:CompleteLayerUpload"),
    "PutImage": _repo("ecr:PutImage"),
    "SetRepositoryPolicy": _repo("ecr:SetRepositoryPolicy"),
    "GetRepositoryPolicy": _repo("ecr:GetRepositoryPolicy"),
    "DeleteRepositoryPolicy": _repo("ecr:DeleteRepositoryPolicy"),
    "PutLifecyclePolicy": _repo("ecr:PutLifecyclePolicy"),
    "GetLifecyclePolicy": _repo("ecr:GetLifecyclePolicy"),
    "PutImageScanningConfiguration": _repo("ecr:PutImageScanningConfiguration"),
}
