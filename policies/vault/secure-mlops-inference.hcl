# Vault policy for the inference service (Kubernetes auth role `secure-mlops-inference`).
# Serving needs no key operation on data: the model is already minimized and packaged. It asks
# Vault two things. At start-up, whether its bento's provenance manifest carries a valid
# signature (verify only: it cannot sign). Per request, the keyed HMAC of correlation
# identifiers, with the pipeline's pseudonym key and the one algorithm the code uses
# (src/secure_mlops/vault/transit.py), so the pseudonyms it logs match the pipeline's.
# It cannot decrypt, create or rewrap data keys, sign, read, rotate or export any key, or use a
# key for another operation than the one granted here.

path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}

path "transit/hmac/secure-mlops-pseudonym/sha2-256" {
  capabilities = ["update"]
}
