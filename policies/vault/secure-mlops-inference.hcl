# Vault policy for the inference service (Kubernetes auth role `secure-mlops-inference`).
# Serving needs no key operation on data: the model is already minimized and packaged. It asks
# Vault three things. At start-up, whether its bento's provenance manifest carries a valid
# signature (verify only: it cannot sign). Per request, the keyed HMAC of correlation
# identifiers, with the pipeline's pseudonym key and the one algorithm the code uses
# (src/secure_mlops/vault/transit.py), so the pseudonyms it logs match the pipeline's; and the
# reversible token of tokenized identifiers, by encryption with the convergent token key, so
# its tokens match the pipeline's (src/secure_mlops/vault/tokens.py). Reading a token back is
# the re-identifier's alone (secure-mlops-reidentifier.hcl): a caller of the service can learn
# the token of a value it knows, never the value of a token.
# It cannot decrypt tokens or data, create or rewrap data keys, sign, read, rotate or export any
# key, or use a key for another operation than the one granted here.

path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}

path "transit/hmac/secure-mlops-pseudonym/sha2-256" {
  capabilities = ["update"]
}

path "transit/encrypt/secure-mlops-token" {
  capabilities = ["update"]
}
