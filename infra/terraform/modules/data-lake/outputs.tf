output "bucket_id" {
  description = "Name of the data bucket."
  value       = aws_s3_bucket.data.id
}

output "bucket_arn" {
  description = "ARN of the data bucket."
  value       = aws_s3_bucket.data.arn
}

output "audit_bucket_arn" {
  description = "ARN of the bucket holding audit/: the object-locked audit bucket, or the data bucket when object lock is off."
  value       = local.separate_audit_bucket ? aws_s3_bucket.audit[0].arn : aws_s3_bucket.data.arn
}

output "kms_key_arn" {
  description = "ARN of the customer-managed SSE-KMS key. Uploads naming another key are denied: a client that names one must give this ARN (not the key ID or alias), or name none to use the bucket default."
  value       = aws_kms_key.data.arn
}

output "prefixes" {
  description = "S3 URI of each prefix of the lake, by name (raw, datasets, artifacts, models, reports, audit)."
  value = {
    for prefix in local.prefixes : trimsuffix(prefix, "/") => "s3://${prefix == "audit/" && local.separate_audit_bucket ? local.audit_bucket_name : aws_s3_bucket.data.id}/${prefix}"
  }
}
