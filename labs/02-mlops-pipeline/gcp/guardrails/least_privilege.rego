# Lab 02 starter guardrail (GCP), run by the pipeline's lint job.
# It catches one kind of unsafe binding. The lab's corpus has more: add a rule per kind (README, task 5).
# input.policy is a list of bindings {resource, role, members, condition}; input.kind is "bindings".
# Rego v1; the input document is described in docs/iac.md.
package iamlab.guardrails.mlops_gcp

bindings := input.policy if is_array(input.policy)

# Basic roles grant thousands of permissions on everything below where they are bound.
deny contains {"msg": sprintf("%s binding %d grants the basic role %s", [input.name, i, b.role]), "pointer": sprintf("/%d/role", [i])} if {
	some i, b in bindings
	b.role in {"roles/owner", "roles/editor"}
}
