output "operator_namespace" {
  description = "Namespace the operator runs in."
  value       = kubernetes_namespace_v1.operator.metadata[0].name
}

output "tenant_namespace" {
  description = "Namespace of the SocialTenant."
  value       = kubernetes_namespace_v1.tenant.metadata[0].name
}

output "datastores_secret" {
  description = "Name of the datastores Secret (in tenant_namespace) the tenant's spec.datastores points at."
  value       = kubernetes_secret_v1.datastores.metadata[0].name
}

output "tenant_name" {
  description = "Name of the SocialTenant (kubectl -n <tenant_namespace> get socialtenant <name>)."
  value       = var.tenant_name
}

output "tenant_url" {
  description = "Public URL of the instance."
  value       = "https://${var.tenant_host}"
}

output "helm_releases" {
  description = "Helm releases installed (install_mode = helm), name => chart version."
  value       = { for r in concat(helm_release.operator, helm_release.platform) : r.name => r.metadata.version }
}

output "argocd_applications" {
  description = "ArgoCD Applications created (install_mode = argocd)."
  value       = [for a in kubernetes_manifest.argocd_application : a.manifest.metadata.name]
}
