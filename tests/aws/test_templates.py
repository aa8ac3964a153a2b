"""Session-policy templates: `{{name}}` filled by the platform, IAM policy variables passed through."""

from __future__ import annotations

import pytest

from checker.core.errors import InputError
from checker.core.source import parse_json
from checker.core.templates import fill_template, placeholders

TEMPLATE = """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::b/{{team}}/{{ job }}/${aws:PrincipalTag/job}/*"}]
}"""


def test_placeholders_filled_variables_kept() -> None:
    filled = fill_template(parse_json(TEMPLATE, "t.json"), {"team": "risk", "job": "j1"})
    assert filled.data["Statement"][0]["Resource"] == "arn:aws:s3:::b/risk/j1/${aws:PrincipalTag/job}/*"
    assert placeholders(parse_json(TEMPLATE, "t.json")) == {"team", "job"}


def test_unknown_placeholder_names_file_line_column() -> None:
    with pytest.raises(InputError) as caught:
        fill_template(parse_json(TEMPLATE, "t.json"), {"team": "risk"})
    assert "{{job}}" in caught.value.message
    assert (
        caught.value.where is not None
        and caught.value.where.file == "t.json"
        and caught.value.where.line == 4
    )
