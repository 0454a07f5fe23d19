# Session logs to an S3 bucket (SSE-KMS) and a CloudWatch Logs log group in the role's own account: the root module
# adds the permissions for each destination that is set.
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

module "ssm_role" {
  source = "../../terraform-aws-session-manager-role"

  role_name                 = "app-session-manager"
  s3_bucket_name            = "example-session-logs"
  s3_key_prefix             = "sessions/"
  s3_kms_key_arn            = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  cloudwatch_log_group_name = "/ssm/sessions"
}

output "instance_profile_name" {
  value = module.ssm_role.instance_profile_name
}

output "policy_json" {
  value = module.ssm_role.policy_json
}
