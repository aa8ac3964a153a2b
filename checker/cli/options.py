"""Arguments that several commands share, spelled once: which lab, cloud and files, and the backend."""

from __future__ import annotations

import argparse


def add_lab_arguments(parser: argparse.ArgumentParser) -> None:
    """LAB, --cloud and --submission, as `check` and `run` take them."""
    parser.add_argument("lab", metavar="LAB", help="lab id or number, e.g. 01-training-job or 01")
    parser.add_argument("--cloud", choices=("aws", "azure", "gcp"), help="which cloud's version (default: the lab's first)")
    parser.add_argument("--submission", metavar="DIR", help="folder with the policy files (default: the lab's cloud folder)")


def add_backend_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """--backend moto|localstack|URL; `what` says what runs there."""
    parser.add_argument(
        "--backend",
        default="moto",
        metavar="moto|localstack|URL",
        help=f"where {what} run: moto in this process (default), a running LocalStack (`make localstack`), "
        "or the http(s) URL of another AWS-compatible emulator",
    )
