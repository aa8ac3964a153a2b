# Lab 02 reference solution (Azure): one user-assigned managed identity per pipeline stage, each trusted by
# exactly one GitHub token subject and granted its stage's operations at the narrowest scope.

locals {
  repository = "acme/fraud-model"
  github     = "https://token.actions.githubusercontent.com"
  audience   = "api://AzureADTokenExchange"
  rg         = "/subscriptions/${data.azurerm_subscription.current.subscription_id}/resourceGroups/rg-ml-fraud"
  registry   = "${local.rg}/providers/Microsoft.ContainerRegistry/registries/acmemlacr"
  workspace  = "${local.rg}/providers/Microsoft.MachineLearningServices/workspaces/fraud-ws"
  datasets   = "${local.rg}/providers/Microsoft.Storage/storageAccounts/acmemldatasets/blobServices/default/containers/fraud"
}

data "azurerm_subscription" "current" {}

# -- the three stage identities -------------------------------------------------------------------------

resource "azurerm_user_assigned_identity" "build" {
  name                = "id-mlops-build"
  resource_group_name = "rg-ml-fraud"
  location            = "eastus"
}

resource "azurerm_user_assigned_identity" "train" {
  name                = "id-mlops-train"
  resource_group_name = "rg-ml-fraud"
  location            = "eastus"
}

resource "azurerm_user_assigned_identity" "deploy" {
  name                = "id-mlops-deploy"
  resource_group_name = "rg-ml-fraud"
  location            = "eastus"
}

# -- who can become each identity: one exact GitHub subject each ----------------------------------------

resource "azurerm_federated_identity_credential" "build_main" {
  name                = "github-main"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.build.id
  issuer              = local.github
  subject             = "repo:${local.repository}:ref:refs/heads/main"
  audience            = [local.audience]
}

resource "azurerm_federated_identity_credential" "train_main" {
  name                = "github-main"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.train.id
  issuer              = local.github
  subject             = "repo:${local.repository}:ref:refs/heads/main"
  audience            = [local.audience]
}

resource "azurerm_federated_identity_credential" "deploy_production" {
  name                = "github-production"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  issuer              = local.github
  subject             = "repo:${local.repository}:environment:production"
  audience            = [local.audience]
}

# -- build: push images to the one registry ---------------------------------------------------------------

resource "azurerm_role_assignment" "build_push" {
  scope                = local.registry
  role_definition_name = "AcrPush"
  principal_id         = azurerm_user_assigned_identity.build.principal_id
}

# -- train: submit jobs in the workspace, read the dataset ------------------------------------------------

resource "azurerm_role_definition" "train_jobs" {
  name        = "mlops-train-jobs"
  scope       = local.workspace
  description = "Submit and follow training jobs in fraud-ws."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/read",
      "Microsoft.MachineLearningServices/workspaces/jobs/read",
      "Microsoft.MachineLearningServices/workspaces/jobs/write",
      "Microsoft.MachineLearningServices/workspaces/datastores/read",
    ]
  }
}

resource "azurerm_role_assignment" "train_jobs" {
  scope              = local.workspace
  role_definition_id = azurerm_role_definition.train_jobs.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.train.principal_id
}

resource "azurerm_role_assignment" "train_data" {
  scope                = local.datasets
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.train.principal_id
}

# -- deploy: online endpoints and their deployments in the workspace ------------------------------------

resource "azurerm_role_definition" "deploy_endpoints" {
  name        = "mlops-deploy-endpoints"
  scope       = local.workspace
  description = "Create and update online endpoints and deployments in fraud-ws."

  permissions {
    actions = [
      "Microsoft.MachineLearningServices/workspaces/read",
      "Microsoft.MachineLearningServices/workspaces/models/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/read",
      "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write",
    ]
  }
}

resource "azurerm_role_assignment" "deploy_endpoints" {
  scope              = local.workspace
  role_definition_id = azurerm_role_definition.deploy_endpoints.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.deploy.principal_id
}
