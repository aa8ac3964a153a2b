# A small multi-tenant platform, as its team would declare it: what `iamlab drift` compares with an account.

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = {
      "managed-by" = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

variable "team" {
  type    = string
  default = "risk"
}

resource "aws_iam_policy" "team_boundary" {
  name = "team-boundary"
  path = "/teams/"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "OwnTeamObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "arn:aws:s3:::acme-ml-datasets/$${aws:PrincipalTag/team}/*"
      },
      {
        Sid      = "ListOwnPrefixWithMfa"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = "arn:aws:s3:::acme-ml-datasets"
        Condition = {
          StringLike      = { "s3:prefix" = ["$${aws:PrincipalTag/team}/*"] }
          Bool            = { "aws:MultiFactorAuthPresent" = true }
          NumericLessThan = { "aws:MultiFactorAuthAge" = 3600 }
        }
      },
      {
        Sid      = "NoBoundaryChanges"
        Effect   = "Deny"
        Action   = ["iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_policy" "read_datasets" {
  name   = "read-datasets"
  policy = file("${path.module}/read-datasets.json")
}

data "aws_iam_policy_document" "sagemaker_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "job_runner" {
  name                 = "${var.team}-job-runner"
  path                 = "/teams/${var.team}/"
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_trust.json
  permissions_boundary = aws_iam_policy.team_boundary.arn
  tags = {
    team = var.team
  }
}

resource "aws_iam_role" "growth_runner" {
  name                 = "growth-job-runner"
  path                 = "/teams/growth/"
  assume_role_policy   = data.aws_iam_policy_document.sagemaker_trust.json
  permissions_boundary = aws_iam_policy.team_boundary.arn
  tags = {
    team = "growth"
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "job"
  role   = aws_iam_role.job_runner.name
  policy = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "s3:PutObject",
          "Resource": "arn:aws:s3:::acme-ml-artifacts/${var.team}/*"
        }
      ]
    }
  JSON
}

resource "aws_iam_role_policy_attachment" "job_reads" {
  role       = aws_iam_role.job_runner.id
  policy_arn = aws_iam_policy.read_datasets.arn
}

resource "aws_iam_role" "orchestrator" {
  name = "ml-platform-orchestrator"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
  inline_policy {
    name = "launch"
    policy = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Allow", Action = "sagemaker:CreateTrainingJob", Resource = "*" }]
    })
  }
}

resource "aws_iam_group" "approvers" {
  name = "risk-approvers"
}

resource "aws_iam_group_policy" "approve" {
  name  = "approve"
  group = aws_iam_group.approvers.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.job_runner.arn }]
  })
}

resource "aws_iam_user" "alice" {
  name = "alice"
  tags = {
    team = "risk"
  }
}

resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user_group_membership" "alice" {
  user   = aws_iam_user.alice.name
  groups = [aws_iam_group.approvers.name]
}

resource "aws_iam_user_policy_attachment" "bob_reads" {
  user       = aws_iam_user.bob.name
  policy_arn = aws_iam_policy.read_datasets.arn
}

resource "aws_iam_instance_profile" "runner" {
  name = "risk-job-runner"
  role = aws_iam_role.job_runner.name
}
