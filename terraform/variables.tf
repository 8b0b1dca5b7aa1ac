variable "kubeconfig_path" {
  description = "Path of the kubeconfig used to reach the cluster."
  type        = string
}

variable "kube_context" {
  description = "Context in the kubeconfig; null: its current context."
  type        = string
  default     = null
}

variable "install_mode" {
  description = "helm: install both charts as Helm releases; argocd: create the ArgoCD project and Applications and let ArgoCD sync them."
  type        = string
  default     = "helm"

  validation {
    condition     = contains(["helm", "argocd"], var.install_mode)
    error_message = "install_mode must be helm or argocd."
  }
}

variable "operator_namespace" {
  description = "Namespace of the operator (Pod Security: restricted)."
  type        = string
  default     = "rookery-system"
}

variable "tenant_namespace" {
  description = "Namespace of the SocialTenant, its Deployments and the datastores Secret."
  type        = string
  default     = "rookery"
}

variable "tenant_name" {
  description = "Name of the SocialTenant (also its Kafka topic prefix and keyspace; unique per Kafka/Cassandra cluster)."
  type        = string
  default     = "rookery"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.tenant_name)) && length(var.tenant_name) <= 63
    error_message = "tenant_name must be a DNS label (lower case letters, digits and '-', at most 63)."
  }
}

variable "tenant_host" {
  description = "Public host name of the instance (the Ingress host)."
  type        = string
}

variable "image_repository" {
  description = "Repository of the one Rookery image (operator and every role)."
  type        = string
  default     = "ghcr.io/rookery-social/rookery"
}

variable "image_tag" {
  description = "Tag of the Rookery image; empty: the charts' appVersion."
  type        = string
  default     = ""
}

variable "gpu" {
  description = "Render the platform with values-gpu.yaml (split topology, feed shards, GPU ranking and embedding models)."
  type        = bool
  default     = false
}

variable "datastores" {
  description = "Where the tenant's datastores are; becomes the rookery-datastores Secret (keys postgres-dsn, redis-url, kafka-bootstrap, cassandra-contact-points, search-url, oidc-issuer)."
  type = object({
    postgres_dsn             = string
    redis_url                = string
    kafka_bootstrap          = string
    cassandra_contact_points = string
    search_url               = string
    oidc_issuer              = string
  })
  sensitive = true
}

variable "operator_values" {
  description = "Extra values of the rookery-operator chart (merged over the module's)."
  type        = any
  default     = {}
}

variable "platform_values" {
  description = "Extra values of the rookery-platform chart (merged over the module's)."
  type        = any
  default     = {}
}

variable "charts_dir" {
  description = "Folder holding the rookery-operator and rookery-platform charts; null: platform-charts/ of this repository."
  type        = string
  default     = null
}

variable "argocd_namespace" {
  description = "Namespace ArgoCD runs in (install_mode = argocd; ArgoCD and its CRDs must already be installed)."
  type        = string
  default     = "argocd"
}

variable "git_repo_url" {
  description = "Git repository ArgoCD syncs the charts from (install_mode = argocd)."
  type        = string
  default     = "https://github.com/rookery-social/rookery.git"
}

variable "git_revision" {
  description = "Branch, tag or commit ArgoCD syncs (install_mode = argocd)."
  type        = string
  default     = "main"
}
