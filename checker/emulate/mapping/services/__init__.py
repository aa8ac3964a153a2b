"""One mapping table per AWS service the labs use, keyed by botocore's service name."""
