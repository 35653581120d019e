# Vault policy for auditors (Kubernetes auth role `secure-mlops-auditor`).
# Evidence, not access: reading a key's metadata shows its versions, rotation period and
# min_decryption_version (the keys are not exportable, so no key material is returned; the
# signing key's read returns its public key only). Auditors can check manifest signatures but
# cannot sign, decrypt, create data keys or compute pseudonyms.

path "transit/keys/secure-mlops-data" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-pseudonym" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-signing" {
  capabilities = ["read"]
}
path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}
