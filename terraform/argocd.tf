# install_mode = "argocd": the project and the two Applications of platform-charts/argocd/, pointed
# at var.git_repo_url / var.git_revision and this module's namespaces. ArgoCD (and its CRDs) must
# already run in var.argocd_namespace: kubernetes_manifest needs the CRDs at plan time.

locals {
  argocd_project = yamldecode(file("${local.argocd_dir}/project.yaml"))
  argocd_apps = {
    operator = {
      doc       = yamldecode(file("${local.argocd_dir}/rookery-operator.yaml"))
      namespace = var.operator_namespace
      files     = ["values.yaml"]
      values    = merge(local.operator_values, var.operator_values)
    }
    platform = {
      doc       = yamldecode(file("${local.argocd_dir}/rookery-platform.yaml"))
      namespace = var.tenant_namespace
      files     = local.platform_files
      values    = merge(local.platform_values, var.platform_values)
    }
  }
}

resource "kubernetes_manifest" "argocd_project" {
  count = local.use_argocd ? 1 : 0
  manifest = merge(local.argocd_project, {
    metadata = merge(local.argocd_project.metadata, { namespace = var.argocd_namespace })
    spec = merge(local.argocd_project.spec, {
      sourceRepos = [var.git_repo_url]
      destinations = [
        for ns in [var.operator_namespace, var.tenant_namespace] :
        { server = "https://kubernetes.default.svc", namespace = ns }
      ]
    })
  })
}

resource "kubernetes_manifest" "argocd_application" {
  for_each = local.use_argocd ? local.argocd_apps : {}
  manifest = merge(each.value.doc, {
    metadata = merge(each.value.doc.metadata, { namespace = var.argocd_namespace })
    spec = merge(each.value.doc.spec, {
      source = merge(each.value.doc.spec.source, {
        repoURL        = var.git_repo_url
        targetRevision = var.git_revision
        helm = merge(each.value.doc.spec.source.helm, {
          valueFiles   = each.value.files
          valuesObject = each.value.values
          # the image comes from var.image_repository / var.image_tag, not from Jenkins' bumps
          parameters = []
        })
      })
      destination = merge(each.value.doc.spec.destination, { namespace = each.value.namespace })
    })
  })
  depends_on = [kubernetes_manifest.argocd_project, kubernetes_secret_v1.datastores]
}
