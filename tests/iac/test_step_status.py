"""Does a failing `iamlab lint` fail its GitHub Actions step? Each case follows the shell's documented rules.

- "Workflow syntax for GitHub Actions", jobs.<job_id>.steps[*].shell: unspecified on Linux runs `bash -e {0}`;
  `bash` runs `bash --noprofile --norc -eo pipefail {0}`; `sh` runs `sh -e {0}`; a custom shell is
  `command [options] {0}`; "sh-like shells exit with the exit code of the last command executed in a script".
- Bash manual, The Set Builtin, -e: "The shell does not exit if the command that fails is part of the command
  list immediately following a while or until keyword, part of the test in an if statement, part of any
  command executed in a && or || list except the command following the final && or ||, any command in a
  pipeline but the last, or if the command's return status is being inverted with !".
- Same page, pipefail: "the return value of a pipeline is the value of the last (rightmost) command to exit
  with a non-zero status".
"""

from __future__ import annotations

import pytest

from checker.iac.step_status import ShellMode, failure_fails_step, shell_mode


def _lint(words: tuple[str, ...]) -> bool:
    return len(words) > 1 and words[0].rsplit("/", 1)[-1] == "iamlab" and words[1] == "lint"


def _verdict(script: str, shell: str | None = None) -> tuple[bool, bool, str]:
    mode = shell_mode(shell)
    assert isinstance(mode, ShellMode), mode
    verdict = failure_fails_step(script, mode, _lint)
    return verdict.found, verdict.fails_step, verdict.reason


FAILS_THE_STEP = [
    ("alone", "iamlab lint aws/ --rules g", None),
    ("the last of an && list", "cd infra && iamlab lint . --rules g", None),
    ("errexit stops before `; true`", "iamlab lint . --rules g; true", None),
    ("errexit stops before the next line", "iamlab lint . --rules g\necho done", None),
    ("piped, with shell: bash (pipefail)", "iamlab lint . --rules g | tee out.txt", "bash"),
    ("piped, after set -o pipefail", "set -o pipefail\niamlab lint . --rules g | tee out.txt", None),
    ("the last command, errexit off", "set +e\niamlab lint . --rules g", None),
    ("custom shell with -e", "iamlab lint . --rules g\necho done", "bash -e {0}"),
    ("custom shell without -e, set -e in the script", "set -eu\niamlab lint . --rules g\necho done", "bash {0}"),
    ("redirected output", "FOO=1 .venv/bin/iamlab lint . --rules g > out.txt 2>&1", None),
    ("continued over lines, then an if", "iamlab lint . \\\n  --rules g\nif true; then :; fi", None),
    ("a quoted `|| true` is an argument", "echo 'a || true'\niamlab lint . --rules g", None),
    ("`&& echo` as the script's last line", "iamlab lint . --rules g && echo ok", None),
]


@pytest.mark.parametrize(("script", "shell"), [(s, sh) for _, s, sh in FAILS_THE_STEP], ids=[n for n, _, _ in FAILS_THE_STEP])
def test_a_failing_lint_fails_the_step(script: str, shell: str | None) -> None:
    assert _verdict(script, shell)[:2] == (True, True)


SWALLOWED = [
    ("|| true", "iamlab lint . --rules g || true", None, "`|| true` runs when it fails"),
    ("||true", "iamlab lint . --rules g ||true", None, "`|| true`"),
    ("|| echo", "iamlab lint . --rules g || echo failed", None, "`|| echo failed`"),
    ("|| exit 0", "iamlab lint . --rules g || exit 0", None, "`|| exit 0`"),
    ("piped without pipefail", "iamlab lint . --rules g | tee out.txt", None, "without pipefail"),
    ("piped under sh", "iamlab lint . --rules g | tee out.txt", "sh", "without pipefail"),
    ("set +eu, then more", "set +eu\niamlab lint . --rules g\necho done", None, "`set +e` at line 1"),
    ("set +o errexit, then more", "set +o errexit\niamlab lint . --rules g\necho done", None, "`set +e` at line 1"),
    ("custom shell without -e", "iamlab lint . --rules g\necho done", "bash {0}", "shell: bash {0}"),
    ("negated", "! iamlab lint . --rules g", None, "`!` inverts"),
    ("in the background", "iamlab lint . --rules g &", None, "background"),
    ("after ||", "false || iamlab lint . --rules g", None, "runs only when the command before it fails"),
    ("&& then more lines", "iamlab lint . --rules g && echo ok\necho more", None, "followed by `&&`"),
    ("an if test", "if iamlab lint . --rules g; then echo ok; fi", None, "line 1 uses `if`"),
    ("a trap that rewrites the exit status", "trap 'exit 0' EXIT\niamlab lint . --rules g", None, "`trap`"),
    ("a function named iamlab", "iamlab() { :; }\niamlab lint . --rules g", None, "line 1 uses"),
    ("an alias", "alias iamlab=true\niamlab lint . --rules g", None, "`alias`"),
]


@pytest.mark.parametrize(("script", "shell", "why"), [(s, sh, w) for _, s, sh, w in SWALLOWED], ids=[n for n, *_ in SWALLOWED])
def test_a_swallowed_failure_is_named(script: str, shell: str | None, why: str) -> None:
    found, fails, reason = _verdict(script, shell)
    assert found and not fails
    assert why in reason, reason


@pytest.mark.parametrize("script", ["echo iamlab lint . --rules g", "# iamlab lint . --rules g\necho hi", "true"])
def test_a_script_that_never_runs_the_lint_is_not_a_lint(script: str) -> None:
    assert _verdict(script)[:2] == (False, False)


@pytest.mark.parametrize("shell", ["pwsh", "python", "cmd", "node {0}", "zsh"])
def test_shells_whose_status_is_not_read_are_named(shell: str) -> None:
    mode = shell_mode(shell)
    assert isinstance(mode, str) and "use bash or sh" in mode


def test_a_heredoc_after_the_lint_does_not_hide_an_errexit_verdict() -> None:
    assert _verdict("iamlab lint . --rules g\ncat <<EOF\nx\nEOF")[:2] == (True, True)
    found, fails, reason = _verdict("cat <<EOF\nx\nEOF\niamlab lint . --rules g")
    assert found and not fails and "heredoc" in reason


@pytest.mark.parametrize(("words", "runs"), [
    ("iamlab lint aws/ --rules g", True),
    ("iamlab lint aws/ --rules=g", True),
    ("/home/runner/.local/bin/iamlab lint aws/ --rules g", True),
    ("pipx run iamlab lint aws/ --rules g", True),
    ("uvx --from iamlab-checker iamlab lint aws/ --rules g", True),
    ("poetry run iamlab lint aws/ --rules g", True),
    ("iamlab lint aws/", False),  # no guardrails
    ("iamlab check 02 --rules g", False),
    ("pipx install iamlab lint --rules g", False),
    ("echo iamlab lint --rules g", False),
])
def test_which_commands_run_the_lint_with_guardrails(words: str, runs: bool) -> None:
    from checker.grading.checks.workflow import _runs

    assert _runs(tuple(words.split()), ("iamlab", "lint", "--rules")) is runs
