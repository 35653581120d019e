# Vault policy for the platform team's key operations: rotate keys and retire old versions.
# It grants no data-key, decrypt or HMAC operations: operators manage keys, they do not read data.
# Paths are spelled out per key: Vault's `*` is a glob only at the end of a path, so a pattern
# like transit/keys/secure-mlops-*/rotate would match nothing but itself.

# Retiring versions (min_decryption_version) and rotation periods are configuration. Refused on
# every key: `exportable` and `allow_plaintext_backup` can never be unset and let key material
# leave Vault; `deletion_allowed` is the first step to deleting a key, and with it every object
# wrapped under it.

path "transit/keys/secure-mlops-data" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-data/rotate" {
  capabilities = ["update"]
}
path "transit/keys/secure-mlops-data/config" {
  capabilities = ["update"]
  denied_parameters = {
    "exportable"             = []
    "allow_plaintext_backup" = []
    "deletion_allowed"       = []
  }
}

path "transit/keys/secure-mlops-pseudonym" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-pseudonym/rotate" {
  capabilities = ["update"]
}
path "transit/keys/secure-mlops-pseudonym/config" {
  capabilities = ["update"]
  denied_parameters = {
    "exportable"             = []
    "allow_plaintext_backup" = []
    "deletion_allowed"       = []
  }
}

path "transit/keys/secure-mlops-signing" {
  capabilities = ["read"]
}
path "transit/keys/secure-mlops-signing/rotate" {
  capabilities = ["update"]
}
path "transit/keys/secure-mlops-signing/config" {
  capabilities = ["update"]
  denied_parameters = {
    "exportable"             = []
    "allow_plaintext_backup" = []
    "deletion_allowed"       = []
  }
}
