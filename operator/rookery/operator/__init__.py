"""Rookery's Kubernetes operator: typed custom resources, pure renderers, appliers, Kopf handlers."""

GROUP = "rookery.dev"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
FIELD_MANAGER = "rookery-operator"
