"""Reading AWS API calls off the wire: SigV4 verification and botocore-model-driven request parsing."""
