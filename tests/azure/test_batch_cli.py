"""`iamlab simulate azure --batch FILE` end to end, and malformed cases giving clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checker.azure.batch import decide_case
from checker.cli.main import main
from checker.core.errors import InputError

from .helpers import CONTAINER, PRINCIPAL, assign, blob, case


def run_cli(tmp_path: Path, lines: list[str], capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["simulate", "azure", "--batch", str(path), *extra])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_batch_all_decided(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    allowed = case(id="a", role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    denied = case(id="b", role_assignments=[])
    code, out = run_cli(tmp_path, [json.dumps(allowed), json.dumps(denied)], capsys)
    assert code == 0
    assert out == [{"id": "a", "decision": "allow"}, {"id": "b", "decision": "implicit_deny"}]


def test_batch_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    allowed = case(id="a", role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    code, out = run_cli(tmp_path, [json.dumps(allowed)], capsys, "--explain")
    assert code == 0
    assert out[0]["explain"]["summary"].startswith("role assignment #1")
    assert out[0]["explain"]["reasons"][0]["effect"] == "allow"


def test_batch_errors_keep_going_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_condition = case(id="c", role_assignments=[assign("Storage Blob Data Reader", CONTAINER, condition="@Resource[x:y] StringEquals")])
    good = case(id="d")
    code, out = run_cli(tmp_path, [json.dumps(bad_condition), "{not json", json.dumps(good)], capsys)
    assert code == 2
    assert out[0]["id"] == "c" and "condition line 1, column 28" in out[0]["error"]
    assert out[0]["error"].startswith("case c (at /role_assignments/0/condition)")
    assert "error" in out[1]
    assert out[2] == {"id": "d", "decision": "implicit_deny"}


def test_single_request_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])), encoding="utf-8")
    assert main(["simulate", "azure", str(path)]) == 0
    assert "decision: allow" in capsys.readouterr().out


MALFORMED = [
    # (case overrides, pointer named in the error, message fragment)
    ({"principal": None}, "/", "needs the field 'principal'"),
    ({"scope": "subscriptions/x"}, "/scope", "starts with '/'"),
    ({"action": "Microsoft.Storage/*"}, "/action", "one operation"),
    ({"data_action": "yes"}, "/data_action", "true or false"),
    ({"actoin": "x"}, "/actoin", "did you mean 'action'"),
    ({"role_assignments": {}}, "/role_assignments", "must be a JSON list"),
    ({"role_assignments": [assign("No Such Role", CONTAINER)]}, "/role_assignments/0/roleDefinitionId", "unknown role"),
    ({"role_assignments": [{"principalId": PRINCIPAL, "roleDefinitionId": "Reader", "scope": CONTAINER, "notes": 1}]},
     "/role_assignments/0/notes", "unknown field"),
    ({"role_assignments": [assign("Reader", blob("a"))]}, "/role_assignments/0/scope", "single blob"),
    ({"role_assignments": [assign("Reader", CONTAINER, conditionVersion="1.0", condition="Exists @Resource[a:b]")]},
     "/role_assignments/0/conditionVersion", "not supported"),
    ({"role_assignments": [assign("Reader", CONTAINER, start="yesterday")]}, "/role_assignments/0/start", "date-time"),
    ({"role_assignments": [assign("Reader", CONTAINER, start="2026-01-02T00:00:00Z", end="2026-01-01T00:00:00Z")]},
     "/role_assignments/0/end", "ends before it starts"),
    ({"role_definitions": [{"id": "r", "roleName": "R", "permissions": [{"actions": ["a b"]}]}]},
     "/role_definitions/0/permissions/0/actions/0", "spaces"),
    ({"role_definitions": [{"id": "r", "roleName": "R", "permissions": [{"actions": "x"}]}]},
     "/role_definitions/0/permissions/0/actions", "list of strings"),
    ({"role_definitions": [{"id": "r", "roleName": "R", "permissions": [], "assignableScopes": ["/subscriptions/other"]}],
      "role_assignments": [assign("r", CONTAINER)]}, "/role_assignments/0/scope", "assignableScopes"),
    ({"deny_assignments": [{"principals": [], "permissions": [{"dataActions": ["*"]}], "scope": CONTAINER}]},
     "/deny_assignments/0/principals", "at least one"),
    ({"management_groups": {"/subscriptions/a": "/subscriptions/b"}}, "/management_groups/~1subscriptions~1a", "must be a management group"),
    ({"management_groups": {
        "/providers/Microsoft.Management/managementGroups/a": "/providers/Microsoft.Management/managementGroups/b",
        "/providers/Microsoft.Management/managementGroups/b": "/providers/Microsoft.Management/managementGroups/a"}},
     "/management_groups", "cycle"),
    ({"attributes": {"Resource[x]": "v"}}, "/attributes/Resource[x]", "not an attribute name"),
    ({"attributes": {"@Resource[x]": {"a": 1}}}, "/attributes/@Resource[x]", "string, an integer"),
    ({"request_time": "noon"}, "/request_time", "date-time"),
    ({"role_assignments": [assign("Reader", CONTAINER, start="2026-01-01T00:00:00Z")]}, None, "request_time"),
]


@pytest.mark.parametrize(("overrides", "pointer", "fragment"), MALFORMED, ids=[m[2] for m in MALFORMED])
def test_malformed_cases_name_the_field(overrides: dict[str, Any], pointer: str | None, fragment: str) -> None:
    data = case(**overrides)
    data = {k: v for k, v in data.items() if v is not None}
    if "data_action" in overrides and overrides["data_action"] is None:
        data.pop("data_action", None)
    with pytest.raises(InputError) as caught:
        decide_case(data, explain=False)
    assert fragment in str(caught.value)
    if pointer is not None:
        assert caught.value.where is not None and caught.value.where.pointer == pointer


def test_annotation_fields_are_ignored() -> None:
    data = case(expected="allow", comment="reader at the container", role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    assert decide_case(data, explain=False) == {"id": "t", "decision": "allow"}


def test_data_action_flag_defaults_from_the_catalog() -> None:
    data = case(role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    del data["data_action"]
    assert decide_case(data, explain=False)["decision"] == "allow"


HOSTILE = [
    ({"scope": "/subscriptions/" + "a" * 5000}, "characters long"),
    ({"role_assignments": [assign("Storage Blob Data Reader", CONTAINER, condition="(" * 3000 + ")" * 3000)]},
     "nested more than"),
    ({"role_assignments": [assign("Storage Blob Data Reader", CONTAINER,
                                  condition="@Resource[a:b] StringLike '" + "*" * 20_000 + "'")]}, "characters long"),
    ({"attributes": {f"@Request[a:{i}]": "v" for i in range(300)}}, "more than 200 attributes"),
    ({"attributes": {"@Request[a:b]": "v" * 5000}}, "at most 4,096 characters"),
    ({"groups": ["g"] * 3000}, "more than 2,000"),
    ({"role_definitions": [{"id": "r", "roleName": "R", "permissions": [{"actions": ["a/b"] * 3000}]}]}, "entries, more than"),
]


@pytest.mark.parametrize(("overrides", "fragment"), HOSTILE, ids=[h[1] for h in HOSTILE])
def test_hostile_input_is_refused_clearly(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        decide_case(case(**overrides), explain=False)


def test_many_assignments_stay_fast() -> None:
    import time

    many = [assign("Storage Blob Data Reader", f"{CONTAINER[:-len('datasets')]}c{i}") for i in range(2000)]
    started = time.perf_counter()
    assert decide_case(case(role_assignments=many), explain=True)["decision"] == "implicit_deny"
    assert time.perf_counter() - started < 5
