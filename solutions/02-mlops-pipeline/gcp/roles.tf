# Lab 02 reference solution (GCP): one service account per pipeline stage, impersonated through workload
# identity federation only by the GitHub job that runs the stage, each granted exactly its stage's job.

locals {
  project    = "acme-ml"
  repository = "acme/fraud-model"
  # principal://.../subject/SUB names exactly one GitHub subject claim (google.subject = assertion.sub).
  principal = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject"
}

resource "google_iam_workload_identity_pool" "github" {
  project                   = local.project
  workload_identity_pool_id = "github"
}

resource "google_iam_workload_identity_pool_provider" "github_oidc" {
  project                            = local.project
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github-oidc"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  # Only tokens of this one repository are exchanged at all (the pool is then no use to any other repository).
  attribute_condition = "assertion.repository == '${local.repository}'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

# -- build: push the image to the one repository ----------------------------------------------------------
resource "google_service_account" "build" {
  project    = local.project
  account_id = "mlops-build"
}

resource "google_service_account_iam_member" "build_from_main" {
  service_account_id = google_service_account.build.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"
}

resource "google_artifact_registry_repository_iam_member" "build_pushes" {
  project    = local.project
  location   = "us-central1"
  repository = "fraud-train"
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

# -- train: start fraud-* Vertex AI custom jobs as fraud-training, read the dataset -------------------------
resource "google_service_account" "train" {
  project    = local.project
  account_id = "mlops-train"
}

resource "google_service_account_iam_member" "train_from_main" {
  service_account_id = google_service_account.train.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${local.principal}/repo:${local.repository}:ref:refs/heads/main"
}

resource "google_project_iam_custom_role" "trainer" {
  project     = local.project
  role_id     = "mlopsTrainer"
  title       = "MLOps trainer"
  permissions = ["aiplatform.customJobs.create", "aiplatform.customJobs.get", "aiplatform.customJobs.list", "aiplatform.customJobs.cancel"]
}

resource "google_project_iam_member" "train_runs_jobs" {
  project = local.project
  role    = google_project_iam_custom_role.trainer.name
  member  = google_service_account.train.member
}

resource "google_storage_bucket_iam_member" "train_reads_dataset" {
  bucket = "acme-ml-datasets"
  role   = "roles/storage.objectViewer"
  member = google_service_account.train.member
  condition {
    title      = "fraud-v3-only"
    expression = "resource.name.startsWith(\"projects/_/buckets/acme-ml-datasets/objects/fraud/v3/\")"
  }
}

# The custom job runs as fraud-training (lab 01's account): actAs on that one account, nowhere else.
resource "google_service_account_iam_member" "train_acts_as_training" {
  service_account_id = "projects/acme-ml/serviceAccounts/fraud-training@acme-ml.iam.gserviceaccount.com"
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.train.member
}

# -- deploy: upload the model and deploy it to an endpoint, from the production environment only ----------
resource "google_service_account" "deploy" {
  project    = local.project
  account_id = "mlops-deploy"
}

resource "google_service_account_iam_member" "deploy_from_production" {
  service_account_id = google_service_account.deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "${local.principal}/repo:${local.repository}:environment:production"
}

resource "google_project_iam_custom_role" "deployer" {
  project = local.project
  role_id = "mlopsDeployer"
  title   = "MLOps deployer"
  permissions = [
    "aiplatform.models.upload", "aiplatform.models.get",
    "aiplatform.endpoints.create", "aiplatform.endpoints.get", "aiplatform.endpoints.deploy",
  ]
}

resource "google_project_iam_member" "deploy_serves_models" {
  project = local.project
  role    = google_project_iam_custom_role.deployer.name
  member  = google_service_account.deploy.member
}

# The deployed model serves as fraud-model: actAs on that one account, nowhere else.
resource "google_service_account_iam_member" "deploy_acts_as_model" {
  service_account_id = "projects/acme-ml/serviceAccounts/fraud-model@acme-ml.iam.gserviceaccount.com"
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.deploy.member
}
