"""Turn a solver's counterexample into a request a learner recognises, without changing what it shows.

z3 picks names such as `---` for a storage account or `!` for a blob, and the encoder's generic shapes
use stand-ins (`providers/witness.provider/things/witness`). Each stand-in or unreadable name is replaced
by a real-looking one built from the names the inputs use (the lab's accounts, containers, resource
groups), and a replacement is kept only when the evaluator still decides the request the same way on
both sides (allowed by the submission, not by the envelope). So the request shown is exactly one that
the evaluator re-decides as shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from checker.azure.operations import compile_pattern

_READABLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# The encoder's stand-in for "a resource nobody names" and "a child of a resource" (symbolic._shapes).
_ANY_RESOURCE = "providers/witness.provider/things/witness"
_ANY_CHILD = "things/witness"
_RESOURCE_NAMES = ("providers/Microsoft.Compute/virtualMachines/training-vm",)
_STORAGE_CHILDREN = ("fileServices/default", "queueServices/default")
_RESOURCE_CHILDREN = ("providers/Microsoft.Insights/diagnosticSettings/default",)
_UNLISTED_TAIL = "unlistedOperation/action"  # fills a trailing `*`: an operation the catalog does not list
_NAMED = {"subscriptions": "subscription", "resourcegroups": "group", "storageaccounts": "account", "containers": "container"}


def _junk(name: str) -> bool:
    return not _READABLE.fullmatch(name) or "witness" in name.lower()


def mentioned_names(scopes: Iterable[str]) -> dict[str, list[str]]:
    """Names of each kind (subscription, group, account, container) that the inputs' scopes use."""
    found: dict[str, list[str]] = {kind: [] for kind in _NAMED.values()}
    for scope in scopes:
        parts = scope.strip("/").split("/")
        for index, part in enumerate(parts[:-1]):
            kind = _NAMED.get(part.lower())
            if kind is not None and parts[index + 1] not in found[kind]:
                found[kind].append(parts[index + 1])
    return found


def _candidates(kind: str, names: dict[str, list[str]]) -> list[str]:
    known = names.get(kind, [])
    if kind == "account":  # 3-24 lower-case letters and digits
        return [*known, *(f"{n[:22]}2" for n in known), "mlscratchdata"]
    if kind == "container":
        return [*known, *(f"{n}-archive" for n in known), "scratch"]
    if kind == "group":
        return [*known, *(f"{n}-dev" for n in known), "rg-ml-dev"]
    return known


def readable_scope(scope: str, names: dict[str, list[str]], keeps: Callable[[str], bool]) -> str:
    """The most readable variant of `scope` that `keeps` accepts (the evaluator's verdict is unchanged)."""

    def attempt(current: str, replacements: Iterable[str]) -> str:
        for candidate in replacements:
            if candidate != current and keeps(candidate):
                return candidate
        return current

    if _ANY_RESOURCE in scope:
        scope = attempt(scope, (scope.replace(_ANY_RESOURCE, r) for r in _RESOURCE_NAMES))
    if scope.endswith("/" + _ANY_CHILD):
        base = scope[: -len(_ANY_CHILD)]
        children = _STORAGE_CHILDREN if "/storageaccounts/" in base.lower() else _RESOURCE_CHILDREN
        scope = attempt(scope, (base + child for child in children))
    parts = scope.split("/")
    for index in range(1, len(parts)):
        kind = _NAMED.get(parts[index - 1].lower())
        if kind is None or not _junk(parts[index]):
            continue
        options = ["/".join([*parts[:index], name, *parts[index + 1 :]]) for name in _candidates(kind, names)]
        scope = attempt(scope, options)
        parts = scope.split("/")
    if "/blobs/" in scope:
        head, path = scope.split("/blobs/", 1)
        segments = path.split("/")
        readable = [s if not _junk(s) else ("train.csv" if i == len(segments) - 1 else "data") for i, s in enumerate(segments)]
        if readable != segments:
            scope = attempt(scope, [f"{head}/blobs/{'/'.join(readable)}"])
    return scope


def unlisted_operation_names(operation_lower: str, granting_patterns: Iterable[str]) -> list[str]:
    """Readable names for an operation the catalog does not list, each matching a wildcard that grants it.

    The solver fills a wildcard such as `Microsoft.CognitiveServices/accounts/OpenAI/*` with text of its own
    choosing (`8_8jh_!`, or nothing), which varies with what it solved before. Each wildcard pattern that
    matches the operation gives a name in the pattern's own spelling, its stars filled with words that say
    the operation is one no catalog entry names (`.../OpenAI/unlistedOperation/action`)."""
    names = []
    for text in granting_patterns:
        if "*" not in text or not compile_pattern(text).matches(operation_lower):
            continue
        head, tail = text.rsplit("*", 1)
        filled = head.replace("*", "unlisted") + (_UNLISTED_TAIL if not tail else "unlisted" + tail)
        if filled not in names:
            names.append(filled)
    return names


def readable_request(request: dict[str, Any], names: dict[str, list[str]], keeps: Callable[[dict[str, Any]], bool],
                     unlisted_names: Iterable[str] = ()) -> dict[str, Any]:
    """`request` with a readable scope (and, for an unlisted operation, name), when one keeps the verdict."""
    for name in unlisted_names:
        if keeps({**request, "action": name}):
            request = {**request, "action": name}
            break
    scope = readable_scope(request["scope"], names, lambda s: keeps({**request, "scope": s}))
    return {**request, "scope": scope}
