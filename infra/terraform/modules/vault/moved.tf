# The three Transit keys were three resources; they are one resource with an instance per
# purpose now. These blocks let an existing state follow: a plan shows the moves and changes
# nothing. Without them Terraform would try to destroy the keys (which deletion_allowed = false
# refuses) and create new ones, and every object wrapped under the old keys would be lost.

moved {
  from = vault_transit_secret_backend_key.data
  to   = vault_transit_secret_backend_key.this["data"]
}

moved {
  from = vault_transit_secret_backend_key.pseudonym
  to   = vault_transit_secret_backend_key.this["pseudonym"]
}

moved {
  from = vault_transit_secret_backend_key.signing
  to   = vault_transit_secret_backend_key.this["signing"]
}
