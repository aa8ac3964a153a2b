# Lab 02 starter (Azure): one user-assigned managed identity per stage, federated from GitHub Actions.
# The pipeline works with these - and so would a pull request, a fork and a compromised build step.

locals {
  repository = "acme/fraud-model"
  github     = "https://token.actions.githubusercontent.com"
  rg         = "/subscriptions/${data.azurerm_subscription.current.subscription_id}/resourceGroups/rg-ml-fraud"
  workspace  = "${local.rg}/providers/Microsoft.MachineLearningServices/workspaces/fraud-ws"
}

data "azurerm_subscription" "current" {}

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

# Trusted for main - and for pull requests, so that PR builds can push a preview image.
resource "azurerm_federated_identity_credential" "build_main" {
  name                = "github-main"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.build.id
  issuer              = local.github
  subject             = "repo:${local.repository}:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange", "https://github.com/acme"]
}

resource "azurerm_federated_identity_credential" "build_pr" {
  name                = "github-pull-request"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.build.id
  issuer              = local.github
  subject             = "repo:${local.repository}:pull_request"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "train_main" {
  name                = "github-main"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.train.id
  issuer              = local.github
  subject             = "repo:${local.repository}:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange"]
}

# The deploy job runs on main, so it trusts main.
resource "azurerm_federated_identity_credential" "deploy_main" {
  name                = "github-main"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.deploy.id
  issuer              = local.github
  subject             = "repo:${local.repository}:ref:refs/heads/main"
  audience            = ["api://AzureADTokenExchange"]
}

# build: push to "the registry" - assigned on the resource group, so every registry in it.
resource "azurerm_role_assignment" "build_push" {
  scope                = local.rg
  role_definition_name = "AcrPush"
  principal_id         = azurerm_user_assigned_identity.build.principal_id
}

# train and deploy: the built-in data scientist role does everything in the workspace.
resource "azurerm_role_assignment" "train_workspace" {
  scope                = local.workspace
  role_definition_name = "AzureML Data Scientist"
  principal_id         = azurerm_user_assigned_identity.train.principal_id
}

resource "azurerm_role_assignment" "train_data" {
  scope                = "${local.rg}/providers/Microsoft.Storage/storageAccounts/acmemldatasets"
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.train.principal_id
}

resource "azurerm_role_assignment" "deploy_workspace" {
  scope                = local.workspace
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.deploy.principal_id
}
