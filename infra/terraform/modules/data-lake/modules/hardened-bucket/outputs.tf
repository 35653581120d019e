output "bucket" {
  description = "Name of the hardened bucket, available once every hardening resource of the module exists."
  value       = var.bucket

  depends_on = [
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_public_access_block.this,
    aws_s3_bucket_versioning.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
    aws_s3_bucket_logging.this,
    aws_s3_bucket_notification.this,
    aws_s3_bucket_policy.this,
    aws_s3_bucket_lifecycle_configuration.this,
  ]
}
