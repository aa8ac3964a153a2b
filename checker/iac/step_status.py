"""Does a failing command fail the GitHub Actions step that runs it? (lab 02's "the lint can fail" gate)

A deny-list of swallowing idioms (`|| true`, `set +e`) passes every idiom it does not list (`|| echo`,
`| tee`, `set +eu`, a lint that never runs), so this module answers positively, from the shell's own rules:

- The shell, from "Workflow syntax for GitHub Actions" (jobs.<job_id>.steps[*].shell): unspecified on Linux
  runs `bash -e {0}`; `shell: bash` runs `bash --noprofile --norc -eo pipefail {0}`; `shell: sh` runs
  `sh -e {0}`; a custom `command [options] {0}` gets only the options it names. "sh-like shells exit with the
  exit code of the last command executed in a script". Other shells (pwsh, python, cmd) are not read.
- errexit, from the Bash manual (The Set Builtin, -e): "The shell does not exit if the command that fails is
  part of the command list immediately following a while or until keyword, part of the test in an if
  statement, part of any command executed in a && or || list except the command following the final && or
  ||, any command in a pipeline but the last, or if the command's return status is being inverted with !".
- pipefail (same page): "the return value of a pipeline is the value of the last (rightmost) command to exit
  with a non-zero status, or zero if all commands in the pipeline exit successfully".

The script is read as a sequence of simple commands joined by `;`, `&`, `&&`, `||` and `|` (stdlib `shlex`
with quotes kept apart). A construct this reading does not model before the command is found (if, while,
a function, a subshell, a heredoc, `trap`, `alias`, `eval`) makes the answer "cannot tell", which the
gate treats as a failure with the line to simplify: never a pass it cannot justify.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

# Reserved words and constructs that open compound commands this reading does not follow.
_COMPOUND = frozenset({"if", "then", "else", "elif", "fi", "while", "until", "for", "do", "done", "case",
                       "esac", "function", "select", "{", "}", "[[", "]]", "((", "))", "(", ")", "coproc"})
# Builtins that can change what a later command name runs or what status the script exits with.
_UNTRACKED = frozenset({"trap", "alias", "eval", "exec", "shopt", "enable", "hash"})
_OPERATORS = ("&&", "||", ";;", "|&", ">>", "<<", ">&", "<&", "&>", ";", "&", "|", "(", ")", "<", ">")
_REDIRECTIONS = frozenset({">>", "<<", ">&", "<&", "&>", "<", ">"})


@dataclass(frozen=True)
class ShellMode:
    """What a step's shell does with a failing command before the script says anything."""

    errexit: bool
    pipefail: bool
    described: str  # how the learner's step runs its script, for messages


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    line: int  # 1-based line of the script
    negated: bool = False


@dataclass(frozen=True)
class Verdict:
    """`fails_step` when the command's failure fails the step; else `reason` says why not (with its line)."""

    found: bool
    fails_step: bool
    reason: str = ""


def shell_mode(shell: str | None) -> ShellMode | str:
    """The step's shell, or why its failures cannot be read."""
    if shell is None or not str(shell).strip():
        return ShellMode(True, False, "the default shell (bash -e {0}: errexit, no pipefail)")
    text = str(shell).strip()
    if text == "bash":
        return ShellMode(True, True, "shell: bash (bash --noprofile --norc -eo pipefail {0})")
    if text == "sh":
        return ShellMode(True, False, "shell: sh (sh -e {0})")
    if "{0}" not in text:
        return f"shell: {text} is not a shell whose exit status this check can read (use bash or sh)"
    try:
        words = shlex.split(text)
    except ValueError:
        return f"shell: {text} cannot be read"
    if not words or words[0].rsplit("/", 1)[-1] not in ("bash", "sh", "dash"):
        return f"shell: {text} is not a shell whose exit status this check can read (use bash or sh)"
    errexit, pipefail = _set_options(words[1:], False, False)
    return ShellMode(errexit, pipefail, f"shell: {text}")


def _set_options(arguments: list[str] | tuple[str, ...], errexit: bool, pipefail: bool) -> tuple[bool, bool]:
    """errexit and pipefail after `set ARGUMENTS` (or a shell's own options)."""
    index = 0
    while index < len(arguments):
        word = arguments[index]
        if word == "--" or not word or word[0] not in "-+" or word in ("-", "+"):
            index += 1
            continue
        on = word[0] == "-"
        letters = word[1:]
        for letter in letters:
            if letter == "e":
                errexit = on
        if letters.endswith("o") and index + 1 < len(arguments):
            option = arguments[index + 1]
            if option == "errexit":
                errexit = on
            elif option == "pipefail":
                pipefail = on
            index += 1
        index += 1
    return errexit, pipefail


def _logical_lines(script: str) -> list[tuple[int, str]]:
    """The script's lines with quoted newlines and backslash-newlines joined, each with its first line."""
    lines: list[tuple[int, str]] = []
    current: list[str] = []
    start, number, quote, index = 1, 1, "", 0
    while index < len(script):
        char = script[index]
        if char == "\\" and quote != "'" and index + 1 < len(script):
            if script[index + 1] == "\n":
                number += 1
                index += 2
                continue
            current.append(script[index : index + 2])
            index += 2
            continue
        if char in "'\"" and (not quote or quote == char):
            quote = "" if quote else char
        if char == "\n":
            number += 1
            if not quote:
                lines.append((start, "".join(current)))
                current, start = [], number
                index += 1
                continue
        current.append(char)
        index += 1
    lines.append((start, "".join(current)))
    return lines


def _tokens(text: str) -> list[str] | None:
    """Words and operators of one logical line (quotes removed from words); None when it cannot be read."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        raw = list(lexer)
    except ValueError:
        return None
    tokens: list[str] = []
    for token in raw:
        if token and set(token) <= set("();<>|&"):
            while token:  # shlex joins a run of operator characters (`;&&`): split it the shell's way
                operator = next(op for op in _OPERATORS if token.startswith(op)) if token[0] in "();<>|&" else token
                tokens.append(operator)
                token = token[len(operator) :]
        else:
            tokens.append(token)
    return tokens


@dataclass
class _Item:
    """One element of the script's top-level sequence: an and-or list of pipelines."""

    pipelines: list[list[Command]]
    joins: list[str]  # "&&" or "||" between pipelines
    background: bool
    line: int


class _LineReader:
    """Builds the items of one logical line; `stop` names the first construct not modelled."""

    def __init__(self, line: int, items: list[_Item]) -> None:
        self.line, self.items = line, items
        self.item = _Item([[]], [], False, line)
        self.words: list[str] = []
        self.negated = False
        self.stop: str | None = None

    def close_command(self) -> None:
        if self.words or self.negated:
            self.item.pipelines[-1].append(Command(tuple(self.words), self.line, self.negated))
        self.words, self.negated = [], False

    def read(self, tokens: list[str]) -> None:
        skip_next = False
        for token in tokens:
            if skip_next:
                skip_next = False
            elif token == "<<":
                self.stop = "a heredoc (<<)"
            elif token in _REDIRECTIONS:
                skip_next = True  # the redirection's target is not an argument
            elif token in ("|", "|&"):
                self.close_command()
            elif token in ("&&", "||"):
                self.close_command()
                self.item.pipelines.append([])
                self.item.joins.append(token)
            elif token in (";", "&"):
                self.close_command()
                self.item.background = token == "&"
                self.items.append(self.item)
                self.item = _Item([[]], [], False, self.line)
            elif token in _COMPOUND and not self.words or token in ("(", ")", ";;"):
                self.stop = f"`{token}`"
            elif token == "!" and not self.words:
                self.negated = True
            elif not self.words and token.endswith("()"):
                self.stop = f"a function definition ({token})"
            else:
                self.words.append(token)
            if self.stop is not None:
                return
        self.close_command()
        self.items.append(self.item)


def _items(script: str) -> tuple[list[_Item], tuple[int, str] | None]:
    """The script's top-level items up to the first construct not modelled, and that construct's (line, name)."""
    items: list[_Item] = []
    stop: tuple[int, str] | None = None
    for line, text in _logical_lines(script):
        tokens = _tokens(text)
        if tokens is None:
            stop = (line, "a quote that is never closed")
            break
        reader = _LineReader(line, items)
        reader.read(tokens)
        if reader.stop is not None:
            stop = (line, reader.stop)
            break
    return [i for i in items if any(p for p in i.pipelines)], stop


def _program(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words from the command's program on: leading NAME=value assignments and `env`/`command` dropped."""
    index = 0
    while index < len(words) and ("=" in words[index] and not words[index].startswith("=")
                                  and words[index].split("=", 1)[0].isidentifier()):
        index += 1
    rest = words[index:]
    while rest and rest[0] in ("env", "command", "time"):
        rest = rest[1:]
        while rest and ("=" in rest[0] and rest[0].split("=", 1)[0].isidentifier() or rest[0].startswith("-")):
            rest = rest[1:]
    return rest


def failure_fails_step(script: str, mode: ShellMode, matches: Callable[[tuple[str, ...]], bool]) -> Verdict:
    """Whether the first command `matches` accepts runs unconditionally and its failure fails the step."""
    items, stop = _items(script)
    errexit, pipefail = mode.errexit, mode.pipefail
    errexit_off_at: int | None = None
    for position, item in enumerate(items):
        for k, pipeline in enumerate(item.pipelines):
            for p, command in enumerate(pipeline):
                program = _program(command.words)
                if program and matches(program):
                    verdict = _judge(items, position, k, p, command, errexit, pipefail, errexit_off_at, mode, stop)
                    return verdict
        for pipeline in item.pipelines:
            for command in pipeline:
                program = _program(command.words)
                if program and program[0] in _UNTRACKED:
                    return Verdict(True, False, f"line {command.line} runs `{program[0]}` before it, which can "
                                                "change what a later command runs or the status the step ends with")
                if program and program[0] == "set" and not item.background:
                    errexit, pipefail = _set_options(program[1:], errexit, pipefail)
                    errexit_off_at = None if errexit else (errexit_off_at or command.line)
    if stop is not None:
        return _cannot_tell(*stop)
    return Verdict(False, False)


def _cannot_tell(line: int, construct: str) -> Verdict:
    return Verdict(True, False, f"line {line} uses {construct}, which this check does not follow, so it cannot "
                                "tell whether the command runs and whether its failure stops the step")


def _judge(items: list[_Item], position: int, k: int, p: int, command: Command, errexit: bool, pipefail: bool,
           errexit_off_at: int | None, mode: ShellMode, stop: tuple[int, str] | None) -> Verdict:
    item = items[position]
    at = f"line {command.line}"
    if command.negated:
        return Verdict(True, False, f"{at}: `!` inverts its status, so its failure counts as success")
    if item.background and k == len(item.pipelines) - 1:
        return Verdict(True, False, f"{at}: `&` runs it in the background and the step never waits for its status")
    if "||" in item.joins[:k]:
        return Verdict(True, False, f"{at}: it follows `||`, so it runs only when the command before it fails")
    pipeline = item.pipelines[k]
    if p < len(pipeline) - 1 and not pipefail:
        return Verdict(True, False, f"{at}: it is piped into `{' '.join(pipeline[-1].words)}`, and without pipefail "
                                    f"a pipeline's status is its last command's ({mode.described}); use shell: bash "
                                    "or `set -o pipefail`, or drop the pipe")
    after = item.joins[k:]
    if after and after[0] == "||":
        return Verdict(True, False, f"{at}: `|| {_first_words(item.pipelines[k + 1])}` runs when it fails, and the "
                                    "step then ends with that command's status")
    last_item = position == len(items) - 1
    if (after or not errexit) and last_item and stop is not None:
        return _cannot_tell(*stop)  # what follows decides, and it is not read
    if after and not last_item:
        return Verdict(True, False, f"{at}: it is followed by `&&`, so errexit ignores its failure and the script "
                                    "goes on")
    if errexit or last_item:
        return Verdict(True, True)
    off = f"`set +e` at line {errexit_off_at}" if errexit_off_at else mode.described
    return Verdict(True, False, f"{at}: errexit is off ({off}) and the script goes on after it, so the step ends "
                                "with a later command's status")


def _first_words(pipeline: list[Command]) -> str:
    return " ".join(pipeline[0].words) if pipeline and pipeline[0].words else "..."
