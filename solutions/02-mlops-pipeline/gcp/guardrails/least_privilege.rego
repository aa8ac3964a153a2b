# Lab 02 reference guardrails (GCP), run by the pipeline's lint job before anything is deployed.
# input.policy is a list of bindings {resource, role, members, condition}; input.kind is "bindings".
# Each member of `deny` stops the pipeline. Rego v1; the input document is described in docs/iac.md.
package iamlab.guardrails.mlops_gcp

bindings := input.policy if is_array(input.policy)

# Basic roles grant thousands of permissions on everything below where they are bound.
basic_roles := {"roles/owner", "roles/editor", "roles/viewer"}

# Roles that act as, or mint credentials for, service accounts: on a project they reach every account in it.
takeover_roles := {
	"roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator",
	"roles/iam.serviceAccountKeyAdmin", "roles/iam.workloadIdentityUser", "roles/iam.serviceAccountAdmin",
}

deny contains {"msg": sprintf("%s binding %d grants the basic role %s; grant predefined or custom roles", [input.name, i, b.role]), "pointer": sprintf("/%d/role", [i])} if {
	some i, b in bindings
	basic_roles[b.role]
}

deny contains {"msg": sprintf("%s binding %d grants %s to %s: anyone on the internet or with a Google account", [input.name, i, b.role, m]), "pointer": sprintf("/%d/members", [i])} if {
	some i, b in bindings
	some m in b.members
	m in {"allUsers", "allAuthenticatedUsers"}
}

deny contains {"msg": sprintf("%s binding %d grants %s on %s, which reaches every service account below it; bind it on the one account", [input.name, i, b.role, b.resource]), "pointer": sprintf("/%d/resource", [i])} if {
	some i, b in bindings
	takeover_roles[b.role]
	not startswith(b.resource, "//iam.googleapis.com/")
}

deny contains {"msg": sprintf("%s binding %d lets the set %s impersonate %s; name one principal://.../subject/SUB", [input.name, i, m, b.resource]), "pointer": sprintf("/%d/members", [i])} if {
	some i, b in bindings
	takeover_roles[b.role]
	some m in b.members
	startswith(m, "principalSet://")
}

deny contains {"msg": sprintf("%s binding %d grants the admin role %s; a stage never administers a service", [input.name, i, b.role]), "pointer": sprintf("/%d/role", [i])} if {
	some i, b in bindings
	endswith(lower(b.role), "admin")
}
