terraform {
  # 1.10 or newer for the S3 backend's native lock file (use_lockfile in backend.hcl).
  required_version = ">= 1.10, < 2.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.60"
    }
    vault = {
      source  = "hashicorp/vault"
      version = "~> 4.4"
    }
  }

  # Partial configuration: the state bucket, key and lock settings come from a file per
  # environment, `terraform init -backend-config=backend.hcl` (copy backend.hcl.example).
  backend "s3" {}
}
