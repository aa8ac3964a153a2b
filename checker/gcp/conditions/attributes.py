"""Which condition attributes a request supplies.

Resource attributes (`resource.service`, `resource.type`, `resource.name`) are supplied only by the
services listed in "Resource attributes for IAM Conditions"
(https://cloud.google.com/iam/docs/conditions-resource-attributes); for other services a condition that
reads them cannot be evaluated and grants nothing ("Attribute reference for IAM Conditions",
https://cloud.google.com/iam/docs/conditions-attribute-reference). `request.time` is supplied for every
request. Tags are read by the tag functions for every resource (tags are inherited from ancestors).
"""

from __future__ import annotations

from datetime import datetime

from checker.gcp.conditions.ir import Facts
from checker.gcp.names import ResourceName

# Services listed on the "Resource attributes for IAM Conditions" page.
RESOURCE_ATTRIBUTE_SERVICES = frozenset(
    {
        "apigee.googleapis.com",
        "bigquery.googleapis.com",
        "bigqueryreservation.googleapis.com",
        "bigtableadmin.googleapis.com",
        "binaryauthorization.googleapis.com",
        "cloudkms.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        "compute.googleapis.com",
        "connectors.googleapis.com",
        "container.googleapis.com",
        "dataform.googleapis.com",
        "firestore.googleapis.com",
        "iap.googleapis.com",
        "integrations.googleapis.com",
        "logging.googleapis.com",
        "pubsublite.googleapis.com",
        "secretmanager.googleapis.com",
        "spanner.googleapis.com",
        "sqladmin.googleapis.com",
        "storage.googleapis.com",
    }
)


def supplies_resource_attributes(service: str) -> bool:
    return service in RESOURCE_ATTRIBUTE_SERVICES


def request_facts(
    target: ResourceName,
    resource_type: str | None,
    request_time: datetime | None,
    tags: dict[str, str],
    tag_ids: dict[str, str],
    permission: str | None = None,
    load_balancing_scheme: str | None = None,
) -> Facts:
    supplied = supplies_resource_attributes(target.service)
    values: dict[str, str | datetime | None] = {
        "resource.name": target.relative if supplied else None,
        "resource.type": resource_type if supplied else None,
        "resource.service": target.service if supplied else None,
        "request.time": request_time,
        # read by compute.isForwardingRuleCreationOperation() and compute.matchLoadBalancingSchemes()
        "request.permission": permission,
        "compute.loadBalancingScheme": load_balancing_scheme,
    }
    return Facts(values, tags, tag_ids)
