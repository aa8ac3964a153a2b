"""AssumeRoleWithWebIdentity through the gateway and the in-process hook, with real RS256 tokens.

AWS STS API Reference, AssumeRoleWithWebIdentity, Errors: InvalidIdentityToken ("The web identity token that
was passed could not be validated by AWS") and ExpiredTokenException ("The web identity token that was passed
is expired or is not valid"); then the role's trust policy decides with the token's claims as condition keys
(IAM User Guide, "Available keys for OIDC federation"), the IAM OIDC provider as the federated principal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from checker.emulate.backends import Backend, moto_server
from checker.emulate.federation import LocalIssuer
from checker.emulate.gateway.run import start_gateway
from checker.emulate.gateway.server import GatewayServer
from tests.emulate.conftest import TRAINING_POLICY, doc, seed_training_world

ACCOUNT = "123456789012"
HOST = "token.actions.githubusercontent.com"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/github-deploy"
MAIN = "repo:acme/fraud-model:ref:refs/heads/main"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{HOST}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": MAIN}},
        }
    ],
}
ISSUER = LocalIssuer()
_CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


def seed(backend: Backend) -> None:
    seed_training_world(backend)
    iam = backend.admin_client("iam")
    iam.create_open_id_connect_provider(Url=f"https://{HOST}", ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    iam.create_role(RoleName="github-deploy", AssumeRolePolicyDocument=doc(TRUST))
    iam.put_role_policy(RoleName="github-deploy", PolicyName="training", PolicyDocument=doc(TRAINING_POLICY))


@pytest.fixture(scope="module")
def backend() -> Iterator[Backend]:
    server = moto_server()
    seed(server)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def gateway(backend: Backend) -> Iterator[GatewayServer]:
    server = start_gateway(backend, web_identity=ISSUER)
    try:
        yield server
    finally:
        server.stop()


def sts(gateway: GatewayServer) -> Any:
    # AssumeRoleWithWebIdentity is unsigned: the token is the credential.
    return boto3.client("sts", endpoint_url=gateway.url, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def assume(client: Any, token: str) -> dict[str, Any]:
    return client.assume_role_with_web_identity(RoleArn=ROLE_ARN, RoleSessionName="gha-1", WebIdentityToken=token)


def error_of(client: Any, token: str) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        assume(client, token)
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_good_token_assumes_the_role_and_its_session_works(gateway: GatewayServer) -> None:
    creds = assume(sts(gateway), ISSUER.mint({"sub": MAIN}))["Credentials"]
    s3 = boto3.client("s3", endpoint_url=gateway.url, region_name="us-east-1", config=_CONFIG,
                      aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
    assert s3.get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read() == b"a,b\n1,2\n"
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="ml-data", Key="secrets/other.csv")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        pytest.param(lambda: LocalIssuer().mint({"sub": MAIN}), "InvalidIdentityToken", id="forged-other-key"),
        pytest.param(lambda: ISSUER.mint({"sub": MAIN}, lifetime=60, now=time.time() - 3600), "ExpiredTokenException",
                     id="expired"),
        pytest.param(lambda: ISSUER.mint({"sub": MAIN, "aud": "api://AzureADTokenExchange"}), "InvalidIdentityToken",
                     id="wrong-audience"),
        pytest.param(lambda: ISSUER.mint({"sub": MAIN, "iss": "https://evil.example"}), "InvalidIdentityToken",
                     id="wrong-issuer"),
        pytest.param(lambda: "not.a.jwt", "InvalidIdentityToken", id="garbage"),
        pytest.param(lambda: _unsigned({"sub": MAIN}), "InvalidIdentityToken", id="alg-none"),
        # Key confusion: an HMAC token keyed with the provider's public key must not verify as RS256.
        pytest.param(lambda: _hmac_with_public_key({"sub": MAIN}), "InvalidIdentityToken", id="hs256-public-key"),
        # A pull request's genuine token with its sub rewritten to main keeps the old signature.
        pytest.param(lambda: _tampered(ISSUER.mint({"sub": "repo:acme/fraud-model:pull_request"}), {"sub": MAIN}),
                     "InvalidIdentityToken", id="payload-rewritten"),
        pytest.param(lambda: ISSUER.mint({"sub": MAIN, "aud": ["api://AzureADTokenExchange"]}),
                     "InvalidIdentityToken", id="audience-list-without-sts"),
        pytest.param(lambda: _without_sub(), "InvalidIdentityToken", id="no-sub"),
        pytest.param(lambda: ISSUER.mint({"sub": MAIN, "pad": "x" * 20000}), "InvalidIdentityToken", id="oversized"),
    ],
)
def test_bad_tokens_get_stss_errors(gateway: GatewayServer, token: Any, code: str) -> None:
    assert error_of(sts(gateway), token()) == (code, 400)


def test_a_valid_token_the_trust_policy_does_not_admit_is_denied(gateway: GatewayServer) -> None:
    code, status = error_of(sts(gateway), ISSUER.mint({"sub": "repo:acme/fraud-model:pull_request"}))
    assert (code, status) == ("AccessDenied", 403)


def _part(data: dict[str, Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _hmac_with_public_key(claims: dict[str, Any]) -> str:
    import base64
    import hashlib
    import hmac

    now = int(time.time())
    body = {"iss": ISSUER.issuer, "aud": "sts.amazonaws.com", "exp": now + 300, **claims}
    signed = f"{_part({'alg': 'HS256', 'typ': 'JWT'})}.{_part(body)}"
    mac = hmac.new(ISSUER.public_pem, signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _tampered(token: str, changes: dict[str, Any]) -> str:
    import jwt

    header, _, signature = token.split(".")
    claims = {**jwt.decode(token, options={"verify_signature": False}), **changes}
    return f"{header}.{_part(claims)}.{signature}"


def _without_sub() -> str:
    import jwt

    now = int(time.time())
    body = {"iss": ISSUER.issuer, "aud": "sts.amazonaws.com", "iat": now, "exp": now + 300}
    return jwt.encode(body, ISSUER._key, algorithm="RS256")


def _unsigned(claims: dict[str, Any]) -> str:
    import base64

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    body = {"iss": ISSUER.issuer, "aud": "sts.amazonaws.com", "exp": now + 300, **claims}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}."


def test_a_gateway_without_an_issuer_trusts_no_token(backend: Backend) -> None:
    server = start_gateway(backend)
    try:
        assert error_of(sts(server), ISSUER.mint({"sub": MAIN}))[0] == "InvalidIdentityToken"
    finally:
        server.stop()


def test_token_command_mints_what_a_key_file_issuer_verifies(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from checker.cli.main import main

    key = str(tmp_path / "issuer.pem")
    assert main(["token", "init", "--key", key]) == 0
    capsys.readouterr()
    assert main(["token", "mint", "--key", key, "--claim", f"sub={MAIN}", "--claim", "repository=acme/fraud-model"]) == 0
    token = capsys.readouterr().out.strip()
    claims = LocalIssuer.from_key_file(key).verify(token)
    assert claims["sub"] == MAIN and claims["aud"] == "sts.amazonaws.com"
    assert main(["token", "mint", "--key", key]) == 2  # no sub


def test_a_token_needs_the_accounts_oidc_provider(backend: Backend) -> None:
    """STS refuses a token when the account has no IAM OIDC provider for its issuer ("No OpenIDConnect
    provider found in your account"), or when its aud is not one of the provider's client IDs."""
    other = LocalIssuer(issuer="https://gitlab.example")
    server = start_gateway(backend, web_identity=other)
    try:
        assert error_of(sts(server), other.mint({"sub": MAIN})) == ("InvalidIdentityToken", 400)
        backend.admin_client("iam").create_open_id_connect_provider(
            Url="https://gitlab.example", ClientIDList=["gitlab"], ThumbprintList=["a" * 40])
        assert error_of(sts(server), other.mint({"sub": MAIN})) == ("InvalidIdentityToken", 400)  # aud is not gitlab
        # Both checks pass; now the role's trust policy (which names GitHub's provider) refuses it.
        assert error_of(sts(server), other.mint({"sub": MAIN, "aud": "gitlab"})) == ("AccessDenied", 403)
    finally:
        server.stop()
