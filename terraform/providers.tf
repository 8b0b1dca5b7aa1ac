# The cluster itself is someone else's concern (EKS, GKE, AKS, kubeadm, k3s ...): this module
# only needs a kubeconfig that can reach it with cluster-admin rights.
provider "kubernetes" {
  config_path    = var.kubeconfig_path
  config_context = var.kube_context
}

provider "helm" {
  kubernetes = {
    config_path    = var.kubeconfig_path
    config_context = var.kube_context
  }
}
