"""`iamlab catalog import --cloud azure|gcp FILE`: check a role catalog exported from the cloud and keep it.

Azure: the output of `az role definition list`. GCP: `gcloud iam roles describe`/`list`. Each cloud's
`checker.<cloud>.catalog_import.import_catalog(path)` does the work and returns a summary.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

CLOUDS = ("azure", "gcp")


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="catalog_action", metavar="ACTION", required=True)
    importer = actions.add_parser("import", help="check an exported role catalog and use it from now on")
    importer.add_argument("--cloud", choices=CLOUDS, required=True, help="which cloud the export comes from")
    importer.add_argument("file", help="the exported file (az role definition list / gcloud iam roles describe)")


def run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"checker.{args.cloud}.catalog_import")
    summary: dict[str, Any] = module.import_catalog(args.file)
    print(f"imported {summary['roles']} {args.cloud} role(s) into {summary['path']}")
    for name in summary.get("differs_from_shipped") or []:
        print(f"  note: {name} differs from the role the checker ships; your export is used")
    return 0
