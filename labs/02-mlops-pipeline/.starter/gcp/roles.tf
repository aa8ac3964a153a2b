# Lab 02 starter (GCP): the three stage service accounts the fraud-model pipeline uses today. They work - and
# each one can do far more than its stage needs, and far more workflows than yours can become them.

locals {
  project = "acme-ml"
}

resource "google_iam_workload_identity_pool" "github" {
  project                   = local.project
  workload_identity_pool_id = "github"
}

# No attribute_condition: "GitHub's tokens are signed by GitHub, so they must be ours."
resource "google_iam_workload_identity_pool_provider" "github_oidc" {
  project                            = local.project
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github-oidc"
  attribute_mapping = {
    "google.subject"             = "assertion.sub"
    "attribute.repository"       = "assertion.repository"
    "attribute.repository_owner" = "assertion.repository_owner"
  }
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

locals {
  # "Any workflow of our organisation" - it was quicker than working out the subject claim.
  acme_workflows = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository_owner/acme"
}

resource "google_service_account" "build" {
  project    = local.project
  account_id = "mlops-build"
}

resource "google_service_account_iam_member" "build_federation" {
  service_account_id = google_service_account.build.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.acme_workflows
}

resource "google_project_iam_member" "build_registry" {
  project = local.project
  role    = "roles/artifactregistry.writer"
  member  = google_service_account.build.member
}

resource "google_service_account" "train" {
  project    = local.project
  account_id = "mlops-train"
}

resource "google_service_account_iam_member" "train_federation" {
  service_account_id = google_service_account.train.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.acme_workflows
}

resource "google_project_iam_member" "train_vertex" {
  project = local.project
  role    = "roles/aiplatform.user"
  member  = google_service_account.train.member
}

resource "google_project_iam_member" "train_act_as" {
  project = local.project
  role    = "roles/iam.serviceAccountUser"
  member  = google_service_account.train.member
}

resource "google_storage_bucket_iam_member" "train_data" {
  bucket = "acme-ml-datasets"
  role   = "roles/storage.objectViewer"
  member = google_service_account.train.member
}

resource "google_service_account" "deploy" {
  project    = local.project
  account_id = "mlops-deploy"
}

resource "google_service_account_iam_member" "deploy_federation" {
  service_account_id = google_service_account.deploy.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.acme_workflows
}

resource "google_project_iam_member" "deploy_vertex" {
  project = local.project
  role    = "roles/aiplatform.user"
  member  = google_service_account.deploy.member
}

# "deploy sometimes re-tags the image it ships"
resource "google_project_iam_member" "deploy_registry" {
  project = local.project
  role    = "roles/artifactregistry.writer"
  member  = google_service_account.deploy.member
}

resource "google_project_iam_member" "deploy_act_as" {
  project = local.project
  role    = "roles/iam.serviceAccountUser"
  member  = google_service_account.deploy.member
}
