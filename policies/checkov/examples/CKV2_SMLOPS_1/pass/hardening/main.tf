variable "bucket" {
  description = "Name of the bucket the policy is attached to."
  type        = string
}

variable "policy" {
  description = "The bucket policy, a JSON document."
  type        = string
}

resource "aws_s3_bucket_policy" "this" {
  bucket = var.bucket
  policy = var.policy
}
