"""Live labs: the project's own IAM engine in the request path of moto and LocalStack.

Rooms: `mapping/` turns an API call into IAM checks, `wire/` reads calls off HTTP, `state/` reads IAM
state from a backend, `authorize` decides with `checker.aws`, `hook` enforces in-process, `gateway/`
enforces over HTTP, `audit` and `policygen` turn decisions into a trail and into policies.
"""
