# Vault policy for the deployer (Kubernetes auth role `secure-mlops-deployer`).
# A release is rendered and applied only after the signed provenance manifest verifies; signing
# stays with the pipeline, so a compromised deployer cannot mint a manifest for a model the
# pipeline never produced. No data key, decrypt or HMAC access.

path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}
