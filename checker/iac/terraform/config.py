"""A Terraform configuration: its `.tf` files, variables, `terraform.tfvars`, locals, and name lookup.

Only the root module is read (modules are excluded: `module.x` is an error). Values come from, highest
first: the variables the caller gives (a lab's parameters, `iamlab lint --var`), `*.auto.tfvars` files in
lexical order, `terraform.tfvars`, then each variable's `default` - Terraform's own precedence
(https://developer.hashicorp.com/terraform/language/values/variables#variable-definition-precedence).
References to resources and data sources are resolved from what the configuration itself says (an
argument written in the block, an ARN IAM derives from the name) or from the caller's `references`
(`{"aws_s3_bucket.data.arn": "arn:aws:s3:::acme-data"}`); anything else is an error naming the missing name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import MAX_DOCUMENT_BYTES, read_text_file
from checker.iac.terraform.expressions import Evaluator, Positions, index_value
from checker.iac.terraform.hcl import Attribute, Block, Body, parse_hcl

MAX_FILES = 200


@dataclass(frozen=True)
class Setting:
    """What the learner does not write: variable values, resolved references and the account's facts."""

    variables: Mapping[str, Any] = field(default_factory=dict)
    references: Mapping[str, Any] = field(default_factory=dict)
    account: str | None = None
    region: str | None = None
    partition: str = "aws"
    azure_subscription: str | None = None  # the subscription id Azure ids are built in
    gcp_project_number: str | None = None  # workload identity pools are named by project number
    # Ids Azure assigns to a user-assigned identity when it is created, by the identity's name:
    # {"id-mlops-build": {"principal_id": GUID, "client_id": GUID}} (a lab's scenario fixes them; another name
    # is then an error). None (`iamlab lint` of a plan): such an id reads as Terraform's "(known after apply)".
    azure_identities: Mapping[str, Mapping[str, str]] | None = None


@dataclass(frozen=True)
class Located:
    block: Block
    path: str


# Attributes a provider computes from a block's own arguments: (type, attribute) -> function of the block.
Computed = Callable[["Configuration", Located], Any]


class Configuration:
    """The blocks of every file, and a `Scope` that evaluates names on demand (cycles are errors)."""

    def __init__(self, files: list[tuple[str, Body]], tfvars: list[tuple[str, Body]], setting: Setting,
                 folder: Path) -> None:
        self.setting = setting
        self.folder = folder
        self.blocks: list[Located] = [Located(b, path) for path, body in files for b in body.blocks]
        self.variables = {b.block.labels[0]: b for b in self.blocks if b.block.type == "variable" and b.block.labels}
        self.locals: dict[str, tuple[Attribute, str]] = {}
        for located in self.blocks:
            if located.block.type == "locals":
                for name, attribute in located.block.body.attributes.items():
                    if name in self.locals:
                        raise InputError(f"local.{name} is defined twice", attribute.where,
                                         f"the other definition is at {self.locals[name][0].where}")
                    self.locals[name] = (attribute, located.path)
        self.resources: dict[str, Located] = {}
        for located in self.blocks:
            if located.block.type in ("resource", "data") and len(located.block.labels) == 2:
                kind, name = located.block.labels
                key = f"{'data.' if located.block.type == 'data' else ''}{kind}.{name}"
                if key in self.resources:
                    raise InputError(f"{key} is defined twice", located.block.where)
                for meta in ("count", "for_each"):
                    if meta in located.block.body.attributes:
                        raise InputError(
                            f"{key} uses {meta}, which the checker does not expand",
                            located.block.body.attributes[meta].where,
                            "write one block per role or policy for the lab",
                        )
                self.resources[key] = located
        self.tfvars: dict[str, tuple[Attribute, str]] = {}
        for path, body in tfvars:  # later files win, as Terraform applies them in order
            for name, attribute in body.attributes.items():
                self.tfvars[name] = (attribute, path)
        self._cache: dict[str, tuple[Any, Positions]] = {}
        self._active: list[str] = []
        self.computed: dict[tuple[str, str], Computed] = {}

    def evaluator(self, path: str) -> Evaluator:
        return Evaluator(path, self, self.folder)

    def argument(self, located: Located, name: str, body: Body | None = None) -> tuple[Any, Positions] | None:
        """A block argument's value (None when the argument is not written)."""
        attribute = (body or located.block.body).attributes.get(name)
        if attribute is None:
            return None
        return self.evaluator(located.path).evaluate(attribute.expression)

    # -- the Scope protocol -----------------------------------------------------------------------------
    def lookup(self, root: str, steps: list[str | int], where: Where) -> tuple[Any, Positions]:
        if root == "var":
            return self._named(f"var.{_step(steps, 0, 'var', where)}", steps[1:], where, self._variable)
        if root == "local":
            return self._named(f"local.{_step(steps, 0, 'local', where)}", steps[1:], where, self._local)
        if root == "module":
            raise InputError(f"module.{'.'.join(map(str, steps))}: modules are not read by the checker", where,
                             "put the IAM resources in the root module for the lab")
        if root in ("count", "each", "self", "terraform"):
            raise InputError(f"{root}.* is not supported by the checker", where)
        if root == "data":
            kind = _step(steps, 0, "data", where)
            name = _step(steps, 1, f"data.{kind}", where)
            return self._resource(f"data.{kind}.{name}", steps[2:], where)
        name = _step(steps, 0, root, where)
        return self._resource(f"{root}.{name}", steps[1:], where)

    def _named(self, key: str, rest: list[str | int], where: Where,
               compute: Callable[[str, Where], tuple[Any, Positions]]) -> tuple[Any, Positions]:
        if key not in self._cache:
            if key in self._active:
                cycle = " -> ".join(self._active[self._active.index(key):] + [key])
                raise InputError(f"{key} refers to itself: {cycle}", where)
            self._active.append(key)
            try:
                self._cache[key] = compute(key.split(".", 1)[1], where)
            finally:
                self._active.pop()
        value, positions = self._cache[key]
        return _index_at(value, positions, rest, where, key)

    def _variable(self, name: str, where: Where) -> tuple[Any, Positions]:
        if name in self.setting.variables:
            return self.setting.variables[name], {}
        declared = self.variables.get(name)
        if declared is None:
            raise InputError(f"var.{name} is not declared", where, f'add a variable "{name}" block')
        if name in self.tfvars:
            attribute, path = self.tfvars[name]
            return self.evaluator(path).evaluate(attribute.expression)
        default = declared.block.body.attributes.get("default")
        if default is None:
            raise InputError(
                f"var.{name} has no value: it has no default and no .tfvars file sets it",
                where,
                f'give variable "{name}" a default or set {name} in terraform.tfvars',
            )
        return self.evaluator(declared.path).evaluate(default.expression)

    def _local(self, name: str, where: Where) -> tuple[Any, Positions]:
        found = self.locals.get(name)
        if found is None:
            raise InputError(f"local.{name} is not defined in any locals block", where)
        attribute, path = found
        return self.evaluator(path).evaluate(attribute.expression)

    def _resource(self, address: str, attribute_steps: list[str | int], where: Where) -> tuple[Any, Positions]:
        if not attribute_steps:
            raise InputError(f"{address} is a whole resource; name one of its attributes", where)
        attribute = str(attribute_steps[0])
        full = f"{address}.{attribute}"
        if full in self.setting.references:
            return _index_at(self.setting.references[full], {}, attribute_steps[1:], where, full)
        located = self.resources.get(address)
        kind = address.split(".")[-2]
        compute = self.computed.get((("data." if address.startswith("data.") else "") + kind, attribute))
        if compute is not None and located is not None:
            key = f"{full}#computed"
            return self._named(key, attribute_steps[1:], where, lambda _name, _where: (compute(self, located), {}))
        if located is not None and attribute in located.block.body.attributes:
            value, positions = self._named(full, [], where, lambda _n, _w: self.argument(located, attribute) or (None, {}))
            return _index_at(value, positions, attribute_steps[1:], where, full)
        if located is None:
            raise InputError(
                f"{full} cannot be resolved: {address} is not defined in these files and the lab does not give it",
                where,
                "define the resource, or use a value the lab's parameters provide",
            )
        raise InputError(
            f"{full} cannot be resolved: the attribute is computed by the provider and the lab does not give it",
            where,
            f"write the value out, or use an attribute of {address} that is set in its block",
        )

    def require(self, value: Any, what: str, where: Where) -> Any:
        if value is None:
            raise InputError(f"{what} is not known: the lab's parameters do not give it", where)
        return value


def _step(steps: list[str | int], index: int, prefix: str, where: Where) -> str:
    if len(steps) <= index or not isinstance(steps[index], str):
        raise InputError(f"{prefix} needs a name after it", where)
    return str(steps[index])


def _index_at(value: Any, positions: Positions, steps: list[str | int], where: Where, name: str) -> tuple[Any, Positions]:
    if not steps:
        return value, positions
    try:
        return index_value(value, positions, steps)
    except LookupError as exc:
        raise InputError(f"{name}: {exc}", where) from None


def load_configuration(paths: list[str | Path], setting: Setting) -> Configuration:
    """Read `.tf` files (a folder means its `.tf` files, not its subfolders) and their `.tfvars`."""
    tf_files: list[Path] = []
    tfvars_files: list[Path] = []
    folders: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            folders.add(path)
            # Every .tf entry but a folder is read: `_read` refuses a FIFO or device by name, never skips it.
            tf_files.extend(sorted(p for p in path.iterdir() if p.suffix == ".tf" and not p.is_dir()))
        elif path.suffix == ".tfvars":
            tfvars_files.append(path)
        elif path.exists():
            folders.add(path.parent)
            tf_files.append(path)
        else:
            raise InputError("file not found", Where(str(raw)))
    for folder in sorted(folders):
        auto = sorted(p for p in folder.iterdir() if p.name.endswith(".auto.tfvars"))
        main = folder / "terraform.tfvars"
        tfvars_files[:0] = ([main] if main.is_file() else []) + auto
    if not tf_files:
        raise InputError("no .tf files found", Where(str(paths[0]) if paths else "<none>"))
    if len(tf_files) > MAX_FILES:
        raise InputError(f"more than {MAX_FILES} .tf files", Where(str(paths[0])))
    folder = sorted(folders)[0] if folders else Path(".")
    parsed = [(str(p), parse_hcl(_read(p), str(p))) for p in tf_files]
    tfvars = [(str(p), parse_hcl(_read(p), str(p))) for p in dict.fromkeys(tfvars_files)]
    return Configuration(parsed, tfvars, setting, folder)


def _read(path: Path) -> str:
    return read_text_file(path, MAX_DOCUMENT_BYTES)
