"""Entry point of `iamlab`. Each command lives in its own module with `register(subparsers)`.

Command modules are imported lazily by name so that `iamlab check` does not pay for the gateway's imports.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from checker import __version__
from checker.core.errors import InputError

# (command name, module under checker.cli, one-line help). Add a row to add a command.
COMMANDS: list[tuple[str, str, str]] = [
    ("simulate", "simulate", "decide requests the way the cloud would (AWS, Azure, GCP)"),
    ("list", "list_labs", "list the labs with their level, clouds and your status"),
    ("check", "check", "grade a lab: pass/fail per check, points, and how to fix"),
    ("run", "run", "run a lab's workload for real on moto or LocalStack under your policies, call by call"),
    ("hint", "hint", "reveal the next hint for a lab"),
    ("progress", "progress", "your best score, hints used and passes over all labs"),
    ("reset", "reset", "restore a lab's starter files (git is not needed)"),
    ("interview", "interview", "mock interview questions: list them, take one (optionally timed), get it graded"),
    ("grade-class", "grade_class", "grade one folder per learner and write a class report"),
    ("catalog", "catalog", "import a role catalog exported from Azure or GCP"),
    ("gateway", "gateway", "an AWS endpoint in front of moto or LocalStack that enforces IAM and logs decisions"),
    ("token", "token", "create a local OIDC issuer key and mint RS256 tokens the gateway trusts"),
    ("generate-policy", "policygen", "write the least-privilege policy a principal's logged calls need"),
    ("unused", "policygen", "list what a policy grants that no logged call used"),
    ("lint", "lint", "findings for AWS policies (text, JSON or SARIF for code scanning)"),
    ("diff", "diff", "new access a changed AWS policy grants, with example requests"),
    ("paths", "paths", "privilege-escalation paths through an AWS account snapshot"),
    ("review", "review", "an access review from the audit log: unused grants, cross-tenant denials, narrower policies"),
    ("drift", "drift", "every difference between declared IAM (snapshot or Terraform) and an account, live or a snapshot (exit 1 when any)"),
]


class _VersionAction(argparse.Action):
    """Print iamlab's version and the AWS catalog's; the catalog is read only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from checker.aws.catalog import catalog_version

        print(f"iamlab {__version__}\nAWS catalog: {catalog_version()}")
        parser.exit()


class _AnyOrderParser(argparse.ArgumentParser):
    """A command's parser that takes options anywhere: `simulate aws --explain FILE` as well as
    `simulate aws FILE --explain`. Plain argparse fills optional positionals before the first option
    and then rejects the file; intermixed parsing reads every positional after the options are taken."""

    _inside = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        nested = any(action.nargs in (argparse.PARSER, argparse.REMAINDER) for action in self._get_positional_actions())
        if self._inside or nested:  # intermixed parsing calls back in here; it cannot take sub-commands
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def build_parser(only: str | None = None, list_others: bool = True) -> argparse.ArgumentParser:
    """The whole command line, or with `only` the options of that one command (the others are listed with
    their help but their modules are not imported: a run needs only its own command's). Without
    `list_others` the other commands are left out altogether: for a run that prints no list of commands
    (making their parsers cost `iamlab simulate` a few milliseconds of its start-up)."""
    parser = argparse.ArgumentParser(
        prog="iamlab",
        description="Hands-on least-privilege IAM labs for AI/ML workloads, graded offline.",
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and the AWS catalog version")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_AnyOrderParser)
    for name, module_name, help_text in COMMANDS:
        if not list_others and name != only:
            continue
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        if only is None or name == only:
            importlib.import_module(f"checker.cli.{module_name}").register(sub)
    return parser


def named_command(argv: Sequence[str]) -> str | None:
    """The command a command line runs: its first word that is not an option (iamlab's own options take no
    value), or None when that is not a command (argparse then words the error)."""
    for word in argv:
        if not word.startswith("-"):
            return word if any(word == name for name, _module, _help in COMMANDS) else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up makes objects that live as long as the process (modules, classes, the parser): the cyclic
    # collector would walk them again and again for nothing, so it is off meanwhile (as it was after).
    collecting = gc.isenabled()
    gc.disable()
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        command = named_command(words)
        # "": no command named, none of their modules needed. Commands are listed by the help asked for
        # before the command's name (`iamlab -h simulate`); asked after it, the command's own help is printed.
        listed = command is None or any(word in ("-h", "--help") for word in words[: words.index(command)])
        parser = build_parser(only=command or "", list_others=listed)
        args = parser.parse_args(words)
        if not getattr(args, "command", None):
            parser.print_help()
            return 2
        module = importlib.import_module(f"checker.cli.{args._module}")
    finally:
        if collecting:
            gc.enable()
    global _quick_exit
    _quick_exit = bool(getattr(module, "QUICK_EXIT", False))
    try:
        code: int = module.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code


# Whether the command that ran holds nothing that shutting the interpreter down must clean up (see `entry`).
_quick_exit = False


def entry() -> None:
    """The `iamlab` program: `main`, then the process ends.

    A command module that sets QUICK_EXIT (simulate) keeps no files, threads or workers, but a batch leaves
    caches of a million objects, which an ordinary interpreter shutdown frees one by one: a fifth of a
    5,000-case batch. After such a command the output is flushed and the process ends at once.
    """
    code = main()
    if _quick_exit:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BrokenPipeError:  # the reader went away: what it read was complete, as `main` treats it
            pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
