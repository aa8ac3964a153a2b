"""Grade one submission: load the files once, ask the engine through each check, score the outcomes."""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from checker.core.decision import Decision
from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, load_document
from checker.grading.checks import KINDS
from checker.grading.checks.base import (
    CheckKind,
    CheckSpec,
    EarlyBegin,
    EarlyPrepare,
    EarlyStart,
    Outcome,
    RunContext,
)
from checker.grading.engines import engine_for
from checker.grading.iac_files import load_files
from checker.grading.located import Node, inside, relative_path
from checker.grading.result import CheckResult, LabResult
from checker.grading.spec import CloudSpec, LabSpec


def grade(
    lab: LabSpec,
    cloud: str | None = None,
    submission: Path | None = None,
    *,
    early: bool = False,
    backend: str = "moto",
) -> LabResult:
    """Grade the files in `submission` (default: the lab's own cloud folder) against the lab's checks.

    `early`: let kinds with a slow part (live) begin it in a worker process before the other checks
    run, to use a second core. For a one-off cold process (`iamlab check`); a process that grades
    many submissions is faster running everything in itself, where the emulator stays warm.
    `backend`: where live checks run ("moto", "localstack" or a URL).
    """
    spec = lab.cloud(cloud)
    folder = submission_folder(lab, spec, submission)
    # Forked before the learner's files are read: the workers' slow preparation overlaps the reading.
    prepared = _prepare_early(lab, spec, backend) if early else {}
    try:
        return _grade(lab, spec, folder, early, backend, prepared)
    finally:
        for handle in prepared.values():
            handle.close()  # a worker that was never given its work (an error stopped grading) is stopped


def _grade(
    lab: LabSpec, spec: CloudSpec, folder: Path, early: bool, backend: str, prepared: Mapping[str, Any]
) -> LabResult:
    lab_files = _LabFiles(lab)
    setting = _setting(lab, spec, lab_files)
    iac_setting = dict(setting)  # load_files takes the readers' `iac` entry out of the setting it is given
    paths = _present_paths(spec, folder)
    models: dict[str, Any] = {}  # each infrastructure-code file parsed once in this run, whichever identity asks
    files = _load_files(lab, spec, paths, setting, models=models)
    code = any(_is_code(path) for path in paths.values())

    def files_of(identity: str) -> Mapping[str, LoadedDocument]:
        """The documents of another identity: another role of the same Terraform/template, or the same files."""
        return _load_files(lab, spec, paths, dict(iac_setting), identity, models) if code else files

    answers = load_document(shown(inside(folder, spec.answers))) if spec.answers else None
    started = _start_early(lab, spec, files, backend, files_of, prepared) if early else {}
    try:
        engine, parsed = _loaded(spec, files, setting)
        context = RunContext(spec.cloud, engine, parsed, lab, answers, lab_files.load, started, backend, folder)
        context = _Focus(context, files_of, setting).context
        if early:
            started.update(_begin_early(spec, context))  # context.started is this dict
        checks = tuple(_run_check(check, _context_for(check, context)) for check in spec.checks)
    finally:
        for handle in started.values():
            handle.close()  # a worker whose answer was not collected (an error stopped grading) is stopped
    return score(lab, spec, checks)


def _context_for(check: CheckSpec, context: RunContext) -> RunContext:
    focused = context.about(check.identity)
    # A hidden check never takes over work a public check began early (keyed by pointer in another file).
    return dataclasses.replace(focused, started={}) if check.hidden else focused


def submission_folder(lab: LabSpec, spec: CloudSpec, submission: Path | None) -> Path:
    """The learner's folder (default: the lab's own cloud folder); it must be a folder."""
    folder = submission if submission is not None else lab.folder / spec.cloud
    if not folder.is_dir():
        raise InputError("submission folder not found", Where(str(folder)), "pass --submission DIR, a folder")
    return folder


def submission_files(
    lab: LabSpec, spec: CloudSpec, folder: Path, identity: str | None = None, models: dict[str, Any] | None = None
) -> dict[str, LoadedDocument]:
    """The learner's files as the checks read them (`iamlab run` installs the same documents); `identity`:
    seen as another identity of the lab (another role of the same Terraform/template); `models`: the
    infrastructure-code files already read by the caller, to read each once."""
    return _load_files(lab, spec, _present_paths(spec, folder), _setting(lab, spec, _LabFiles(lab)), identity, models)


def decider(lab: LabSpec, cloud: str | None, submission: Path | None = None) -> Callable[[Mapping[str, Any]], Decision]:
    """Decide single requests against a submission in the lab's setting, exactly as `allows`/`denies` checks
    do (the notebooks show tables of such decisions next to the grade)."""
    spec = lab.cloud(cloud)
    setting = _setting(lab, spec, _LabFiles(lab))
    files = _load_files(lab, spec, _present_paths(spec, submission_folder(lab, spec, submission)), setting)
    engine, parsed = _loaded(spec, files, setting)
    # A request without a principal is made by the lab's identity, as in lab.yaml (checks/requests.py).
    return lambda request: engine.decide(parsed, {"principal": spec.identity, **request})


def _setting(lab: LabSpec, spec: CloudSpec, lab_files: _LabFiles) -> Any:
    """The cloud's setting with every {file: ...} loaded from the lab folder."""
    return _resolve_files(Node(lab.document, f"/clouds/{spec.cloud}/setting", spec.setting), lab_files)


def _loaded(spec: CloudSpec, files: dict[str, LoadedDocument], setting: Any) -> tuple[Any, Any]:
    """The cloud's engine and the submission it parsed; requests default to the lab's identity."""
    if spec.identity is not None:
        setting.setdefault("identity", spec.identity)  # the engine decides requests made by the identity
    engine = engine_for(spec.cloud)
    return engine, engine.load_submission(files, setting)


def submission_paths(spec: CloudSpec, folder: Path) -> dict[str, Path]:
    """Each logical file's path in the submission; of a choice (roles.tf or roles.yaml) the one present."""
    paths: dict[str, Path] = {}
    for name, relative in spec.files.items():
        alternatives = spec.choices.get(name)
        if alternatives is None:
            paths[name] = shown(inside(folder, relative))
            continue
        present = [shown(inside(folder, path)) for path in alternatives]
        present = [path for path in present if path.exists() or path.is_symlink()]
        wanted = " or ".join(alternatives)
        if len(present) != 1:
            found = "neither" if not present else "both " + " and ".join(str(p) for p in present)
            raise InputError(
                f"the submission must hold exactly one of {wanted}; found {found}",
                Where(str(shown(folder))),
                f"keep one of {wanted} in {shown(folder)} and delete the other" if present
                else f"write your answer as {wanted} in {shown(folder)}",
            )
        paths[name] = present[0]
    return paths


def _present_paths(spec: CloudSpec, folder: Path) -> dict[str, Path]:
    return {name: path for name, path in submission_paths(spec, folder).items() if not _left_out(spec, name, path)}


def _load_files(
    lab: LabSpec, spec: CloudSpec, paths: Mapping[str, Path], setting: Any, identity: str | None = None,
    models: dict[str, Any] | None = None,
) -> dict[str, LoadedDocument]:
    if any(_is_code(path) for path in paths.values()):
        # Terraform or CloudFormation: read into the engine's own documents (grading/iac_files.py).
        return dict(load_files(dict(paths), spec.cloud, setting, lab.parameters, identity or spec.identity, models))
    return {name: load_document(path) for name, path in paths.items()}


class _Focus:
    """The run's context for each check: a check naming another `identity` (a lab with one role per stage)
    sees the same files with that identity as the engine's default principal and trust target."""

    def __init__(self, context: RunContext, files_of: Callable[[str], Mapping[str, LoadedDocument]],
                 setting: Mapping[str, Any]) -> None:
        self.context = dataclasses.replace(context, focus=self.on)
        self._files_of = files_of
        self._setting = setting
        self._by_identity: dict[str, RunContext] = {}

    def on(self, identity: str | None) -> RunContext:
        if identity is None or identity == self._setting.get("identity") or identity in self._modelled_roles():
            return self.context
        if identity not in self._by_identity:
            setting = {**self._setting, "identity": identity}
            submission = self.context.engine.load_submission(self._files_of(identity), setting)
            self._by_identity[identity] = dataclasses.replace(self.context, submission=submission)
        return self._by_identity[identity]

    def _modelled_roles(self) -> Mapping[str, Any]:
        """AWS `learner_roles`: roles the one submission already models by ARN (their own files)."""
        roles = self._setting.get("learner_roles")
        return roles if isinstance(roles, Mapping) else {}


def _left_out(spec: CloudSpec, name: str, path: Path) -> bool:
    """An optional file the learner did not write (a link, even a broken one, is read and judged)."""
    return name in spec.optional_files and not path.exists() and not path.is_symlink()


def _prepare_early(lab: LabSpec, spec: CloudSpec, backend: str) -> dict[str, Any]:
    """Workers forked for kinds that can prepare before the learner's files are read (`prepare`)."""

    def prepare(hook: EarlyPrepare, check: CheckSpec) -> Any:
        return hook(check.body, lab, backend)

    return _early_handles(spec, "prepare", prepare)


def _start_early(
    lab: LabSpec, spec: CloudSpec, files: Mapping[str, LoadedDocument], backend: str,
    files_of: Callable[[str], Mapping[str, LoadedDocument]], prepared: Mapping[str, Any],
) -> dict[str, Any]:
    def start(hook: EarlyStart, check: CheckSpec) -> Any:
        return hook(check.body, lab, files, backend, files_of, prepared=prepared.get(check.pointer))

    return _early_handles(spec, "start", start)


def _begin_early(spec: CloudSpec, context: RunContext) -> dict[str, Any]:
    """Workers forked, once the submission is loaded, for kinds whose slow part needs it (`begin`)."""

    def begin(hook: EarlyBegin, check: CheckSpec) -> Any:
        return hook(check.body, _context_for(check, context))

    return _early_handles(spec, "begin", begin)


def _early_handles(spec: CloudSpec, name: str, call: Callable[[Any, CheckSpec], Any]) -> dict[str, Any]:
    """`call(hook, check)` for each public check whose kind module has the hook `name`: the handles it
    returns, by the check's pointer. On any failure the handles already made are stopped."""
    handles: dict[str, Any] = {}
    try:
        for check in spec.checks:
            if check.hidden:
                continue
            hook = getattr(importlib.import_module(KINDS[check.kind]), name, None)
            handle = call(hook, check) if hook is not None else None
            if handle is not None:
                handles[check.pointer] = handle
    except BaseException:
        for handle in handles.values():
            handle.close()
        raise
    return handles


def _is_code(path: Path) -> bool:
    """A .tf file or folder, or a template: the files a reader in checker.iac turns into documents."""
    if path.is_dir() or path.suffix == ".tf":
        return True
    if path.suffix in (".yaml", ".yml", ".json", ".template") and path.is_file():
        from checker.iac.detect import Kind, kind_of

        return kind_of(path) is Kind.CLOUDFORMATION
    return False


def shown(path: Path) -> Path:
    """The path as a learner would type it: relative to where they ran iamlab, when it lies below."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()) if path.is_absolute() else path
    except (ValueError, OSError):
        return path


class _LabFiles:
    """Files next to lab.yaml (envelopes, boundaries, SCPs): each parsed at most once per run.

    A hidden check's files lie next to its own checks.yaml (grading/hidden.py), outside the lab folder.
    """

    def __init__(self, lab: LabSpec) -> None:
        self._lab = lab
        self._loaded: dict[tuple[Path, str], LoadedDocument] = {}

    def load(self, node: Node, relative: str) -> LoadedDocument:
        own = node.doc is self._lab.document
        folder = self._lab.folder if own else Path(node.doc.path).parent
        if (folder, relative) not in self._loaded:
            path = inside(folder, relative, "lab folder" if own else "hidden checks folder")
            if not path.is_file():
                beside = "lab.yaml" if own else "the hidden checks.yaml"
                raise node.error(f"lab file {relative!r} does not exist next to {beside}")
            self._loaded[folder, relative] = load_document(shown(path))
        return self._loaded[folder, relative]


def _resolve_files(node: Node, files: _LabFiles) -> Any:
    """Replace each `{file: path}` in a lab's setting with the loaded document (located, for errors)."""
    value = node.value
    if isinstance(value, Mapping):
        if set(value) == {"file"} and isinstance(value["file"], str):
            return files.load(node, relative_path(node.child("file", value["file"])))
        return {key: _resolve_files(node.child(key, item), files) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve_files(node.child(index, item), files) for index, item in enumerate(value)]
    return value


class CheckerBug(Exception):
    """A check crashed inside the checker: not the learner's fault, so never scored as a failure."""


def _run_check(check: CheckSpec, context: RunContext) -> CheckResult:
    kind: CheckKind = importlib.import_module(KINDS[check.kind])
    try:
        outcome = kind.run(check.body, context)
    except InputError:
        raise
    except RecursionError:
        raise InputError("a file is nested too deeply to grade", context.lab.document.locate(check.pointer)) from None
    except Exception as exc:
        raise CheckerBug(
            f"check {check.id!r} ({check.kind}) hit a bug in the checker: {type(exc).__name__}: {exc}. "
            "This is not a problem with your files; please report it with the lab name."
        ) from exc
    return judge(check, outcome)


def judge(check: CheckSpec, outcome: Outcome) -> CheckResult:
    """Points for one check: all or nothing, or per case when the check allows partial credit."""
    if outcome.passed:
        points = check.points
    elif check.partial and outcome.total_cases:
        points = math.floor(check.points * outcome.passed_cases / outcome.total_cases)
    else:
        points = 0
    if outcome.passed:
        message = headline = f"{_sentence(check.title)}"
    else:
        first = _sentence(outcome.failed[0])
        # Every further problem is spelled out, so each report format (they all show the message) lists it.
        further = "".join(f" ({number}) {_sentence(text)}" for number, text in enumerate(outcome.failed[1:], start=2))
        headline = f"{_sentence(check.message)} {first}"
        message = headline + (f" Also:{further}" if further else "")
    result = CheckResult(
        id=check.id,
        kind=check.kind,
        title=check.title,
        passed=outcome.passed,
        points=points,
        max_points=check.points,
        message=message,
        counterexample=outcome.counterexample,
        gate=check.gate,
        fix=outcome.fix or check.fix,
        hint=check.hint,
        failures=tuple(outcome.failed),
        notes=tuple(outcome.passed_notes),
        headline=headline,
    )
    if check.hidden:
        # Only the instructor's own words: no failing case, request, counterexample or computed fix.
        words = _sentence(check.title if outcome.passed else check.message)
        return dataclasses.replace(
            result, message=words, headline=words, counterexample=None, fix=None, failures=(), notes=(), hidden=True
        )
    return result


def score(lab: LabSpec, spec: CloudSpec, checks: tuple[CheckResult, ...]) -> LabResult:
    total = sum(check.points for check in checks)
    gates_pass = all(check.passed for check in checks if check.gate)
    return LabResult(
        lab=lab.id,
        title=lab.title,
        cloud=spec.cloud,
        score=total,
        max_score=spec.max_score,
        pass_mark=spec.pass_mark,
        passed=gates_pass and total >= spec.pass_mark,
        checks=checks,
    )


def _sentence(text: str) -> str:
    """Start with a capital and end with a stop, leaving names such as sagemaker.amazonaws.com alone."""
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
