# Development: short raw-data retention, governance-mode lock (privileged users can still clean
# up test records), IRSA on the shared dev cluster. Replace the example account, ARNs and URLs.
region              = "eu-central-1"
allowed_account_ids = ["111111111111"]
vault_address       = "https://vault.dev.example.com:8200"

environment      = "dev"
data_bucket_name = "example-secure-mlops-dev-data"

identity_provider = {
  type              = "irsa"
  oidc_provider_arn = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  oidc_provider_url = "https://oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

# The namespace k8s/overlays/dev/pipeline/kustomization.yaml sets.
kubeflow_namespace = "kubeflow-user-example-com"

retention = {
  raw_expiration_days                = 7
  noncurrent_version_expiration_days = 1
  abort_incomplete_upload_days       = 1
  access_log_expiration_days         = 90
}

audit_object_lock = {
  enabled        = true
  mode           = "GOVERNANCE"
  retention_days = 30
}

tags = {
  cost-center = "ml-platform"
}
