# Lab 02 reference guardrails (Azure), run by the pipeline's lint job before anything is deployed:
#   iamlab lint azure/ --rules azure/guardrails --azure-subscription SUBSCRIPTION
# The input's policy holds the Azure resources as the grader reads them: role_assignments, custom_roles and
# federated_credentials (docs/iac.md). Each member of `deny` stops the pipeline. Rego v1.
package iamlab.guardrails.mlops_azure

assignments := object.get(input.policy, "role_assignments", [])

custom_roles := object.get(input.policy, "custom_roles", [])

credentials := object.get(input.policy, "federated_credentials", [])

# Built-in roles that hold far more than a pipeline stage: everything (Owner, Contributor) or the power to
# grant roles or act as other identities (role assignment writes, identity assign, federated credentials).
broad_roles := {
	"owner", "contributor", "user access administrator", "role based access control administrator",
	"managed identity operator", "managed identity contributor",
}

role_of(assignment) := object.get(assignment, "role", object.get(assignment, "roleDefinitionId", ""))

# 1. An assignment at the root, a management group, a subscription or a resource group reaches every
#    resource below it: every registry, workspace and identity of the team.
deny contains {"msg": sprintf("%s: role assignment %d is at %s, above any one resource; assign at the registry, workspace or container", [input.name, index, assignment.scope]), "pointer": sprintf("/role_assignments/%d/scope", [index])} if {
	some index, assignment in assignments
	not contains(lower(assignment.scope), "/providers/microsoft.")
}

deny contains {"msg": sprintf("%s: role assignment %d is at a management group (%s)", [input.name, index, assignment.scope]), "pointer": sprintf("/role_assignments/%d/scope", [index])} if {
	some index, assignment in assignments
	startswith(lower(assignment.scope), "/providers/microsoft.management/")
}

# 2. Broad built-in roles.
deny contains {"msg": sprintf("%s: role assignment %d grants %s, far more than one stage needs", [input.name, index, role_of(assignment)]), "pointer": sprintf("/role_assignments/%d", [index])} if {
	some index, assignment in assignments
	lower(role_of(assignment)) in broad_roles
}

# 3. Wildcards in a custom role grant every operation they match, including the ones added next year.
deny contains {"msg": sprintf("%s: custom role %s allows the wildcard operation \"%s\"; list the operations the stage calls", [input.name, role.roleName, operation]), "pointer": sprintf("/custom_roles/%d", [index])} if {
	some index, role in custom_roles
	some permission in role.permissions
	some field in ["actions", "dataActions"]
	some operation in object.get(permission, field, [])
	contains(operation, "*")
}

# 4. Federated credentials: only GitHub's issuer, only the Entra token-exchange audience, and an exact
#    subject (Entra matches it exactly: a "*" is a literal character that no GitHub token carries).
deny contains {"msg": sprintf("%s: federated credential %s trusts the issuer %s, not GitHub Actions", [input.name, credential.name, credential.issuer]), "pointer": sprintf("/federated_credentials/%d/issuer", [index])} if {
	some index, credential in credentials
	credential.issuer != "https://token.actions.githubusercontent.com"
}

deny contains {"msg": sprintf("%s: federated credential %s accepts the audience %s; use api://AzureADTokenExchange", [input.name, credential.name, audience]), "pointer": sprintf("/federated_credentials/%d/audiences", [index])} if {
	some index, credential in credentials
	some audience in credential.audiences
	audience != "api://AzureADTokenExchange"
}

deny contains {"msg": sprintf("%s: federated credential %s has the subject %s; Entra compares subjects exactly, so write the one subject the job sends", [input.name, credential.name, credential.subject]), "pointer": sprintf("/federated_credentials/%d/subject", [index])} if {
	some index, credential in credentials
	contains(credential.subject, "*")
}
