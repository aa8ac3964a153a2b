"""GitHub Actions workflows (`.github/workflows/*.yml`): per job, the OIDC tokens it can present and the roles
or identities it exchanges them for.

The facts come from GitHub's documentation:
- "OpenID Connect reference" (docs.github.com/en/actions/reference/security/oidc): `iss` is
  https://token.actions.githubusercontent.com; `aud` is by default the URL of the repository owner; `sub` is
  `repo:ORG/REPO:environment:NAME` "when the job references an environment", `repo:ORG/REPO:pull_request`
  "when the workflow is triggered by a pull request event, but only if the job doesn't reference an
  environment", otherwise `repo:ORG/REPO:ref:refs/heads/BRANCH` or `repo:ORG/REPO:ref:refs/tags/TAG`;
  `job_workflow_ref` is the path of the workflow the job runs, `@` the ref.
- "GITHUB_TOKEN reference": `id-token` is `none` by default (permissive and restricted), so a job can request
  a token only with `id-token: write` (or `write-all`); a job-level `permissions` replaces the workflow's,
  and naming one scope sets every other scope to none.
- The actions' own READMEs: aws-actions/configure-aws-credentials (`role-to-assume`, `audience`, default
  `sts.amazonaws.com`), azure/login (`client-id`, `audience`, default `api://AzureADTokenExchange`),
  google-github-actions/auth (`workload_identity_provider`, `service_account`, `audience`, default
  `https://iam.googleapis.com/` + the provider's name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, load_document, pointer_join
from checker.iac.model import Assumption, Workflow, WorkflowJob

ISSUER = "https://token.actions.githubusercontent.com"
# Events whose runs get the `pull_request` subject ("triggered by a pull request event").
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
# Token-exchanging actions: name -> (cloud, input naming the target, default audience or None).
ACTIONS = {
    "aws-actions/configure-aws-credentials": ("aws", "role-to-assume", "sts.amazonaws.com"),
    "azure/login": ("azure", "client-id", "api://AzureADTokenExchange"),
    "google-github-actions/auth": ("gcp", "workload_identity_provider", None),
}


@dataclass(frozen=True)
class Setting:
    """What a workflow file does not say: the repository it lives in and its default branch."""

    repository: str | None = None  # "OWNER/REPO"; without it no token claims are computed
    default_branch: str = "main"


def read_workflow(path: str | Path, setting: Setting | None = None) -> Workflow:
    document = load_document(path)
    return _Reader(document, setting or Setting()).workflow()


class _Reader:
    def __init__(self, document: LoadedDocument, setting: Setting) -> None:
        self.document = document
        self.setting = setting
        if not isinstance(document.data, dict):
            raise InputError("a workflow is a mapping with `on` and `jobs`", document.locate(""))
        self.data: dict[Any, Any] = document.data

    def at(self, pointer: str) -> Where:
        return self.document.locate(pointer)

    def workflow(self) -> Workflow:
        # YAML 1.1 reads a bare `on` key as true; GitHub reads it as the name "on".
        triggers = self.data.get("on", self.data.get(True))
        if triggers is None:
            raise InputError("the workflow has no `on` triggers", self.at(""))
        events = self._events(triggers)
        jobs = self.data.get("jobs")
        if not isinstance(jobs, dict) or not jobs:
            raise InputError("the workflow has no jobs", self.at("/jobs"))
        workflow_permissions = self.data.get("permissions")
        top_grants = _grants_id_token(workflow_permissions, self.at("/permissions"))
        made = tuple(self._job(str(job_id), job, events, workflow_permissions) for job_id, job in jobs.items())
        return Workflow(
            path=self.document.path,
            name=self.data.get("name") if isinstance(self.data.get("name"), str) else None,
            events=tuple(events),
            jobs=made,
            permissions_where=self.at("/permissions") if "permissions" in self.data else None,
            grants_token_at_workflow_level=top_grants,
        )

    def _events(self, triggers: Any) -> dict[str, Any]:
        if isinstance(triggers, str):
            return {triggers: None}
        if isinstance(triggers, list):
            return {str(t): None for t in triggers}
        if isinstance(triggers, dict):
            return {str(k): v for k, v in triggers.items()}
        raise InputError("`on` must name events", self.at("/on"))

    def _job(self, job_id: str, job: Any, events: dict[str, Any], workflow_permissions: Any) -> WorkflowJob:
        pointer = pointer_join("/jobs", job_id)
        if not isinstance(job, dict):
            raise InputError(f"job {job_id} must be a mapping", self.at(pointer))
        permission_where: Where | None
        level: str | None
        if "permissions" in job:
            grants = _grants_id_token(job["permissions"], self.at(pointer + "/permissions"))
            permission_where, level = self.at(pointer + "/permissions"), "job"
        else:
            grants = _grants_id_token(workflow_permissions, self.at("/permissions"))
            permission_where = self.at("/permissions") if "permissions" in self.data else None
            level = "workflow" if "permissions" in self.data else None
        environment = job.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        needs = job.get("needs") or []
        needs = (needs,) if isinstance(needs, str) else tuple(str(n) for n in needs)
        condition = job.get("if")
        reusable = job.get("uses") if isinstance(job.get("uses"), str) else None
        assumes = tuple(self._assumptions(pointer, job))
        tokens = self._tokens(events, environment, reusable, assumes) if grants else ()
        return WorkflowJob(
            workflow=self.document.path,
            job_id=job_id,
            where=self.at(pointer),
            can_request_token=grants,
            permission_where=permission_where if grants else None,
            permission_level=level if grants else None,
            environment=str(environment) if environment is not None else None,
            needs=needs,
            continue_on_error=job.get("continue-on-error", False),
            condition=str(condition) if condition is not None else None,
            assumes=assumes,
            tokens=tokens,
            reusable_workflow=reusable,
            commands=tuple(
                str(step.get("run") or step.get("uses") or "")
                for step in (job.get("steps") or [])
                if isinstance(step, dict)
            ),
        )

    def _assumptions(self, pointer: str, job: dict[str, Any]) -> list[Assumption]:
        steps = job.get("steps") or []
        if not isinstance(steps, list):
            raise InputError("steps must be a list", self.at(pointer + "/steps"))
        found: list[Assumption] = []
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or not isinstance(step.get("uses"), str):
                continue
            uses: str = step["uses"]
            name = uses.split("@", 1)[0].lower()
            if name not in ACTIONS:
                continue
            cloud, target_input, default_audience = ACTIONS[name]
            inputs = step.get("with") or {}
            if not isinstance(inputs, Mapping):
                raise InputError("`with` must be a mapping", self.at(f"{pointer}/steps/{index}/with"))
            target = inputs.get(target_input)
            if cloud == "aws" and target is None:
                continue  # access keys, not a token exchange
            audience = inputs.get("audience")
            if audience is None:
                audience = default_audience or f"https://iam.googleapis.com/{target}"
            found.append(
                Assumption(
                    cloud=cloud,
                    action=uses,
                    target=str(target) if target is not None else None,
                    audience=str(audience),
                    where=self.at(f"{pointer}/steps/{index}"),
                    service_account=str(inputs["service_account"]) if "service_account" in inputs else None,
                )
            )
        return found

    def _tokens(self, events: dict[str, Any], environment: Any, reusable: str | None,
                assumes: tuple[Assumption, ...]) -> tuple[dict[str, str], ...]:
        repository = self.setting.repository
        if repository is None:
            return ()
        owner = repository.split("/", 1)[0]
        audiences = sorted({a.audience for a in assumes}) or [f"https://github.com/{owner}"]
        tokens: list[dict[str, str]] = []
        for event, ref in self._runs(events):
            if environment is not None:
                sub = f"repo:{repository}:environment:{environment}"
            elif event in PULL_REQUEST_EVENTS:
                sub = f"repo:{repository}:pull_request"
            else:
                sub = f"repo:{repository}:ref:{ref}"
            workflow_path = _workflow_path(self.document.path)
            workflow_ref = f"{repository}/{workflow_path}@{ref}"
            job_workflow_ref = workflow_ref
            if reusable is not None:
                job_workflow_ref = (f"{repository}/{reusable.removeprefix('./')}@{ref}" if reusable.startswith("./")
                                    else reusable)
            for audience in audiences:
                claims = {
                    "iss": ISSUER,
                    "aud": audience,
                    "sub": sub,
                    "repository": repository,
                    "repository_owner": owner,
                    "ref": ref,
                    "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
                    "event_name": event,
                    "workflow_ref": workflow_ref,
                    "job_workflow_ref": job_workflow_ref,
                }
                if environment is not None:
                    claims["environment"] = str(environment)
                if claims not in tokens:
                    tokens.append(claims)
        return tuple(tokens)

    def _runs(self, events: dict[str, Any]) -> list[tuple[str, str]]:
        """(event, ref) pairs a run can have; a branch or tag pattern stands for one example name."""
        default = f"refs/heads/{self.setting.default_branch}"
        runs: list[tuple[str, str]] = []
        for event, config in events.items():
            config = config if isinstance(config, dict) else {}
            if event in PULL_REQUEST_EVENTS:
                runs.append((event, "refs/pull/1/merge"))
            elif event == "push":
                branches = _names(config.get("branches"))
                tags = _names(config.get("tags"))
                if not branches and not tags:
                    branches = [self.setting.default_branch]
                runs.extend((event, f"refs/heads/{_example(b)}") for b in branches)
                runs.extend((event, f"refs/tags/{_example(t)}") for t in tags)
            elif event == "release":
                runs.append((event, "refs/tags/v1.0.0"))
            else:  # workflow_dispatch, schedule, workflow_run, ...: the default branch stands for them
                runs.append((event, default))
        return runs


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if not str(v).startswith("!")]


def _example(pattern: str) -> str:
    """A concrete name a branch/tag filter admits (`release/**` -> `release/example`)."""
    return pattern.replace("**", "example").replace("*", "example").replace("?", "x")


def _workflow_path(path: str) -> str:
    parts = Path(path).parts
    if ".github" in parts:
        return "/".join(parts[parts.index(".github"):])
    return f".github/workflows/{Path(path).name}"


def _grants_id_token(permissions: Any, where: Where) -> bool:
    """Whether a `permissions` value gives the GITHUB_TOKEN `id-token: write` (absent: the default, none)."""
    if permissions is None:
        return False
    if isinstance(permissions, str):
        if permissions not in ("write-all", "read-all"):
            raise InputError(f"permissions must be read-all, write-all or a mapping, not {permissions!r}", where)
        return permissions == "write-all"
    if not isinstance(permissions, dict):
        raise InputError("permissions must be read-all, write-all or a mapping of scopes", where)
    level = permissions.get("id-token")
    if level not in (None, "write", "none", "read"):
        raise InputError(f"id-token must be write or none, not {level!r}", where)
    return level == "write"
