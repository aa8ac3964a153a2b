resource "google_service_account" "deployer" {
  account_id = "fraud-deployer"
  project    = "acme-ml"
}

resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = "github"
}

resource "google_iam_workload_identity_pool_provider" "acme" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "acme"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "github_impersonates" {
  service_account_id = google_service_account.deployer.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository/acme/fraud-model"
}

resource "google_storage_bucket_iam_member" "models" {
  bucket = "acme-ml-artifacts"
  role   = "roles/storage.objectViewer"
  member = google_service_account.deployer.member
  condition {
    title      = "fraud-only"
    expression = "resource.name.startsWith('projects/_/buckets/acme-ml-artifacts/objects/fraud/')"
  }
}

resource "google_project_iam_custom_role" "reader" {
  role_id     = "modelReader"
  project     = "acme-ml"
  title       = "Model reader"
  permissions = ["storage.objects.get", "storage.objects.list"]
}
