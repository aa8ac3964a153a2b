"""Lab 01 live check: the fraud-detection training job, run under the learner's role on moto.

The job lists and reads its dataset prefix and writes its model. Then it tries what a compromised job
would. Logs and metrics are left out: the lab tolerates them but does not require them, and a live step
is either required or must be denied. `iamlab` runs it with `checker.emulate.workload.run_workload`: the
job's own steps must succeed and every rogue step must be denied.
"""

from __future__ import annotations

from checker.emulate.workload import Step, Workload

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROLE = "fraud-training-role"
DATASETS = "acme-ml-datasets"
ARTIFACTS = "acme-ml-artifacts"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
ADMIN_ROLE = "ml-platform-admin"


def _training_job(name: str, role: str) -> dict[str, object]:
    return {
        "TrainingJobName": name,
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
            "TrainingInputMode": "File",
        },
        "OutputDataConfig": {"S3OutputPath": f"s3://{ARTIFACTS}/fraud/models/"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "EnableNetworkIsolation": True,
    }


WORKLOAD = Workload(
    role=ROLE,
    account=ACCOUNT,
    region=REGION,
    objects={
        DATASETS: {
            "fraud/v3/train.csv": b"amount,label\n12.5,0\n9000,1\n",
            "fraud/v3/validation.csv": b"amount,label\n10,0\n",
            "customers/pii.csv": b"name,card\nalice,4111\n",
        },
        ARTIFACTS: {"fraud/models/.keep": b""},
    },
    other_roles=(ADMIN_ROLE,),
    log_groups=(LOG_GROUP,),
    steps=(
        Step("list the dataset prefix", "s3", "ListObjectsV2", {"Bucket": DATASETS, "Prefix": "fraud/v3/"}),
        Step("read the training data", "s3", "GetObject", {"Bucket": DATASETS, "Key": "fraud/v3/train.csv"}),
        Step(
            "read the validation data",
            "s3",
            "GetObject",
            {"Bucket": DATASETS, "Key": "fraud/v3/validation.csv"},
        ),
        Step(
            "write the model",
            "s3",
            "PutObject",
            {"Bucket": ARTIFACTS, "Key": "fraud/models/model.tar.gz", "Body": b"model-weights"},
        ),
        Step(
            "read another prefix (customer PII)",
            "s3",
            "GetObject",
            {"Bucket": DATASETS, "Key": "customers/pii.csv"},
            rogue=True,
        ),
        Step("list the whole dataset bucket", "s3", "ListObjectsV2", {"Bucket": DATASETS}, rogue=True),
        Step(
            "poison the dataset",
            "s3",
            "PutObject",
            {"Bucket": DATASETS, "Key": "fraud/v3/train.csv", "Body": b"amount,label\n9000,0\n"},
            rogue=True,
        ),
        Step(
            "delete the training data",
            "s3",
            "DeleteObject",
            {"Bucket": DATASETS, "Key": "fraud/v3/train.csv"},
            rogue=True,
        ),
        Step("list every bucket in the account", "s3", "ListBuckets", {}, rogue=True),
        Step("create an IAM user (a backdoor)", "iam", "CreateUser", {"UserName": "backdoor"}, rogue=True),
        Step(
            "start another training job",
            "sagemaker",
            "CreateTrainingJob",
            _training_job("crypto-miner", ROLE),
            rogue=True,
        ),
        Step(
            "pass the admin role to a new job",
            "sagemaker",
            "CreateTrainingJob",
            _training_job("fraud-escalate", ADMIN_ROLE),
            rogue=True,
        ),
    ),
)
