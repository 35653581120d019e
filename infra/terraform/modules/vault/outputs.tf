output "transit_mount" {
  description = "Path of the Transit mount (the application's SECURE_MLOPS_TRANSIT_MOUNT)."
  value       = vault_mount.transit.path
}

output "transit_key_names" {
  description = "Names of the Transit keys, by purpose (data, pseudonym, signing)."
  value       = { for purpose, key in vault_transit_secret_backend_key.this : purpose => key.name }
}

output "kubernetes_auth_path" {
  description = "Mount path of the Kubernetes auth method (the application's SECURE_MLOPS_VAULT_KUBERNETES_MOUNT)."
  value       = vault_auth_backend.kubernetes.path
}

output "kubernetes_roles" {
  description = "Each Kubernetes auth role (the application's SECURE_MLOPS_VAULT_KUBERNETES_ROLE) with the namespace and service account it is bound to."
  value = {
    for name, role in vault_kubernetes_auth_backend_role.this : name => {
      namespace       = one(role.bound_service_account_namespaces)
      service_account = one(role.bound_service_account_names)
    }
  }
}

output "human_policy_names" {
  description = "Names of the Vault policies created for people (attach them to the team's own login method)."
  value       = sort([for policy in vault_policy.humans : policy.name])
}
