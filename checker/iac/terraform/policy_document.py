"""`data "aws_iam_policy_document"` turned into the policy JSON the AWS provider would render.

The rules follow the provider's documentation (registry.terraform.io/providers/hashicorp/aws/latest/docs/
data-sources/iam_policy_document) and its rendering code (internal/service/iam/iam_policy_model.go):
- `version` defaults to "2012-10-17", `effect` to "Allow";
- principals blocks of the same type are merged into one list; a single `type = "*"` block whose
  identifiers are ["*"] renders as `"Principal": "*"` (any other `*` type stays `{"*": [...]}`);
- condition blocks with the same `test` and `variable` are merged into one key whose values are OR-ed;
- `source_policy_documents` are merged first (their Sids must be unique), then this document's statements
  replace source statements with the same Sid, then each `override_policy_documents` entry replaces
  statements with the same Sid; statements without a Sid are appended.
Every statement, element and value keeps the position of the block or attribute that wrote it.
"""

from __future__ import annotations

from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, Position, pointer_join
from checker.iac.terraform.config import Configuration, Located
from checker.iac.terraform.expressions import Positions, SourceText
from checker.iac.terraform.hcl import Block, Body

_STATEMENT_LISTS = {"actions": "Action", "not_actions": "NotAction", "resources": "Resource",
                    "not_resources": "NotResource"}
_STATEMENT_ARGUMENTS = {"sid", "effect", *_STATEMENT_LISTS, "principals", "not_principals", "condition"}
_DOCUMENT_ARGUMENTS = {"version", "policy_id", "statement", "source_policy_documents", "override_policy_documents"}

Statement = tuple[dict[str, Any], Positions]  # a statement and the positions inside it


def render(config: Configuration, located: Located) -> LoadedDocument:
    """The document's JSON with positions into the .tf file(s)."""
    block = located.block
    path = located.path
    _known(block.body, _DOCUMENT_ARGUMENTS, "data \"aws_iam_policy_document\"", {"source_json", "override_json"})
    version = _string(config, located, "version") or "2012-10-17"
    policy_id = _string(config, located, "policy_id")

    statements: list[Statement] = []
    source_sids: set[str] = set()
    for document in _documents(config, located, "source_policy_documents"):
        for statement in _statements_of(document):
            sid = statement[0].get("Sid")
            if isinstance(sid, str) and sid:
                if sid in source_sids:
                    raise InputError(
                        f"two source_policy_documents have a statement with Sid {sid!r}",
                        document.locate(""),
                        "the provider refuses duplicate Sids among source documents; rename one",
                    )
                source_sids.add(sid)
            statements.append(statement)
    own = [_statement(config, located, b) for b in block.body.blocks_of("statement")]
    _merge(statements, own)
    for document in _documents(config, located, "override_policy_documents"):
        _merge(statements, _statements_of(document))

    data: dict[str, Any] = {"Version": version}
    positions: Positions = {"": Position(block.where.line or 1, block.where.column or 1, path)}
    if policy_id:
        data["Id"] = policy_id
    data["Statement"] = []
    for index, (rendered, inner) in enumerate(statements):
        data["Statement"].append(rendered)
        base = pointer_join("/Statement", index)
        for key, position in inner.items():
            positions[base + key] = position
    return LoadedDocument(path, data, positions)


def _merge(into: list[Statement], new: list[Statement]) -> None:
    for statement in new:
        sid = statement[0].get("Sid")
        if isinstance(sid, str) and sid:
            for i, existing in enumerate(into):
                if existing[0].get("Sid") == sid:
                    into[i] = statement
                    break
            else:
                into.append(statement)
        else:
            into.append(statement)


def _documents(config: Configuration, located: Located, argument: str) -> list[LoadedDocument]:
    found = config.argument(located, argument)
    if found is None:
        return []
    value, _positions = found
    where = located.block.body.attributes[argument].where
    if not isinstance(value, list):
        raise InputError(f"{argument} must be a list of policy JSON documents", where)
    documents = []
    for item in value:
        if not isinstance(item, str):
            raise InputError(f"{argument} must list policy JSON text (e.g. data.aws_iam_policy_document.x.json)", where)
        documents.append(item.located(where) if isinstance(item, SourceText) else SourceText(item).located(where))
    return documents


def _statements_of(document: LoadedDocument) -> list[Statement]:
    raw = document.data.get("Statement") if isinstance(document.data, dict) else None
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    pointer = "/Statement" if isinstance(raw, dict) else None
    out: list[Statement] = []
    for index, statement in enumerate(items):
        base = pointer if pointer is not None else pointer_join("/Statement", index)
        inner = {
            key[len(base):]: pos for key, pos in document.positions.items() if key == base or key.startswith(base + "/")
        }
        inner = {k: Position(p.line, p.column, p.file or document.path) for k, p in inner.items()}
        if "" not in inner:
            where = document.locate(base)
            inner[""] = Position(where.line or 1, where.column or 1, where.file)
        out.append((dict(statement) if isinstance(statement, dict) else statement, inner))
    return out


def _statement(config: Configuration, located: Located, block: Block) -> Statement:
    _known(block.body, _STATEMENT_ARGUMENTS, "statement")
    path = located.path
    data: dict[str, Any] = {}
    positions: Positions = {"": _pos(block.where, path)}
    sid = _string(config, located, "sid", block.body)
    if sid:
        data["Sid"] = sid
        positions["/Sid"] = _pos(block.body.attributes["sid"].where, path)
    effect = _string(config, located, "effect", block.body)
    data["Effect"] = effect if effect is not None else "Allow"
    positions["/Effect"] = _pos(block.body.attributes["effect"].where if effect is not None else block.where, path)
    for argument, element in _STATEMENT_LISTS.items():
        found = config.argument(located, argument, block.body)
        if found is None:
            continue
        value, inner = found
        where = block.body.attributes[argument].where
        data[element] = _string_list(value, argument, where)
        positions[f"/{element}"] = _pos(where, path)
        for key, position in inner.items():
            if key:
                positions[f"/{element}{key}"] = position
    for argument, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        blocks = block.body.blocks_of(argument)
        if blocks:
            data[element], inner = _principals(config, located, blocks)
            positions[f"/{element}"] = _pos(blocks[0].where, path)
            positions.update({f"/{element}{k}": v for k, v in inner.items()})
    conditions = block.body.blocks_of("condition")
    if conditions:
        data["Condition"], inner = _conditions(config, located, conditions)
        positions["/Condition"] = _pos(conditions[0].where, path)
        positions.update({f"/Condition{k}": v for k, v in inner.items()})
    return data, positions


def _principals(config: Configuration, located: Located, blocks: list[Block]) -> tuple[Any, Positions]:
    entries: list[tuple[str, list[str], Block]] = []
    for block in blocks:
        _known(block.body, {"type", "identifiers"}, "principals")
        kind = _required_string(config, located, block, "type")
        identifiers = _required(config, located, block, "identifiers")
        entries.append((kind, _string_list(identifiers, "identifiers", block.body.attributes["identifiers"].where), block))
    if len(entries) == 1 and entries[0][0] == "*" and entries[0][1] == ["*"]:
        return "*", {}
    merged: dict[str, list[str]] = {}
    positions: Positions = {}
    for kind, identifiers, block in entries:
        key = pointer_join("", kind)
        start = len(merged.get(kind, []))
        merged.setdefault(kind, []).extend(identifiers)
        positions.setdefault(key, _pos(block.where, located.path))
        for i in range(len(identifiers)):
            positions[pointer_join(key, start + i)] = _pos(block.body.attributes["identifiers"].where, located.path)
    return merged, positions


def _conditions(config: Configuration, located: Located, blocks: list[Block]) -> tuple[Any, Positions]:
    merged: dict[str, dict[str, list[Any]]] = {}
    positions: Positions = {}
    for block in blocks:
        _known(block.body, {"test", "variable", "values"}, "condition")
        test = _required_string(config, located, block, "test")
        variable = _required_string(config, located, block, "variable")
        values = _required(config, located, block, "values")
        where = block.body.attributes["values"].where
        if not isinstance(values, list):
            raise InputError("values must be a list", where, 'write values = ["..."]')
        for value in values:
            if isinstance(value, list | dict) or value is None:
                raise InputError(f"condition values must be text, numbers or true/false, not {value!r}", where)
        pointer = pointer_join(pointer_join("", test), variable)
        start = len(merged.get(test, {}).get(variable, []))
        merged.setdefault(test, {}).setdefault(variable, []).extend(
            v if isinstance(v, str) else ("true" if v is True else "false" if v is False else str(v)) for v in values
        )
        positions.setdefault(pointer_join("", test), _pos(block.where, located.path))
        positions.setdefault(pointer, _pos(block.body.attributes["variable"].where, located.path))
        for i in range(len(values)):
            positions[pointer_join(pointer, start + i)] = _pos(where, located.path)
    return merged, positions


def _required(config: Configuration, located: Located, block: Block, name: str) -> Any:
    found = config.argument(located, name, block.body)
    if found is None:
        raise InputError(f"the {block.type} block needs {name}", block.where)
    return found[0]


def _required_string(config: Configuration, located: Located, block: Block, name: str) -> str:
    value = _required(config, located, block, name)
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {value!r}", block.body.attributes[name].where)
    return value


def _string(config: Configuration, located: Located, name: str, body: Body | None = None) -> str | None:
    found = config.argument(located, name, body)
    if found is None or found[0] is None:
        return None
    if not isinstance(found[0], str):
        raise InputError(f"{name} must be text, not {found[0]!r}", (body or located.block.body).attributes[name].where)
    return str(found[0])


def _string_list(value: Any, argument: str, where: Where) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{argument} must be a list of text, not {value!r}", where, f'write {argument} = ["..."]')
    return [str(v) for v in value]


# Terraform's meta-arguments, allowed on every block ("Meta-Arguments" in the Terraform language docs).
_META_ARGUMENTS = frozenset({"depends_on", "provider", "lifecycle"})


def _known(body: Body, allowed: set[str], what: str, removed: set[str] | frozenset[str] = frozenset()) -> None:
    allowed = allowed | (_META_ARGUMENTS if what.startswith("data") else set())
    for name, attribute in body.attributes.items():
        if name in removed:
            raise InputError(f"{name} was removed from the AWS provider", attribute.where,
                             "use source_policy_documents / override_policy_documents instead")
        if name not in allowed:
            raise InputError(f"{what} has no argument {name!r}", attribute.where,
                             f"the arguments are: {', '.join(sorted(allowed))}")
    for block in body.blocks:
        if block.type not in allowed:
            raise InputError(f"{what} has no block {block.type!r}", block.where,
                             f"the arguments are: {', '.join(sorted(allowed))}")


def _pos(where: Where, path: str) -> Position:
    return Position(where.line or 1, where.column or 1, where.file or path)
