# Lab 02 reference guardrails, run by the pipeline's lint job before anything is deployed:
#   iamlab lint aws/ --rules aws/guardrails
# Each member of `deny` stops the pipeline. Rego v1; the input document is described in docs/iac.md.
package iamlab.guardrails.mlops

statements := [input.policy.Statement] if is_object(input.policy.Statement)

statements := input.policy.Statement if is_array(input.policy.Statement)

as_list(value) := [value] if is_string(value)

as_list(value) := value if is_array(value)

allows contains [index, statement] if {
	some index, statement in statements
	statement.Effect == "Allow"
}

# Actions that AWS authorizes only on "*": a wildcard resource is the only way to grant them.
resourceless := {"ecr:getauthorizationtoken", "sts:getcalleridentity"}

# 1. A wildcard action grants every action it matches, including the ones added next year.
deny contains {"msg": sprintf("%s statement %d allows the wildcard action \"%s\"; list the actions the stage calls", [input.name, index, action]), "statement": index} if {
	some [index, statement] in allows
	some action in as_list(statement.Action)
	contains(action, "*")
}

# 2. NotAction with Allow grants everything except a list: thousands of actions.
deny contains {"msg": sprintf("%s statement %d allows with NotAction, which grants every action not listed", [input.name, index]), "statement": index} if {
	some [index, statement] in allows
	statement.NotAction
}

# 3. iam:PassRole without iam:PassedToService hands the role to any service that accepts one.
deny contains {"msg": sprintf("%s statement %d allows iam:PassRole without an iam:PassedToService condition", [input.name, index]), "statement": index} if {
	some [index, statement] in allows
	some action in as_list(statement.Action)
	lower(action) == "iam:passrole"
	not passed_to_service(statement)
}

passed_to_service(statement) if {
	some operator, keys in statement.Condition
	startswith(operator, "StringEquals")
	some key, _ in keys
	lower(key) == "iam:passedtoservice"
}

# 4. Resource "*" on an action that can be scoped reaches every bucket, repository, job and role.
deny contains {"msg": sprintf("%s statement %d allows %s on every resource (\"*\"); name the resources", [input.name, index, action]), "statement": index} if {
	some [index, statement] in allows
	some resource in as_list(statement.Resource)
	resource == "*"
	some action in as_list(statement.Action)
	not resourceless[lower(action)]
}

# 5. NotResource with Allow reaches every resource except a list.
deny contains {"msg": sprintf("%s statement %d allows with NotResource, which reaches every resource not listed", [input.name, index]), "statement": index} if {
	some [index, statement] in allows
	statement.NotResource
}
