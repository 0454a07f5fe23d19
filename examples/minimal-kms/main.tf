# Session data encrypted with a KMS key (the key chosen in the Session Manager preferences).
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
  region = "eu-west-1"
}

variable "session_kms_key_arn" {
  description = "ARN of the KMS key that encrypts Session Manager session data."
  type        = string
  default     = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

module "ssm_role" {
  source = "../../terraform-aws-session-manager-role"

  role_name            = "app-session-manager"
  path                 = "/instances/"
  max_session_duration = 7200
  kms_key_arn          = var.session_kms_key_arn
}

output "role_arn" {
  value = module.ssm_role.arn
}

output "policy_json" {
  value = module.ssm_role.policy_json
}
