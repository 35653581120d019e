# Production: compliance-mode lock on audit records (nobody, not even the account root, can
# delete them early), longer log retention, Vault tokens bound to the pod network. Replace the
# example account, ARNs, URLs and CIDRs.
region              = "eu-central-1"
allowed_account_ids = ["222222222222"]
vault_address       = "https://vault.example.com:8200"

environment      = "prod"
data_bucket_name = "example-secure-mlops-prod-data"

# IRSA, like k8s/overlays/prod (its service accounts carry the role-arn annotation). With
# type = "pod_identity" and cluster_name instead, drop those annotations.
identity_provider = {
  type              = "irsa"
  oidc_provider_arn = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE0PROD0CLUSTER0ISSUER00000"
  oidc_provider_url = "https://oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE0PROD0CLUSTER0ISSUER00000"
}

# The namespace k8s/overlays/prod/pipeline/kustomization.yaml sets.
kubeflow_namespace = "kubeflow-user-example-com"

retention = {
  raw_expiration_days                = 30
  noncurrent_version_expiration_days = 7
  abort_incomplete_upload_days       = 1
  access_log_expiration_days         = 400
}

audit_object_lock = {
  enabled        = true
  mode           = "COMPLIANCE"
  retention_days = 2555 # seven years
}

vault_token_bound_cidrs = ["10.20.0.0/16"]

vault_transit = {
  data_key_rotation_period_seconds    = 2592000 # 30 days
  signing_key_rotation_period_seconds = 7776000 # 90 days
  min_version = {
    data      = 1
    pseudonym = 1
    signing   = 1
  }
}

tags = {
  cost-center = "ml-platform"
  data-class  = "personal"
}
