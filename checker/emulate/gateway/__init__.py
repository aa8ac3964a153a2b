"""The enforcing gateway: an AWS-compatible HTTP endpoint in front of moto or LocalStack."""
