"""Lab 02 live check (AWS): the pipeline's jobs run on moto, each as its own stage role, through the enforcer.

Each job presents a GitHub Actions OIDC token with that job's claims to AssumeRoleWithWebIdentity. The
claims follow GitHub's documentation ("OpenID Connect reference", docs.github.com): "sub" is
`repo:ORG/REPO:ref:refs/heads/BRANCH` for a job without an environment, `repo:ORG/REPO:environment:NAME`
for a job that references an environment ("If the job references an environment, the subject claim
includes the environment name"), `repo:ORG/REPO:pull_request` for a pull request; "aud" is what
configure-aws-credentials asks for, `sts.amazonaws.com`.

build logs in to ECR, uploads the image's layer (the registry API's part of `docker push`: the upload id
InitiateLayerUpload answers is handed to the next steps) and pushes the image manifest; train reads the
dataset manifest and starts the training job as fraud-training-role; deploy creates the model (as
fraud-model-role), the endpoint configuration and the endpoint. Rogue steps: the build job deploys an endpoint,
the train job hands an admin role to its training job, the deploy job reads the dataset, and a pull
request's token asks for the deploy role.
"""

from __future__ import annotations

import hashlib
import json

from checker.emulate.pipeline import Pipeline, Stage
from checker.emulate.workload import Earlier, Step

ACCOUNT = "111122223333"
REGION = "us-east-1"
REPOSITORY = "acme/fraud-model"
DATASETS = "acme-ml-datasets"
ARTIFACTS = "acme-ml-artifacts"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/fraud-train:2026-12-05"
RUN = "fraud-2026-12-05"
TRAINING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/fraud-training-role"
MODEL_ROLE = f"arn:aws:iam::{ACCOUNT}:role/fraud-model-role"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml-platform-admin"
LAYER = b"fraud-train image layer\n"
LAYER_DIGEST = "sha256:" + hashlib.sha256(LAYER).hexdigest()
MANIFEST = json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest":
               "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(LAYER),
                "digest": LAYER_DIGEST}],
})


def _claims(sub: str, **extra: str) -> dict[str, str]:
    """A push-to-main run's token claims, with the job's own `sub` and extras (environment, ref)."""
    return {
        "sub": sub,
        "aud": "sts.amazonaws.com",
        "repository": REPOSITORY,
        "repository_owner": "acme",
        "ref": "refs/heads/main",
        "ref_type": "branch",
        "event_name": "push",
        "workflow": "mlops",
        "job_workflow_ref": f"{REPOSITORY}/.github/workflows/mlops.yml@refs/heads/main",
        **extra,
    }


def _training_job(role: str, name: str = RUN) -> dict[str, object]:
    return {
        "TrainingJobName": name,
        "RoleArn": role,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{DATASETS}/fraud/v3/"}}}],
        "OutputDataConfig": {"S3OutputPath": f"s3://{ARTIFACTS}/fraud/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": True,
    }


MAIN = _claims(f"repo:{REPOSITORY}:ref:refs/heads/main")
PRODUCTION = _claims(f"repo:{REPOSITORY}:environment:production", environment="production")
PULL_REQUEST = _claims(f"repo:{REPOSITORY}:pull_request", ref="refs/pull/7/merge", event_name="pull_request")

WORKLOAD = Pipeline(
    account=ACCOUNT,
    region=REGION,
    objects={DATASETS: {"fraud/v3/manifest.json": b'{"files": ["part-0.csv"]}', "fraud/v3/part-0.csv": b"a,b\n"}},
    repositories=("fraud-train",),
    other_roles=("fraud-training-role", "fraud-model-role", "ml-platform-admin"),
    stages=(
        Stage("build", "mlops-build", MAIN, (
            Step("log in to ECR", "ecr", "GetAuthorizationToken"),
            # What `docker push` does for each layer (ECR API Reference: "This operation is used by the Amazon ECR
            # proxy and is not generally used by customers for pulling and pushing images").
            Step("ask which layers the repository already has", "ecr", "BatchCheckLayerAvailability",
                 {"repositoryName": "fraud-train", "layerDigests": [LAYER_DIGEST]}),
            Step("start the layer upload", "ecr", "InitiateLayerUpload", {"repositoryName": "fraud-train"}),
            Step("upload the layer", "ecr", "UploadLayerPart",
                 {"repositoryName": "fraud-train", "uploadId": Earlier("uploadId"), "partFirstByte": 0,
                  "partLastByte": len(LAYER) - 1, "layerPartBlob": LAYER}),
            Step("finish the layer upload", "ecr", "CompleteLayerUpload",
                 {"repositoryName": "fraud-train", "uploadId": Earlier("uploadId"), "layerDigests": [LAYER_DIGEST]}),
            Step("push the image manifest", "ecr", "PutImage",
                 {"repositoryName": "fraud-train", "imageManifest": MANIFEST, "imageTag": "2026-12-05"}),
            Step("deploy an endpoint from the build job", "sagemaker", "CreateEndpoint",
                 {"EndpointName": "fraud-prod", "EndpointConfigName": RUN}, rogue=True),
        )),
        Stage("train", "mlops-train", MAIN, (
            Step("read the dataset manifest", "s3", "GetObject", {"Bucket": DATASETS, "Key": "fraud/v3/manifest.json"}),
            Step("start the training job as fraud-training-role", "sagemaker", "CreateTrainingJob",
                 _training_job(TRAINING_ROLE)),
            Step("start a training job as the admin role ml-platform-admin", "sagemaker", "CreateTrainingJob",
                 _training_job(ADMIN_ROLE, f"{RUN}-x"), rogue=True),
        )),
        Stage("deploy", "mlops-deploy", PRODUCTION, (
            Step("create the model as fraud-model-role", "sagemaker", "CreateModel", {
                "ModelName": RUN, "ExecutionRoleArn": MODEL_ROLE,
                "PrimaryContainer": {"Image": IMAGE,
                                     "ModelDataUrl": f"s3://{ARTIFACTS}/fraud/models/{RUN}/output/model.tar.gz"}}),
            Step("create the endpoint configuration", "sagemaker", "CreateEndpointConfig", {
                "EndpointConfigName": RUN, "ProductionVariants": [{
                    "VariantName": "main", "ModelName": RUN, "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large"}]}),
            Step("create the endpoint", "sagemaker", "CreateEndpoint",
                 {"EndpointName": "fraud-prod", "EndpointConfigName": RUN}),
            Step("read the training dataset from the deploy job", "s3", "GetObject",
                 {"Bucket": DATASETS, "Key": "fraud/v3/manifest.json"}, rogue=True),
        )),
        Stage("a pull request", "mlops-deploy", PULL_REQUEST, rogue=True),
    ),
)
