locals {
  charts_dir     = coalesce(var.charts_dir, "${path.module}/../platform-charts")
  argocd_dir     = "${local.charts_dir}/argocd"
  secret_name    = "rookery-datastores"
  use_helm       = var.install_mode == "helm"
  use_argocd     = var.install_mode == "argocd"
  image_values   = { repository = var.image_repository, tag = var.image_tag }
  platform_files = var.gpu ? ["values.yaml", "values-gpu.yaml"] : ["values.yaml"]

  # the module's values; var.operator_values / var.platform_values go on top (Helm merges them
  # deeply; ArgoCD's valuesObject gets a shallow merge: top-level keys replace)
  operator_values = {
    image = merge(local.image_values, { pullPolicy = "IfNotPresent" })
  }

  platform_values = {
    tenant = {
      name  = var.tenant_name
      host  = var.tenant_host
      image = merge(local.image_values, { pullPolicy = "IfNotPresent" })
    }
    datastores = { secretName = local.secret_name, create = false }
  }

  labels = {
    "app.kubernetes.io/part-of"    = "rookery"
    "app.kubernetes.io/managed-by" = "terraform"
  }
}

# ------------------------------------------------------------------------------------- namespaces

resource "kubernetes_namespace_v1" "operator" {
  metadata {
    name = var.operator_namespace
    labels = merge(local.labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
      "pod-security.kubernetes.io/warn"    = "restricted"
    })
  }
}

resource "kubernetes_namespace_v1" "tenant" {
  metadata {
    name = var.tenant_namespace
    labels = merge(local.labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
      "pod-security.kubernetes.io/warn"    = "restricted"
    })
  }
}

# -------------------------------------------------------------------------- the datastores Secret

# The only Secret the operator may read (its ClusterRole names it); the pods read every key
# through secretKeyRef env vars. Values come from var.datastores (sensitive), never from git.
resource "kubernetes_secret_v1" "datastores" {
  metadata {
    name      = local.secret_name
    namespace = kubernetes_namespace_v1.tenant.metadata[0].name
    labels    = local.labels
  }
  type = "Opaque"
  data = {
    "postgres-dsn"             = var.datastores.postgres_dsn
    "redis-url"                = var.datastores.redis_url
    "kafka-bootstrap"          = var.datastores.kafka_bootstrap
    "cassandra-contact-points" = var.datastores.cassandra_contact_points
    "search-url"               = var.datastores.search_url
    "oidc-issuer"              = var.datastores.oidc_issuer
  }
}

# ------------------------------------------------------------------ install_mode = "helm": releases

resource "helm_release" "operator" {
  count     = local.use_helm ? 1 : 0
  name      = "rookery-operator"
  chart     = "${local.charts_dir}/rookery-operator"
  namespace = kubernetes_namespace_v1.operator.metadata[0].name
  values    = [yamlencode(local.operator_values), yamlencode(var.operator_values)]
  wait      = true
  timeout   = 600
}

resource "helm_release" "platform" {
  count     = local.use_helm ? 1 : 0
  name      = var.tenant_name
  chart     = "${local.charts_dir}/rookery-platform"
  namespace = kubernetes_namespace_v1.tenant.metadata[0].name
  values = concat(
    [for f in local.platform_files : file("${local.charts_dir}/rookery-platform/${f}")],
    [yamlencode(local.platform_values), yamlencode(var.platform_values)],
  )
  # the custom resources need the operator's CRDs, and the tenant needs its Secret
  depends_on = [helm_release.operator, kubernetes_secret_v1.datastores]
}
