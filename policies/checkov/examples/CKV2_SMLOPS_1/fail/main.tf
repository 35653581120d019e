# Fails CKV2_SMLOPS_1: the bucket is otherwise hardened, but nothing attaches a policy to it, so
# it accepts plain-HTTP requests.
resource "aws_s3_bucket" "example" {
  bucket = "secure-mlops-example"
}

resource "aws_s3_bucket_public_access_block" "example" {
  bucket                  = aws_s3_bucket.example.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
