# One IAM role per workload identity, assumable only by one service account in one namespace of
# the existing cluster (IRSA or EKS Pod Identity). Trust and permissions policies are rendered
# from policies/iam/, the same files the policy tests check.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  policies_dir = "${path.module}/../../../../policies"
  irsa         = var.identity_provider.type == "irsa"

  # The IRSA condition keys are "<issuer host and path>:sub|aud", without the scheme.
  oidc_provider = local.irsa ? trimprefix(var.identity_provider.oidc_provider_url, "https://") : ""
  cluster_arn = local.irsa ? "" : format(
    "arn:%s:eks:%s:%s:cluster/%s",
    data.aws_partition.current.partition, data.aws_region.current.name,
    data.aws_caller_identity.current.account_id, var.identity_provider.cluster_name,
  )

  trust_policies = {
    for key, workload in var.workloads : key => local.irsa ? templatefile("${local.policies_dir}/iam/trust-irsa.json.tftpl", {
      oidc_provider_arn = var.identity_provider.oidc_provider_arn
      oidc_provider     = local.oidc_provider
      namespace         = workload.namespace
      service_account   = workload.service_account
      }) : templatefile("${local.policies_dir}/iam/trust-pod-identity.json.tftpl", {
      cluster_arn     = local.cluster_arn
      namespace       = workload.namespace
      service_account = workload.service_account
    })
  }
}

resource "aws_iam_role" "this" {
  for_each = var.workloads

  name                 = "secure-mlops-${var.environment}-${each.key}"
  description          = "secure-mlops ${each.key}: service account ${each.value.namespace}/${each.value.service_account}"
  assume_role_policy   = local.trust_policies[each.key]
  max_session_duration = var.max_session_duration_seconds
  permissions_boundary = var.permissions_boundary_arn
  tags                 = var.tags
}

# An inline policy lives and dies with its role: it cannot be attached to anything else.
resource "aws_iam_role_policy" "this" {
  for_each = var.workloads

  name = each.value.policy
  role = aws_iam_role.this[each.key].id
  policy = templatefile("${local.policies_dir}/iam/${each.value.policy}.json.tftpl", {
    bucket_arn       = var.data_lake.bucket_arn
    audit_bucket_arn = var.data_lake.audit_bucket_arn
    kms_key_arn      = var.data_lake.kms_key_arn
    region           = data.aws_region.current.name
  })
}

resource "aws_eks_pod_identity_association" "this" {
  for_each = local.irsa ? {} : var.workloads

  cluster_name    = var.identity_provider.cluster_name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = aws_iam_role.this[each.key].arn
  tags            = var.tags
}
