# Lab 02 reference solution (AWS, Terraform): one role per pipeline stage, each assumable only by the
# GitHub Actions jobs that need it, each allowed exactly its stage's calls.

variable "account" {
  type    = string
  default = "111122223333"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

locals {
  repository = "acme/fraud-model"
  oidc_host  = "token.actions.githubusercontent.com"
  ecr_repo   = "arn:aws:ecr:${var.region}:${var.account}:repository/fraud-train"
  sagemaker  = "arn:aws:sagemaker:${var.region}:${var.account}"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

# Who may become each role: a GitHub token for this repository, for the STS audience, and
# - build and train: only runs of the main branch (sub repo:acme/fraud-model:ref:refs/heads/main);
# - deploy: only jobs in the production environment (sub repo:acme/fraud-model:environment:production).
data "aws_iam_policy_document" "main_branch" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["repo:${local.repository}:ref:refs/heads/main"]
    }
  }
}

data "aws_iam_policy_document" "production" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["repo:${local.repository}:environment:production"]
    }
  }
}

# Build: log in to ECR and push one repository's image layers. GetAuthorizationToken has no resource.
resource "aws_iam_role" "build" {
  name               = "mlops-build"
  assume_role_policy = data.aws_iam_policy_document.main_branch.json
}

resource "aws_iam_role_policy" "build" {
  name = "push-fraud-train-image"
  role = aws_iam_role.build.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "EcrLogin"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid    = "PushOneRepository"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:InitiateLayerUpload",
          "ecr:UploadLayerPart",
          "ecr:CompleteLayerUpload",
          "ecr:PutImage",
        ]
        Resource = local.ecr_repo
      },
    ]
  })
}

# Train: start fraud-* training jobs that run as fraud-training-role, read the dataset manifest,
# record the run next to the model.
resource "aws_iam_role" "train" {
  name               = "mlops-train"
  assume_role_policy = data.aws_iam_policy_document.main_branch.json
}

resource "aws_iam_role_policy" "train" {
  name = "start-fraud-training"
  role = aws_iam_role.train.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "TrainingJobs"
        Effect   = "Allow"
        Action   = ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"]
        Resource = "${local.sagemaker}:training-job/fraud-*"
      },
      {
        Sid       = "PassOnlyTheTrainingRoleToSageMaker"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = "arn:aws:iam::${var.account}:role/fraud-training-role"
        Condition = { StringEquals = { "iam:PassedToService" = "sagemaker.amazonaws.com" } }
      },
      {
        Sid      = "ReadDataset"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"
      },
      {
        Sid      = "WriteModelRecords"
        Effect   = "Allow"
        Action   = "s3:PutObject"
        Resource = "arn:aws:s3:::acme-ml-artifacts/fraud/models/*"
      },
    ]
  })
}

# Deploy: turn the trained model into an endpoint that runs as fraud-model-role.
resource "aws_iam_role" "deploy" {
  name               = "mlops-deploy"
  assume_role_policy = data.aws_iam_policy_document.production.json
}

resource "aws_iam_role_policy" "deploy" {
  name = "deploy-fraud-endpoint"
  role = aws_iam_role.deploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ModelAndEndpoint"
        Effect = "Allow"
        Action = [
          "sagemaker:CreateModel",
          "sagemaker:CreateEndpointConfig",
          "sagemaker:CreateEndpoint",
          "sagemaker:UpdateEndpoint",
          "sagemaker:DescribeEndpoint",
        ]
        Resource = [
          "${local.sagemaker}:model/fraud-*",
          "${local.sagemaker}:endpoint-config/fraud-*",
          "${local.sagemaker}:endpoint/fraud-*",
        ]
      },
      {
        Sid       = "PassOnlyTheModelRoleToSageMaker"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = "arn:aws:iam::${var.account}:role/fraud-model-role"
        Condition = { StringEquals = { "iam:PassedToService" = "sagemaker.amazonaws.com" } }
      },
    ]
  })
}
