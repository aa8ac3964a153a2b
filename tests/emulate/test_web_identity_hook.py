"""AssumeRoleWithWebIdentity through the in-process hook (same rules as the gateway, test_web_identity.py).

Its own module: in-process moto and the gateway's moto server share moto's state in one process, so the two
worlds are not mixed in one module.
"""

from __future__ import annotations

import time

from botocore import UNSIGNED
from botocore.config import Config

from checker.emulate.backends import Backend
from checker.emulate.federation import LocalIssuer
from checker.emulate.hook import InProcessEnforcer
from tests.emulate.test_web_identity import ISSUER, MAIN, assume, error_of, seed


def test_in_process_hook_enforces_the_same(moto_backend: Backend) -> None:
    seed(moto_backend)
    enforcer = InProcessEnforcer(moto_backend.authorizer, moto_backend.credentials, web_identity=ISSUER)
    session = enforcer.session(region_name="us-east-1")
    client = session.client("sts", config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    creds = assume(client, ISSUER.mint({"sub": MAIN}))["Credentials"]
    s3 = enforcer.session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"], region_name="us-east-1").client("s3")
    assert s3.get_object(Bucket="ml-data", Key="datasets/train.csv")["Body"].read() == b"a,b\n1,2\n"
    assert error_of(client, LocalIssuer().mint({"sub": MAIN}))[0] == "InvalidIdentityToken"
    assert error_of(client, ISSUER.mint({"sub": MAIN}, lifetime=1, now=time.time() - 3600))[0] == "ExpiredTokenException"
    assert error_of(client, ISSUER.mint({"sub": "repo:acme/other:ref:refs/heads/main"}))[0] == "AccessDenied"
