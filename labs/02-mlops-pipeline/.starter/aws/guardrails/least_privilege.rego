# Lab 02 starter guardrail, run by the pipeline's lint job: iamlab lint aws/ --rules aws/guardrails
# It catches one kind of unsafe policy. The lab's corpus has more: add a rule per kind (README, task 4).
# Rego v1; the input document ({"name", "kind", "policy", "statements", ...}) is described in docs/iac.md.
package iamlab.guardrails.mlops

statements := [input.policy.Statement] if is_object(input.policy.Statement)

statements := input.policy.Statement if is_array(input.policy.Statement)

as_list(value) := [value] if is_string(value)

as_list(value) := value if is_array(value)

# A wildcard action grants every action it matches, including the ones added next year.
deny contains {"msg": sprintf("%s statement %d allows the wildcard action \"%s\"", [input.name, index, action]), "statement": index} if {
	some index, statement in statements
	statement.Effect == "Allow"
	some action in as_list(statement.Action)
	contains(action, "*")
}
