"""Which GitHub Actions tokens can become a workload identity federation member: proved with z3, not sampled.

A token is exchanged by a pool provider (checker/gcp/federation.py: issuer, audience, `attribute_mapping`,
`attribute_condition` in CEL) and becomes `principal://iam.googleapis.com/POOL/subject/SUBJECT`, which
belongs to `principalSet://.../attribute.NAME/VALUE` sets and to `principalSet://.../POOL/*`
("Principal identifiers", cloud.google.com/iam/docs/principal-identifiers). The question asked here: is
there a token the provider accepts, that the member names, and that the lab does not allow?

Tokens are GitHub-shaped when their issuer is GitHub's ("OpenID Connect reference",
docs.github.com/en/actions/reference/security/oidc): `sub` is `repo:OWNER/REPO:environment:NAME` for a job
with an environment, else `repo:OWNER/REPO:pull_request` for pull_request(_target) events, else
`repo:OWNER/REPO:ref:REF`; `repository_owner` is OWNER; `ref` is `refs/pull/N/merge` for a pull request,
else `refs/heads/...` or `refs/tags/...`; the `environment` claim is present only for a job with one.
Repository, owner, environment and ref names hold no `:` (git forbids it in ref names:
git-check-ref-format). Every other claim is a free string; `aud` is whatever the workflow asks for.

CEL is translated for the shapes attribute mappings and conditions use: `assertion.CLAIM`,
`attribute.NAME`, `google.subject`, string literals, `+` on strings, `==`, `!=`, `in [..]`, `&&`, `||`,
`!`, `? :`, `startsWith`, `endsWith`, `contains`, with CEL's error semantics (a claim the token lacks is an
error; `&&`/`||` absorb an error when the other side decides; a condition that errs rejects the token; a
custom attribute whose mapping errs is unset). Anything else raises Undecidable: the answer is then
unknown, never proved. Every token found is decided again by federation.exchange, as shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import celpy
import lark
import z3
from celpy.celparser import CELParseError
from celpy.evaluation import celstr

from checker.core.errors import InputError
from checker.core.solver_budget import BudgetedSolver, why_unknown
from checker.gcp.analyze.encode import Undecidable
from checker.gcp.federation import IAM_HOST, Exchange, Provider, exchange

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
SOLVER_BUDGET_MS = 5_000
# Claims GitHub always puts in a token (besides those modelled apart): free strings.
_ALWAYS = ("actor", "actor_id", "repository_id", "repository_owner_id", "run_id", "workflow", "workflow_ref",
           "job_workflow_ref", "sha", "head_ref", "base_ref", "repository_visibility", "runner_environment")


@dataclass(frozen=True)
class Allowed:
    """Tokens the lab allows: any entry whose every claim equals one of its listed values."""

    entries: tuple[Mapping[str, tuple[str, ...]], ...]

    def admits(self, claims: Mapping[str, Any]) -> bool:
        return any(all(claims.get(k) in values for k, values in entry.items()) for entry in self.entries)


def parse_allowed(items: Sequence[Any]) -> Allowed:
    entries = []
    for item in items:
        token = item.get("token") if isinstance(item, Mapping) else None
        if not isinstance(token, Mapping) or not token:
            raise InputError("an allowed token is {token: {CLAIM: value or [values]}}")
        entry: dict[str, tuple[str, ...]] = {}
        for claim, value in token.items():
            values = value if isinstance(value, list) else [value]
            if not values or not all(isinstance(v, str) for v in values):
                raise InputError(f"allowed token claim {claim!r} must be text or a list of text")
            entry[str(claim)] = tuple(values)
        entries.append(entry)
    return Allowed(tuple(entries))


class _Token:
    """The z3 unknowns of one token and GitHub's rules tying them together."""

    def __init__(self) -> None:
        self.claims: dict[str, z3.ExprRef] = {}
        self.present: dict[str, z3.ExprRef] = {}
        for name in ("iss", "aud", "sub", "repository", "repository_owner", "ref", "ref_type", "event_name",
                     "environment", *_ALWAYS):
            self.claim(name)
        self.name = z3.String("repository-name")

    def claim(self, name: str) -> tuple[z3.ExprRef, z3.ExprRef]:
        if name not in self.claims:
            self.claims[name] = z3.String(f"claim:{name}")
            self.present[name] = z3.Bool(f"present:{name}")
        return self.claims[name], self.present[name]

    def rules(self, case: str) -> z3.ExprRef:
        """GitHub's rules for one kind of run: "environment", "pull_request" or "ref" (split so the string
        solver meets one concatenation shape at a time; names as regular languages, which it decides fast)."""
        c, p = self.claims, self.present
        repo = z3.StringVal("repo:") + c["repository"] + z3.StringVal(":")
        shape = [
            z3.InRe(c["repository_owner"], _OWNER), z3.InRe(self.name, _REPOSITORY_NAME),
            c["repository"] == c["repository_owner"] + z3.StringVal("/") + self.name,
            *(p[k] for k in ("sub", "repository", "repository_owner", "ref", "ref_type", "event_name", *_ALWAYS)),
        ]
        pull = z3.Or(*(c["event_name"] == z3.StringVal(e) for e in PULL_REQUEST_EVENTS))
        push_ref = z3.Or(z3.And(z3.InRe(c["ref"], _BRANCH_REF), c["ref_type"] == z3.StringVal("branch")),
                         z3.And(z3.InRe(c["ref"], _TAG_REF), c["ref_type"] == z3.StringVal("tag")))
        if case == "environment":
            shape += [p["environment"], z3.InRe(c["environment"], _NO_COLON),
                      z3.If(pull, z3.InRe(c["ref"], _PULL_REF), push_ref),
                      c["sub"] == repo + z3.StringVal("environment:") + c["environment"]]
        elif case == "pull_request":
            shape += [z3.Not(p["environment"]), pull, z3.InRe(c["ref"], _PULL_REF),
                      c["sub"] == repo + z3.StringVal("pull_request")]
        else:
            shape += [z3.Not(p["environment"]), z3.Not(pull), push_ref, c["sub"] == repo + z3.StringVal("ref:") + c["ref"]]
        return z3.And(p["iss"], p["aud"], z3.Implies(c["iss"] == z3.StringVal(GITHUB_ISSUER), z3.And(*shape)))


def _chars(*ranges: tuple[str, str]) -> z3.ReRef:
    return z3.Union(*(z3.Range(low, high) for low, high in ranges))


# GitHub owners: letters, digits, hyphens; repository names also `.` and `_`; refs and environments: any
# printable character but `:` (git-check-ref-format forbids it in ref names).
_ALNUM = _chars(("a", "z"), ("A", "Z"), ("0", "9"))
_OWNER = z3.Plus(z3.Union(_ALNUM, z3.Re("-")))
_REPOSITORY_NAME = z3.Plus(z3.Union(_ALNUM, z3.Re("-"), z3.Re("."), z3.Re("_")))
_NO_COLON = z3.Plus(_chars((" ", "9"), (";", "~")))
_BRANCH_REF = z3.Concat(z3.Re("refs/heads/"), _NO_COLON)
_TAG_REF = z3.Concat(z3.Re("refs/tags/"), _NO_COLON)
_PULL_REF = z3.Concat(z3.Re("refs/pull/"), z3.Plus(_chars(("0", "9"))), z3.Re("/merge"))


# A CEL value: (z3 value, defined, kind) with kind "string" or "bool"; a bool is (true, false) instead.
_Value = tuple[z3.ExprRef, z3.ExprRef, str]


class _Cel:
    """CEL over `assertion` (the token), `google` and `attribute` (the mapped values) as z3."""

    def __init__(self, token: _Token, provider: Provider, mapped: Mapping[str, _Value] | None = None) -> None:
        self.token = token
        self.provider = provider
        self.mapped = mapped or {}

    def compile(self, expression: str, what: str) -> lark.Tree[Any]:
        """The expression's tree; invalid CEL is the learner's error, located at the provider."""
        try:
            return celpy.Environment().compile(expression)
        except CELParseError as exc:
            raise InputError(f"{what}: invalid CEL {expression!r}: {exc}", self.provider.where) from None
        except RecursionError:
            raise InputError(f"{what}: the CEL {expression!r} is nested too deeply to read", self.provider.where) from None

    def boolean(self, node: Any) -> tuple[z3.ExprRef, z3.ExprRef]:
        """(true without error, false without error)."""
        data = node.data if isinstance(node, lark.Tree) else None
        children = node.children if isinstance(node, lark.Tree) else []
        if data == "expr" and len(children) == 3:
            tt, tf = self.boolean(children[0])
            at, af = self.boolean(children[1])
            bt, bf = self.boolean(children[2])
            return z3.Or(z3.And(tt, at), z3.And(tf, bt)), z3.Or(z3.And(tt, af), z3.And(tf, bf))
        if data in ("conditionalor", "conditionaland") and len(children) == 2:
            lt, lf = self.boolean(children[0])
            rt, rf = self.boolean(children[1])
            if data == "conditionalor":
                return z3.Or(lt, rt), z3.And(lf, rf)
            return z3.And(lt, rt), z3.Or(lf, rf)
        if data == "unary" and len(children) == 2:
            if isinstance(children[0], lark.Tree) and children[0].data == "unary_not":
                t, f = self.boolean(children[1])
                return f, t
            raise Undecidable("unary minus")
        if data == "relation" and len(children) == 2:
            operator, right = children
            left = operator.children[0]
            if operator.data in ("relation_eq", "relation_ne"):
                lv, ld, lk = self.value(left)
                rv, rd, rk = self.value(right)
                if lk != rk:
                    return z3.BoolVal(False), z3.BoolVal(False)
                defined = z3.And(ld, rd)
                holds = lv == rv if operator.data == "relation_eq" else lv != rv
                return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
            if operator.data == "relation_in":
                item, defined, kind = self.value(left)
                options = []
                for option in self._list(right):
                    ov, od, ok = self.value(option)
                    defined = z3.And(defined, od)
                    if ok == kind:
                        options.append(item == ov)
                holds = z3.Or(*options) if options else z3.BoolVal(False)
                return z3.And(defined, holds), z3.And(defined, z3.Not(holds))
            raise Undecidable(f"the operator {operator.data}")
        if data == "member_dot_arg":
            return self._method(node)
        if data in ("expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication", "unary",
                    "member", "primary", "paren_expr") and len(children) == 1:
            return self.boolean(children[0])
        value, defined, kind = self.value(node)
        if kind != "bool":
            return z3.BoolVal(False), z3.BoolVal(False)  # not a boolean: an error
        return z3.And(defined, value), z3.And(defined, z3.Not(value))

    def value(self, node: Any) -> _Value:
        data = node.data if isinstance(node, lark.Tree) else None
        children = node.children if isinstance(node, lark.Tree) else []
        if data == "literal":
            token = children[0]
            if not isinstance(token, lark.Token):
                raise Undecidable("a literal")
            if token.type in ("STRING_LIT", "MLSTRING_LIT"):
                return z3.StringVal(str(celstr(token))), z3.BoolVal(True), "string"
            if token.value in ("true", "false"):
                return z3.BoolVal(token.value == "true"), z3.BoolVal(True), "bool"
            raise Undecidable(f"the literal {token.value}")
        if data == "addition" and len(children) == 2 and children[0].data == "addition_add":
            lv, ld, lk = self.value(children[0].children[0])
            rv, rd, rk = self.value(children[1])
            if lk != "string" or rk != "string":
                raise Undecidable("+ on values other than strings")
            return lv + rv, z3.And(ld, rd), "string"
        if data == "member_dot":
            return self._dotted(node)
        if data in ("expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication", "unary",
                    "member", "primary", "paren_expr") and len(children) == 1:
            return self.value(children[0])
        true, false = self.boolean(node)
        return true, z3.Or(true, false), "bool"

    def _dotted(self, node: lark.Tree[Any]) -> _Value:
        target, field = node.children[0], str(node.children[1])
        while isinstance(target, lark.Tree) and target.data in ("member", "primary") and len(target.children) == 1:
            target = target.children[0]
        if not (isinstance(target, lark.Tree) and target.data == "ident"):
            raise Undecidable("a nested field")
        root = str(target.children[0])
        if root == "assertion":
            claim, present = self.token.claim(field)
            return claim, present, "string"
        if root in ("attribute", "google"):
            found = self.mapped.get(f"{root}.{field}")
            if found is None:
                return z3.StringVal(""), z3.BoolVal(False), "string"  # unset: an error when read
            return found
        raise Undecidable(f"the name {root}")

    def _method(self, node: lark.Tree[Any]) -> tuple[z3.ExprRef, z3.ExprRef]:
        method = str(node.children[1])
        arguments = node.children[2].children if len(node.children) > 2 else []
        if method not in ("startsWith", "endsWith", "contains") or len(arguments) != 1:
            raise Undecidable(f"the method {method}()")
        target, td, tk = self.value(node.children[0])
        argument, ad, ak = self.value(arguments[0])
        if tk != "string" or ak != "string":
            return z3.BoolVal(False), z3.BoolVal(False)
        holds = {"startsWith": z3.PrefixOf(argument, target), "endsWith": z3.SuffixOf(argument, target),
                 "contains": z3.Contains(target, argument)}[method]
        defined = z3.And(td, ad)
        return z3.And(defined, holds), z3.And(defined, z3.Not(holds))

    def _list(self, node: Any) -> list[Any]:
        current = node
        while isinstance(current, lark.Tree) and current.data in ("addition", "multiplication", "unary", "member",
                                                                   "primary") and len(current.children) == 1:
            current = current.children[0]
        if not isinstance(current, lark.Tree) or current.data != "list_lit":
            raise Undecidable("'in' with something other than a list literal")
        return list(current.children[0].children) if current.children else []


@dataclass(frozen=True)
class Member:
    """A federated member of a binding: kind "subject", "attribute" or "pool" of `pool`."""

    text: str
    pool: str
    kind: str
    name: str = ""  # attribute.NAME for "attribute"
    value: str = ""  # the subject or the attribute's value


def federated_member(text: str) -> Member | None:
    """principal://iam.googleapis.com/POOL/subject/S, principalSet://.../attribute.A/V or .../* ; else None."""
    for scheme, kind in (("principal://", "subject"), ("principalSet://", "set")):
        if not text.startswith(scheme + IAM_HOST + "/"):
            continue
        rest = text[len(scheme + IAM_HOST + "/"):]
        pool, _, tail = rest.partition("/workloadIdentityPools/")
        pool_id, _, tail = tail.partition("/")
        pool = f"{pool}/workloadIdentityPools/{pool_id}"
        if kind == "subject" and tail.startswith("subject/"):
            return Member(text, pool, "subject", value=tail.removeprefix("subject/"))
        if kind == "set" and tail == "*":
            return Member(text, pool, "pool")
        if kind == "set" and tail.startswith("attribute."):
            name, _, value = tail.partition("/")
            return Member(text, pool, "attribute", name=name, value=value)
        if kind == "set":
            raise Undecidable(f"the member {text} (only subject, attribute and whole-pool members are analysed)")
    return None


def tokens_reaching(provider: Provider, member: Member, allowed: Allowed) -> dict[str, str] | None:
    """A token the provider accepts, that `member` names and `allowed` does not admit; None when there is none.

    GitHub-shaped tokens a real workflow would present are tried first (federation.exchange decides them);
    then z3 proves there is none, or finds one, which exchange must accept too."""
    if member.pool != provider.pool:
        return None
    for claims in _familiar(provider, allowed):
        if reaches(provider, member, claims) and not allowed.admits(claims):
            return claims
    return _solve(provider, member, allowed)


def reaches(provider: Provider, member: Member, claims: Mapping[str, Any]) -> bool:
    result: Exchange = exchange(provider, claims)
    if not result.accepted or result.principal is None:
        return False
    if member.kind == "pool":
        return True
    if member.kind == "subject":
        return result.principal == member.text
    return member.value in result.attributes.get(member.name, ())


def _familiar(provider: Provider, allowed: Allowed) -> list[dict[str, str]]:
    """The tokens a learner knows: a pull request, another branch, environment, repository, audience."""
    base: dict[str, str] = {}
    for entry in allowed.entries:
        base = {k: v[0] for k, v in entry.items()}
        break
    repository = base.get("repository") or _repository_of(base.get("sub", "")) or "acme/fraud-model"
    audience = base.get("aud") or f"https://{IAM_HOST}/{provider.name}"
    owner, _, name = repository.partition("/")

    def token(repo: str, ref: str, event: str = "push", environment: str | None = None,
              aud: str = audience) -> dict[str, str]:
        pull = event in PULL_REQUEST_EVENTS
        tail = f"environment:{environment}" if environment else "pull_request" if pull else f"ref:{ref}"
        claims = {"iss": GITHUB_ISSUER, "aud": aud, "sub": f"repo:{repo}:{tail}", "repository": repo,
                  "repository_owner": repo.partition("/")[0], "ref": ref, "event_name": event,
                  "ref_type": "tag" if ref.startswith("refs/tags/") else "branch", "actor": "octocat",
                  "workflow": "mlops"}
        if environment:
            claims["environment"] = environment
        return claims

    return [
        token(repository, "refs/pull/7/merge", "pull_request"),
        token(repository, "refs/heads/feature-x"),
        token(repository, "refs/heads/main", environment="staging"),
        token(repository, "refs/heads/main"),
        token(repository, "refs/heads/main", environment="production"),
        token(f"{owner}/web-shop", "refs/heads/main"),
        token(f"{owner}/web-shop", "refs/heads/main", environment="production"),
        token(f"mallory/{name}", "refs/heads/main"),
        token(repository, "refs/heads/main", aud=f"https://github.com/{owner}"),
        token(repository, "refs/heads/main", environment="production", aud=f"https://github.com/{owner}"),
        token(repository, "refs/tags/v1"),
    ]


def _repository_of(sub: str) -> str | None:
    parts = sub.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "repo" else None


def _solve(provider: Provider, member: Member, allowed: Allowed) -> dict[str, str] | None:
    token = _Token()
    cel = _Cel(token, provider)
    mapped: dict[str, _Value] = {}
    for target, expression in provider.attribute_mapping.items():
        mapped[target] = cel.value(cel.compile(expression, f"attribute_mapping {target}"))
        if mapped[target][2] != "string":
            raise Undecidable(f"the mapping of {target} is not a string")
    subject, subject_defined, _ = mapped.get("google.subject", (z3.StringVal(""), z3.BoolVal(False), "string"))
    audiences = list(provider.allowed_audiences) or [f"//{IAM_HOST}/{provider.name}", f"https://{IAM_HOST}/{provider.name}"]
    aud, _ = token.claim("aud")
    iss, _ = token.claim("iss")
    accepted = [iss == z3.StringVal(provider.issuer), z3.Or(*(aud == z3.StringVal(a) for a in audiences)),
                subject_defined, z3.Length(subject) > 0]
    if provider.attribute_condition:
        condition_cel = _Cel(token, provider, mapped)
        true, _ = condition_cel.boolean(condition_cel.compile(provider.attribute_condition, "attribute_condition"))
        accepted.append(true)
    if member.kind == "subject":
        named = subject == z3.StringVal(member.value)
    elif member.kind == "attribute":
        value, defined, _ = mapped.get(member.name, (z3.StringVal(""), z3.BoolVal(False), "string"))
        named = z3.And(defined, value == z3.StringVal(member.value))
    else:
        named = z3.BoolVal(True)
    not_allowed = [z3.Not(z3.And(*(_claim_in(token, k, v) for k, v in entry.items()))) for entry in allowed.entries]
    for case in ("ref", "pull_request", "environment"):
        solver = BudgetedSolver(SOLVER_BUDGET_MS)  # CPU time: the verdict does not depend on the machine's load
        solver.add(token.rules(case), *accepted, named, *not_allowed)
        verdict = solver.check()
        if verdict == z3.unsat:
            continue
        if verdict != z3.sat:
            raise Undecidable(f"the solver could not decide which tokens {member.text} admits ({why_unknown(solver)})")
        return _confirmed(provider, member, allowed, token, solver.model())
    return None


def _confirmed(provider: Provider, member: Member, allowed: Allowed, token: _Token, model: z3.ModelRef) -> dict[str, str]:
    claims = {name: _text(model.eval(value, model_completion=True)) for name, value in token.claims.items()
              if z3.is_true(model.eval(token.present[name], model_completion=True))}
    if not reaches(provider, member, claims) or allowed.admits(claims):
        raise Undecidable(f"a token found for {member.text} did not re-check with the evaluator (please report this)")
    return claims


def _claim_in(token: _Token, name: str, values: tuple[str, ...]) -> z3.ExprRef:
    claim, present = token.claim(name)
    return z3.And(present, z3.Or(*(claim == z3.StringVal(v) for v in values)))


def _text(value: z3.ExprRef) -> str:
    text: str = value.as_string()
    return text
