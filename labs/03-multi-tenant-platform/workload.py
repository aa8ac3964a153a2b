"""Lab 03 live check: the orchestrator launches one job of a team on moto, through the enforcer.

WORKLOAD is a function of the team and the job (the live check's `fill`): the job role lives under the
team's path with the tag team=<team> and the learner's boundary, holds whatever its admin attached (here
everything, the worst case), and runs with the learner's session policy filled for this job and the
session tags team and job. The job reads its dataset and writes its model; the rogue steps are what a
compromised job would try: the other team's data, another job's data, retagging itself into the other
team, detaching its boundary, creating an unbounded role.
"""

from __future__ import annotations

from checker.emulate.workload import Step, Workload

ACCOUNT = "111122223333"
REGION = "eu-west-1"
DATASETS = "acme-ml-datasets"
ARTIFACTS = "acme-ml-artifacts"
TEAMS = ("risk", "growth")
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def WORKLOAD(team: str, job: str) -> Workload:  # noqa: N802 - the live check looks for this name
    other = next(t for t in TEAMS if t != team)
    role = f"{team}-job-runner"
    objects = {
        f"{t}/{j}/part-0.csv": f"{t},{j}\n".encode() for t in TEAMS for j in (job, "train-002")
    }
    return Workload(
        role=role,
        account=ACCOUNT,
        region=REGION,
        role_path=f"/teams/{team}/",
        role_tags={"team": team},
        role_policies=(EVERYTHING,),
        session_name=job,
        session_tags={"team": team, "job": job},
        objects={DATASETS: objects, ARTIFACTS: {f"{team}/{job}/.keep": b""}},
        steps=(
            Step("list its dataset", "s3", "ListObjectsV2", {"Bucket": DATASETS, "Prefix": f"{team}/{job}/"}),
            Step("read its dataset", "s3", "GetObject", {"Bucket": DATASETS, "Key": f"{team}/{job}/part-0.csv"}),
            Step(
                "write its model",
                "s3",
                "PutObject",
                {"Bucket": ARTIFACTS, "Key": f"{team}/{job}/model.tar.gz", "Body": b"weights"},
            ),
            Step(
                f"read team {other}'s data",
                "s3",
                "GetObject",
                {"Bucket": DATASETS, "Key": f"{other}/{job}/part-0.csv"},
                rogue=True,
            ),
            Step(
                "read another job's data of its own team",
                "s3",
                "GetObject",
                {"Bucket": DATASETS, "Key": f"{team}/train-002/part-0.csv"},
                rogue=True,
            ),
            Step(
                f"retag its role into team {other}",
                "iam",
                "TagRole",
                {"RoleName": role, "Tags": [{"Key": "team", "Value": other}]},
                rogue=True,
            ),
            Step("detach its permissions boundary", "iam", "DeleteRolePermissionsBoundary", {"RoleName": role}, rogue=True),
            Step(
                "create a role without the boundary",
                "iam",
                "CreateRole",
                {
                    "RoleName": f"{team}-escape",
                    "Path": f"/teams/{team}/",
                    "AssumeRolePolicyDocument": '{"Version": "2012-10-17", "Statement": []}',
                    "Tags": [{"Key": "team", "Value": team}],
                },
                rogue=True,
            ),
        ),
    )
