"""Readers for what teams commit: Terraform, CloudFormation and GitHub Actions workflows.

Each reader turns files into `checker.iac.model` records whose policy documents keep the file, line and
column the learner wrote, so the engines (which never import this package) parse, decide and lint them as
if they were bare policy JSON. Imports: `iac -> core` only.
"""
