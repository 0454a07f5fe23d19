# Session logs to a central log-archive bucket owned by another account. The bucket owner must also grant the role
# in the bucket policy (and in the key policy of the bucket's KMS key): see the module README, "Cross-account bucket".
# It calls the logging submodule, which always needs a log destination, instead of the root module.
terraform {
  required_version = ">= 1.3.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.72.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "log_archive_account_id" {
  description = "Account that owns the central session-log bucket."
  type        = string
  default     = "444455556666"
}

module "ssm_role" {
  source = "../../modules/session-manager-role-logging"

  role_name                  = "app-session-manager"
  s3_bucket_name             = "example-org-session-logs"
  s3_key_prefix              = "sessions/workloads"
  s3_bucket_owner_account_id = var.log_archive_account_id
  s3_kms_key_arn             = "arn:aws:kms:us-east-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab"
}

output "role_arn" {
  description = "Give this ARN to the bucket owner for the bucket and key policies."
  value       = module.ssm_role.arn
}
