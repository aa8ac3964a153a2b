# An example guardrail for `iamlab lint --rules docs/rego`: deny every Allow statement whose
# actions include a wildcard ("*", "s3:*", "s3:Get*"). Rego v1; the input document is described in docs/iac.md.
package iamlab.guardrails.wildcards

# A statement's Action may be one string or a list of strings.
actions(statement) := [statement.Action] if is_string(statement.Action)

actions(statement) := statement.Action if is_array(statement.Action)

statements := [input.policy.Statement] if is_object(input.policy.Statement)

statements := input.policy.Statement if is_array(input.policy.Statement)

deny contains finding if {
	some index, statement in statements
	statement.Effect == "Allow"
	some action in actions(statement)
	contains(action, "*")
	finding := {
		"msg": sprintf("%s statement %d allows the wildcard action \"%s\"; list the actions the workload calls", [input.name, index, action]),
		"statement": index,
	}
}
