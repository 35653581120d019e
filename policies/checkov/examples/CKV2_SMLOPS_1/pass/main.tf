# Passes CKV2_SMLOPS_1: the bucket's policy is attached in a module, as infra/terraform does it
# (checkov connects aws_s3_bucket_policy.this to aws_s3_bucket.example through var.bucket).
resource "aws_s3_bucket" "example" {
  bucket = "secure-mlops-example"
}

module "hardening" {
  source = "./hardening"
  bucket = aws_s3_bucket.example.id
  policy = file("${path.module}/deny-plain-http.json")
}
