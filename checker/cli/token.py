"""`iamlab token`: a local OIDC issuer for the gateway's AssumeRoleWithWebIdentity.

`iamlab token init --key FILE` writes a new RSA key; `iamlab token mint --key FILE --claim sub=... ` prints an
RS256 token signed with it (iss defaults to GitHub Actions', aud to sts.amazonaws.com, lifetime 300 s).
Start the gateway with `--web-identity-key FILE` to trust only that key. Exit 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse

from checker.core.errors import InputError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("init", "mint"), help="init: write a new key; mint: print a token")
    parser.add_argument("--key", metavar="FILE", required=True, help="the issuer's private key (PEM)")
    parser.add_argument("--issuer", default="https://token.actions.githubusercontent.com", help="the iss claim")
    parser.add_argument("--claim", metavar="NAME=VALUE", action="append", default=[], help="a claim (repeatable)")
    parser.add_argument("--lifetime", type=int, default=300, help="seconds until exp (default 300)")


def run(args: argparse.Namespace) -> int:
    from checker.emulate.federation import LocalIssuer

    if args.action == "init":
        LocalIssuer(issuer=args.issuer).save_key(args.key)
        print(f"wrote {args.key}; start the gateway with --web-identity-key {args.key}")
        return 0
    claims: dict[str, str] = {}
    for item in args.claim:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"--claim takes NAME=VALUE, not {item!r}")
        claims[name] = value
    if "sub" not in claims:
        raise InputError("a token needs a sub claim", hint="add --claim sub=repo:OWNER/REPO:ref:refs/heads/main")
    if not 0 < args.lifetime <= 86400:
        raise InputError("--lifetime must be between 1 and 86400 seconds")
    print(LocalIssuer.from_key_file(args.key, args.issuer).mint(claims, lifetime=args.lifetime))
    return 0
