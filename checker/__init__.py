"""iamlab checker: grades least-privilege IAM policies for AI/ML workloads offline."""

__version__ = "0.1.0"
