# Vault policy for re-identifiers: the few people who may turn reversible tokens back into values
# (`secure-mlops detokenize`). Attached by the team to their own login method, like the operator
# and key-shredder policies; no workload holds it.
# Decrypt with the token key only: no encryption (making tokens is the pipeline's job), no other
# key, no key management. Every call is recorded in the audit store by the command, and Vault's
# own audit device logs the request.
path "transit/decrypt/secure-mlops-token" {
  capabilities = ["update"]
}
