# Vault policy for pipeline steps (minimize, encrypt, train, package).
# Least privilege: each Transit key is usable only for the one operation its step needs.
# Keys cannot be read, exported, rotated, configured or deleted with this policy;
# rotation belongs to the operator policy.

# Envelope encryption: a fresh data key per object (plaintext + wrapped), unwrap on read.
path "transit/datakey/plaintext/secure-mlops-data" {
  capabilities = ["update"]
}
path "transit/decrypt/secure-mlops-data" {
  capabilities = ["update"]
}
path "transit/rewrap/secure-mlops-data" {
  capabilities = ["update"]
}

# Pseudonymization: keyed HMAC-SHA256 only; the key itself never leaves Vault.
path "transit/hmac/secure-mlops-pseudonym/sha2-256" {
  capabilities = ["update"]
}

# Reversible tokens (contract action `tokenize`): encrypt only, with the derived convergent token
# key. Reading tokens back is the re-identifier's alone (secure-mlops-reidentifier.hcl).
path "transit/encrypt/secure-mlops-token" {
  capabilities = ["update"]
}

# Provenance manifests: sign and verify with the signing key.
path "transit/sign/secure-mlops-signing" {
  capabilities = ["update"]
}
path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}
