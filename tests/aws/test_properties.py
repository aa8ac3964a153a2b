"""Properties that must hold for any policy: monotonicity of Allow and Deny, and the glob matcher."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.aws import PolicySet, Request, evaluate, parse_policy
from checker.aws.wildcard import glob_match

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:PassRole", "kms:Decrypt"]
ACTION_PATTERNS = ACTIONS + ["s3:*", "s3:Get*", "*", "iam:*", "s3:?etObject"]
RESOURCES = ["arn:aws:s3:::b/a", "arn:aws:s3:::b/z/y", "arn:aws:s3:::c/a", "*"]
RESOURCE_PATTERNS = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b*", "arn:aws:s3:::?/a", "arn:aws:s3:::c/*"]
CONDITIONS = [
    None,
    {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "ml"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["t*"]}},
]

statements = st.builds(
    lambda effect, action, resource, condition, negate: {
        "Effect": effect,
        ("NotAction" if negate else "Action"): action,
        "Resource": resource,
        **({"Condition": condition} if condition else {}),
    },
    st.sampled_from(["Allow", "Deny"]),
    st.sampled_from(ACTION_PATTERNS),
    st.sampled_from(RESOURCE_PATTERNS),
    st.sampled_from(CONDITIONS),
    st.booleans(),
)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "aws:PrincipalTag/team": st.sampled_from(["ml", "web"]),
        "aws:SecureTransport": st.sampled_from(["true", "false"]),
        "aws:TagKeys": st.lists(st.sampled_from(["team", "cost"]), max_size=2),
    },
)
requests = st.builds(
    lambda action, resource, context: Request("arn:aws:iam::111122223333:user/u", action, resource, None, context),
    st.sampled_from(ACTIONS),
    st.sampled_from(RESOURCES),
    contexts,
)


def decide(statement_list: list[dict[str, object]], request: Request) -> str:
    policy = parse_policy({"Version": "2012-10-17", "Statement": statement_list})
    return evaluate(request, PolicySet(identity=[policy])).kind.value


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, max_size=4), st.sampled_from(ACTION_PATTERNS), st.sampled_from(RESOURCE_PATTERNS), requests)
def test_adding_an_allow_never_removes_access(base: list[dict[str, object]], action: str, resource: str, request: Request) -> None:
    before = decide(base, request)
    after = decide(base + [{"Effect": "Allow", "Action": action, "Resource": resource}], request)
    if before == "allow":
        assert after == "allow"


@settings(max_examples=300, deadline=None)
@given(st.lists(statements, max_size=4), st.sampled_from(ACTION_PATTERNS), st.sampled_from(RESOURCE_PATTERNS), requests)
def test_adding_a_deny_never_adds_access(base: list[dict[str, object]], action: str, resource: str, request: Request) -> None:
    before = decide(base, request)
    after = decide(base + [{"Effect": "Deny", "Action": action, "Resource": resource}], request)
    if before != "allow":
        assert after != "allow"
    if before == "explicit_deny":
        assert after == "explicit_deny"


def reference_match(pattern: str, value: str) -> bool:
    """Textbook dynamic programming over (pattern position, value position)."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        if pattern[i] == "*":
            return match(i + 1, j) or (j < len(value) and match(i, j + 1))
        if j < len(value) and (pattern[i] == "?" or pattern[i] == value[j]):
            return match(i + 1, j + 1)
        return False

    return match(0, 0)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="ab*?", max_size=8), st.text(alphabet="ab", max_size=8))
def test_glob_equals_reference_matcher(pattern: str, value: str) -> None:
    assert glob_match(pattern, value) == reference_match(pattern, value)
