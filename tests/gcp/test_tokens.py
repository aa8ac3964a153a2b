"""Which GitHub tokens can become a workload identity federation member (checker/gcp/analyze/tokens.py).

Facts encoded, per case:
- "Workload identity federation with deployment pipelines" (cloud.google.com/iam/docs/workload-identity-
  federation-with-deployment-pipelines): "Use an attribute condition ... to restrict which ... repositories
  can authenticate"; without one, any GitHub repository's token is exchanged.
- WorkloadIdentityPoolProvider.attribute_condition (IAM API reference): the expression "must output a boolean
  representing whether to allow the federation"; an error rejects.
- allowedAudiences: when empty, "the full canonical resource name of the WorkloadIdentityPoolProvider, with
  or without the HTTPS prefix" is accepted.
- GitHub's `sub` formats ("OpenID Connect reference", docs.github.com/en/actions/reference/security/oidc).
"""

from __future__ import annotations

import pytest

from checker.gcp.analyze.encode import Undecidable
from checker.gcp.analyze.tokens import (
    GITHUB_ISSUER,
    federated_member,
    parse_allowed,
    tokens_reaching,
)
from checker.gcp.federation import Provider

POOL = "projects/123456789012/locations/global/workloadIdentityPools/github"
NAME = f"{POOL}/providers/github-oidc"
AUD = f"https://iam.googleapis.com/{NAME}"
MAIN = "repo:acme/fraud-model:ref:refs/heads/main"
SUBJECT = f"principal://iam.googleapis.com/{POOL}/subject/{MAIN}"
MAPPING = {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository",
           "attribute.repository_owner": "assertion.repository_owner"}
ALLOW_MAIN = parse_allowed([{"token": {"iss": GITHUB_ISSUER, "aud": [AUD, f"//iam.googleapis.com/{NAME}"], "sub": MAIN}}])


def provider(condition: str | None = "assertion.repository == 'acme/fraud-model'", audiences: tuple[str, ...] = (),
             mapping: dict[str, str] | None = None) -> Provider:
    return Provider(NAME, GITHUB_ISSUER, audiences, mapping or MAPPING, condition)


def reach(member: str, p: Provider) -> dict[str, str] | None:
    found = federated_member(member)
    assert found is not None
    return tokens_reaching(p, found, ALLOW_MAIN)


def test_exact_subject_is_proved() -> None:
    assert reach(SUBJECT, provider()) is None


def test_exact_subject_is_proved_without_a_condition() -> None:
    """Only acme/fraud-model's main branch has that sub: no condition is needed for an exact subject."""
    assert reach(SUBJECT, provider(condition=None)) is None


def test_repository_set_admits_a_pull_request() -> None:
    token = reach(f"principalSet://iam.googleapis.com/{POOL}/attribute.repository/acme/fraud-model", provider())
    assert token is not None and token["sub"] == "repo:acme/fraud-model:pull_request"


def test_whole_pool_without_condition_admits_another_owner() -> None:
    token = reach(f"principalSet://iam.googleapis.com/{POOL}/*", provider(condition=None))
    assert token is not None and token["sub"] != MAIN


def test_a_second_audience_admits_a_token_minted_for_it() -> None:
    token = reach(SUBJECT, provider(audiences=(AUD, "https://github.com/acme")))
    assert token is not None and token["aud"] == "https://github.com/acme"


def test_prefix_condition_found_by_the_solver_not_the_familiar_tokens() -> None:
    """startsWith('acme/fraud-model') also admits acme/fraud-model-v2: no familiar token shows it, z3 does."""
    allowed = parse_allowed([{"token": {"repository": "acme/fraud-model"}}])
    member = federated_member(f"principalSet://iam.googleapis.com/{POOL}/attribute.repository_owner/acme")
    assert member is not None
    token = tokens_reaching(provider("assertion.repository.startsWith('acme/fraud-model')"), member, allowed)
    assert token is not None
    assert token["repository"].startswith("acme/fraud-model") and token["repository"] != "acme/fraud-model"
    assert token["sub"].startswith(f"repo:{token['repository']}:")


def test_a_condition_on_a_missing_claim_rejects() -> None:
    """assertion.environment is absent outside an environment: the condition errs, so the token is rejected."""
    p = provider("assertion.environment == 'production'")
    member = f"principalSet://iam.googleapis.com/{POOL}/*"
    token = reach(member, p)
    assert token is not None and token.get("environment") == "production"


def test_other_pool_is_not_reached() -> None:
    other = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/other/*"
    assert reach(other, provider(condition=None)) is None


def test_unsupported_cel_is_undecidable_never_proved() -> None:
    with pytest.raises(Undecidable):
        reach(SUBJECT, provider(condition="assertion.repository.matches('^acme/')"))


def test_invalid_cel_is_a_located_error() -> None:
    """Even when no familiar token reaches the CEL (another issuer), a syntax error is the learner's, located."""
    from checker.core.errors import InputError, Where

    bad = Provider(NAME, "https://issuer.example", (), MAPPING, "assertion.repository == ", Where("roles.tf", 14, 1))
    member = federated_member(SUBJECT)
    assert member is not None
    with pytest.raises(InputError) as raised:
        tokens_reaching(bad, member, ALLOW_MAIN)
    assert raised.value.where is not None and raised.value.where.line == 14
