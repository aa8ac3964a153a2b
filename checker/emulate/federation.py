"""Web identity tokens for the lab emulator: a local test issuer that mints real RS256 JWTs, and their check.

`LocalIssuer` stands for an OIDC provider such as GitHub Actions (it may use GitHub's issuer URL so trust
policies written for GitHub work unchanged) with its own RSA key; the gateway and the in-process hook
trust only that key. A token passes when its RS256 signature verifies with the key, its `iss` is the
issuer's, the account has an IAM OIDC provider for that issuer and the token's `aud` is one of its client
IDs, and it has not expired. Failures are the STS errors of AssumeRoleWithWebIdentity
(AWS STS API Reference): InvalidIdentityToken ("The web identity token that was passed could not be
validated by AWS") and ExpiredTokenException ("The web identity token that was passed is expired or is not
valid"). PyJWT checks the token; the key is made with cryptography. Both are imported on first use: a live
check without web identities (most labs) never needs them, and they are a tenth of a cold check's imports.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker.aws.federation import provider_arn
from checker.emulate.mapping.call import ApiCall
from checker.emulate.state.credentials import Credential

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"
DEFAULT_AUDIENCES = ("sts.amazonaws.com",)
LEEWAY_SECONDS = 300  # IAM accepts a token up to five minutes after `exp` for clock skew (IAM User Guide, OIDC)
MAX_TOKEN_BYTES = 16 * 1024


class WebIdentityProblem(Exception):
    """A token STS would refuse: `kind` is "invalid" (InvalidIdentityToken) or "expired" (ExpiredTokenException)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _new_key() -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class LocalIssuer:
    """A test OIDC issuer with a fresh 2048-bit RSA key; `mint` signs claims, `verify` checks a token."""

    issuer: str = DEFAULT_ISSUER
    audiences: Sequence[str] = DEFAULT_AUDIENCES
    key_id: str = "iamlab-local-1"
    _key: rsa.RSAPrivateKey = field(default_factory=_new_key)

    @property
    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def save_key(self, path: str) -> None:
        """Write the private key (PKCS#8 PEM, readable by its owner only) so another process can mint or trust."""
        import os

        from cryptography.hazmat.primitives import serialization

        data = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)

    @classmethod
    def from_key_file(cls, path: str, issuer: str = DEFAULT_ISSUER,
                      audiences: Sequence[str] = DEFAULT_AUDIENCES) -> LocalIssuer:
        """The issuer whose key `save_key` wrote; an unreadable or non-RSA key is an InputError."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        from checker.core.errors import InputError, Where

        try:
            with open(path, "rb") as handle:
                key = serialization.load_pem_private_key(handle.read(), password=None)
        except OSError as exc:
            raise InputError(f"cannot read the key: {exc.strerror}", Where(path)) from None
        except ValueError:
            raise InputError("not a PEM private key", Where(path), "create one with `iamlab token init`") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InputError("the key must be an RSA key (RS256)", Where(path))
        return cls(issuer=issuer, audiences=tuple(audiences), _key=key)

    def mint(self, claims: Mapping[str, Any], lifetime: int = 300, now: float | None = None) -> str:
        """A signed RS256 token: `iss` defaults to this issuer, `iat`/`nbf`/`exp` to now and now + lifetime."""
        issued = int(now if now is not None else time.time())
        body = {"iss": self.issuer, "aud": self.audiences[0], "iat": issued, "nbf": issued, "exp": issued + lifetime}
        body.update(claims)
        import jwt

        return jwt.encode(body, self._key, algorithm="RS256", headers={"kid": self.key_id})

    def verify(self, token: Any, now: float | None = None) -> dict[str, Any]:
        """The token's claims, or WebIdentityProblem naming why STS would refuse it."""
        return verify_token(token, self.public_pem, self.issuer, self.audiences, now)


def verify_token(token: Any, public_pem: bytes, issuer: str, audiences: Sequence[str] | None,
                 now: float | None = None) -> dict[str, Any]:
    """The claims of a token signed with the key, from `issuer`, not expired; `aud` checked when `audiences`
    is given (the emulator checks it against the account's IAM OIDC provider instead)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS.")
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            "(it is not a JWT).") from None
    if header.get("alg") != "RS256":
        raise WebIdentityProblem("invalid", f"The web identity token that was passed could not be validated by AWS "
                                            f"(algorithm {header.get('alg')!r}; the provider signs with RS256).")
    try:
        claims = _decode_at(token, public_pem, issuer, audiences, time.time() if now is None else now)
    except jwt.ExpiredSignatureError:
        raise WebIdentityProblem("expired", "The web identity token that was passed is expired or is not valid. "
                                            "Get a new identity token from the identity provider.") from None
    except jwt.InvalidAudienceError:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            f"(its aud is not one of the provider's client IDs {list(audiences or [])}).") from None
    except jwt.InvalidIssuerError:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            f"(its iss is not {issuer}).") from None
    except jwt.InvalidSignatureError:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            "(its signature does not verify with the provider's key).") from None
    except jwt.PyJWTError as exc:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            f"({exc}).") from None
    return claims


def _decode_at(token: str, public_pem: bytes, issuer: str, audiences: Sequence[str] | None,
               now: float) -> dict[str, Any]:
    """Decode as if the clock said `now` (tests and the emulator's injected clock)."""
    import jwt

    claims: dict[str, Any] = jwt.decode(
        token, public_pem, algorithms=["RS256"], audience=list(audiences) if audiences is not None else None,
        issuer=issuer,
        options={"require": ["iss", "aud", "exp", "sub"], "verify_exp": False, "verify_nbf": False,
                 "verify_iat": False, "verify_aud": audiences is not None},
    )
    if now > float(claims["exp"]) + LEEWAY_SECONDS:
        raise jwt.ExpiredSignatureError("Signature has expired")
    if "nbf" in claims and now + LEEWAY_SECONDS < float(claims["nbf"]):
        raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
    return claims


def _check_audience(claims: Mapping[str, Any], provider: str, lookups: Any) -> None:
    """STS accepts a token only for an IAM OIDC provider of the account, and only for one of its client IDs."""
    try:
        found = lookups.client("iam").get_open_id_connect_provider(OpenIDConnectProviderArn=provider)
    except Exception:
        raise WebIdentityProblem("invalid", f"No OpenIDConnect provider found in your account for {claims['iss']}") from None
    client_ids = found.get("ClientIDList") or []
    audience = claims.get("aud")
    presented = audience if isinstance(audience, list) else [audience]
    if not any(a in client_ids for a in presented):
        raise WebIdentityProblem("invalid", f"Incorrect token audience: {audience!r} is none of the provider's client "
                                            f"IDs {client_ids}")


def web_identity_call(
    issuer: LocalIssuer | None,
    params: Mapping[str, Any],
    region: str,
    account: str,
    lookups: Any,
    now: float,
) -> tuple[Credential, ApiCall]:
    """The caller (the IAM OIDC provider of the token's issuer) and the call, once the token is verified."""
    if issuer is None:
        raise WebIdentityProblem("invalid", "The web identity token that was passed could not be validated by AWS "
                                            "(this emulator trusts no identity provider).")
    claims = verify_token(params.get("WebIdentityToken"), issuer.public_pem, issuer.issuer, None, now)
    provider = provider_arn(str(claims["iss"]), account)
    _check_audience(claims, provider, lookups)
    credential = Credential("", "", provider, account)
    call = ApiCall("sts", "AssumeRoleWithWebIdentity", dict(params), region, account, caller_arn=provider,
                   lookups=lookups, web_identity=claims)
    return credential, call
