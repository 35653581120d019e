# Vault policy for the inference service (Kubernetes auth role `secure-mlops-inference`).
# Serving needs no key operation on data: the model is already minimized and packaged. The one
# thing it may ask Vault is whether a provenance manifest's signature is valid before it loads a
# model. It cannot decrypt, create data keys, compute pseudonyms or sign.

path "transit/verify/secure-mlops-signing" {
  capabilities = ["update"]
}
