# Vault policy for the platform team's key operations: rotate keys and retire old versions.
# It grants no data-key, decrypt or HMAC operations: operators manage keys, they do not read data.

path "transit/keys/secure-mlops-*" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-*/rotate" {
  capabilities = ["update"]
}
path "transit/keys/secure-mlops-*/config" {
  capabilities = ["update"]
}
