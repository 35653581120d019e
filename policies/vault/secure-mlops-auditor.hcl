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

# `secure-mlops audit --live` compares each policy on the server with policies/vault/<name>.hcl.
# Policy texts hold paths and capabilities, no secret. One exact path per policy Terraform
# writes: a glob would also show policies this project does not own.
path "sys/policies/acl/secure-mlops-auditor" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-deployer" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-inference" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-key-shredder" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-operator" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-pipeline" {
  capabilities = ["read"]
}
path "sys/policies/acl/secure-mlops-reidentifier" {
  capabilities = ["read"]
}
