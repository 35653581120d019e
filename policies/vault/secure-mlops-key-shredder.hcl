# Vault policy for crypto-shredding: permanently deleting retired Transit key versions (`trim`).
# Kept apart from the operator policy on purpose (two people, two policies): the operator raises
# min_decryption_version, which is reversible; trimming below it destroys those versions for good,
# and every data key wrapped under them with them. Attach it to a break-glass identity only.
# The signing key is excluded: trimming it would make past provenance manifests unverifiable.

path "transit/keys/secure-mlops-data" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-data/trim" {
  capabilities = ["update"]
}
path "transit/keys/secure-mlops-pseudonym" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-pseudonym/trim" {
  capabilities = ["update"]
}
