# Lab 02 starter guardrail (Azure), run by the pipeline's lint job:
#   iamlab lint azure/ --rules azure/guardrails --azure-subscription SUBSCRIPTION
# It catches one kind of unsafe change. The lab's corpus has more: add a rule per kind (README, task 5).
# The input's policy holds role_assignments, custom_roles and federated_credentials (docs/iac.md). Rego v1.
package iamlab.guardrails.mlops_azure

assignments := object.get(input.policy, "role_assignments", [])

# Owner can do everything, including granting roles.
deny contains {"msg": sprintf("%s: role assignment %d grants Owner", [input.name, index]), "pointer": sprintf("/role_assignments/%d", [index])} if {
	some index, assignment in assignments
	assignment.role == "Owner"
}
