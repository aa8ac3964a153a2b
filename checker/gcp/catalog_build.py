"""Regenerate checker/gcp/data/roles.json from the public iam-dataset snapshot (maintainers only).

Usage: python -m checker.gcp.catalog_build [PATH_TO/gcp-predefined-roles.json]
Only the roles the labs use are shipped; the audit test checks them against the dataset.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SHIPPED_ROLES = (
    "roles/owner",
    "roles/editor",
    "roles/viewer",
    "roles/storage.admin",
    "roles/storage.objectViewer",
    "roles/storage.objectCreator",
    "roles/storage.objectUser",
    "roles/storage.objectAdmin",
    "roles/storage.legacyBucketReader",
    "roles/storage.legacyBucketWriter",
    "roles/storage.legacyBucketOwner",
    "roles/storage.legacyObjectReader",
    "roles/storage.legacyObjectOwner",
    "roles/aiplatform.user",
    "roles/aiplatform.viewer",
    "roles/aiplatform.customCodeServiceAgent",
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.workloadIdentityUser",
    "roles/resourcemanager.projectIamAdmin",
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/artifactregistry.reader",
    "roles/artifactregistry.writer",
    "roles/secretmanager.secretAccessor",
    "roles/bigquery.dataViewer",
    "roles/bigquery.jobUser",
    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
)

DEFAULT_DATASET = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "iam-dataset" / "gcp-predefined-roles.json"
)
OUTPUT = Path(__file__).resolve().parent / "data" / "roles.json"


def build(dataset: Path) -> dict[str, object]:
    source = json.loads(dataset.read_text(encoding="utf-8"))
    roles: dict[str, object] = {}
    for name in SHIPPED_ROLES:
        if name not in source:
            continue  # e.g. a role the dataset does not have; the audit test reports it
        entry = source[name]
        roles[name] = {
            "title": entry["title"],
            "stage": entry["stage"],
            "includedPermissions": sorted(entry["includedPermissions"]),
        }
    return {
        "source": "iann0036/iam-dataset 2073fa52ac008a45477aa0b1b4580cd99135bf60 (MIT), subset",
        "roles": roles,
    }


def main(argv: list[str]) -> int:
    dataset = Path(argv[0]) if argv else DEFAULT_DATASET
    data = build(dataset)
    roles = data["roles"]
    assert isinstance(roles, dict)
    # One role per line keeps diffs readable and the file small.
    lines = ["{", f'  "source": {json.dumps(data["source"])},', '  "roles": {']
    items = list(roles.items())
    for index, (name, entry) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(entry, separators=(',', ':'))}{comma}")
    lines += ["  }", "}", ""]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {len(roles)} roles to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
