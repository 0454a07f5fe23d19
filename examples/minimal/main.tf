# The smallest setup: a role and instance profile that let EC2 instances open Session Manager sessions. Without a
# log destination the root module grants Session Manager only.
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

  role_name = "app-session-manager"
  tags = {
    team = "platform"
  }
}

output "instance_profile_name" {
  value = module.ssm_role.instance_profile_name
}

output "pass_role_policy_json" {
  value = module.ssm_role.pass_role_policy_json
}
