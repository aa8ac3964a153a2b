"""IAM state held by a backend (moto, LocalStack): who holds which key, and which policies apply."""
