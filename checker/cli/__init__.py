"""The `iamlab` command line: thin wrappers that parse arguments and call the rooms below."""
