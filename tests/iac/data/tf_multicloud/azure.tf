data "azurerm_subscription" "current" {}

resource "azurerm_user_assigned_identity" "deployer" {
  name                = "fraud-deployer"
  resource_group_name = "rg-ml-fraud"
  location            = "westeurope"
}

resource "azurerm_federated_identity_credential" "github" {
  name                = "github-production"
  resource_group_name = "rg-ml-fraud"
  parent_id           = azurerm_user_assigned_identity.deployer.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = "repo:acme/fraud-model:environment:production"
  audience            = ["api://AzureADTokenExchange"]
}

resource "azurerm_role_definition" "model_reader" {
  name               = "Model Reader"
  role_definition_id = "0b5fc7a1-1111-4222-8333-944445555666"
  scope              = "${data.azurerm_subscription.current.id}/resourceGroups/rg-ml-fraud"
  permissions {
    actions      = ["Microsoft.Storage/storageAccounts/blobServices/containers/read"]
    data_actions = ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]
  }
}

resource "azurerm_role_assignment" "reader" {
  scope              = "${data.azurerm_subscription.current.id}/resourceGroups/rg-ml-fraud/providers/Microsoft.Storage/storageAccounts/acmemlartifacts"
  role_definition_id = azurerm_role_definition.model_reader.role_definition_resource_id
  principal_id       = azurerm_user_assigned_identity.deployer.principal_id
}
