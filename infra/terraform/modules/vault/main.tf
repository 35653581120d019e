# Vault for secure-mlops: the Transit keys (keys never leave Vault), the Kubernetes auth method
# with one role per workload identity, and one policy per role loaded from policies/vault/.
#
# The mount path and key names are fixed: they are the application's defaults
# (src/secure_mlops/config.py) and the paths the policy files grant.

locals {
  policies_dir  = "${path.module}/../../../../policies"
  transit_mount = "transit"

  # The Transit keys, by purpose. Only the HMAC key has a size of its own (32 bytes); it has no
  # automatic rotation: HMAC uses the newest version, so a rotation re-keys every pseudonym and
  # breaks joins with earlier datasets. Rotate it by hand, as a deliberate re-pseudonymization.
  transit_keys = {
    data      = { name = "secure-mlops-data", type = "aes256-gcm96", key_size = null, auto_rotate_period = var.vault_transit.data_key_rotation_period_seconds }
    pseudonym = { name = "secure-mlops-pseudonym", type = "hmac", key_size = 32, auto_rotate_period = 0 }
    signing   = { name = "secure-mlops-signing", type = "ed25519", key_size = null, auto_rotate_period = var.vault_transit.signing_key_rotation_period_seconds }
  }
}

resource "vault_mount" "transit" {
  path        = local.transit_mount
  type        = "transit"
  description = "secure-mlops: data-key KEK, pseudonymization HMAC key, provenance signing key"
}

# Every key: not exportable, no plaintext backup, not deletable. The first two can never be
# unset once set; deletion would destroy every object wrapped under the key at once.
# min_version sets both min_decryption_version and min_encryption_version: Vault's `trim`
# (crypto-shredding) refuses to run while min_encryption_version is 0, and refuses to lower
# either below the trimmed versions afterwards. Encryption still uses the newest version.
resource "vault_transit_secret_backend_key" "this" {
  for_each = local.transit_keys

  backend                = vault_mount.transit.path
  name                   = each.value.name
  type                   = each.value.type
  key_size               = each.value.key_size
  auto_rotate_period     = each.value.auto_rotate_period
  min_decryption_version = var.vault_transit.min_version[each.key]
  min_encryption_version = var.vault_transit.min_version[each.key]
  exportable             = false
  allow_plaintext_backup = false
  deletion_allowed       = false
}

# Reversible tokens (contract action `tokenize`): convergent encryption with a key derived per
# column (the context), so equal values give equal tokens and joins keep working. A resource of
# its own: derived and convergent_encryption are fixed at creation. Same protections as the keys
# above; no automatic rotation, because a new version gives every value a new token (tokens made
# before still decrypt) and breaks joins with earlier datasets.
resource "vault_transit_secret_backend_key" "token" {
  backend                = vault_mount.transit.path
  name                   = "secure-mlops-token"
  type                   = "aes256-gcm96"
  derived                = true
  convergent_encryption  = true
  auto_rotate_period     = 0
  exportable             = false
  allow_plaintext_backup = false
  deletion_allowed       = false
}

resource "vault_auth_backend" "kubernetes" {
  type        = "kubernetes"
  path        = var.vault_kubernetes_auth.mount_path
  description = "secure-mlops workloads log in with their service-account token"

  tune {
    default_lease_ttl = "15m"
    max_lease_ttl     = "1h"
  }
}

resource "vault_kubernetes_auth_backend_config" "this" {
  backend            = vault_auth_backend.kubernetes.path
  kubernetes_host    = var.vault_kubernetes_auth.kubernetes_host
  kubernetes_ca_cert = var.vault_kubernetes_auth.kubernetes_ca_cert
}

resource "vault_policy" "roles" {
  for_each = var.roles

  name   = each.key
  policy = file("${local.policies_dir}/vault/${each.key}.hcl")
}

resource "vault_policy" "humans" {
  for_each = var.human_policies

  name   = each.key
  policy = file("${local.policies_dir}/vault/${each.key}.hcl")
}

resource "vault_kubernetes_auth_backend_role" "this" {
  for_each = var.roles

  backend   = vault_auth_backend.kubernetes.path
  role_name = each.key
  # Exactly one service account in exactly one namespace (the variable refuses wildcards).
  bound_service_account_names      = [each.value.service_account]
  bound_service_account_namespaces = [each.value.namespace]
  audience                         = var.vault_kubernetes_auth.audience
  # The entity alias follows the account's UID: a deleted and re-created account of the same
  # name does not inherit the old one's identity.
  alias_name_source = "serviceaccount_uid"
  token_policies    = [vault_policy.roles[each.key].name]
  token_ttl         = each.value.token_ttl_seconds
  token_max_ttl     = each.value.token_max_ttl_seconds
  token_bound_cidrs = var.vault_token_bound_cidrs
  token_type        = "service"
}
