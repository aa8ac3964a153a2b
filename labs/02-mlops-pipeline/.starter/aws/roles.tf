# Lab 02 starter (AWS): the three roles the fraud-model pipeline uses today. They work - and each one
# can do far more than its stage needs. Keep this file OR write roles.yaml (CloudFormation), not both.

variable "account" {
  type    = string
  default = "111122223333"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

# "Any workflow of our organisation" - it was quicker than working out the subject claim.
data "aws_iam_policy_document" "github" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}

resource "aws_iam_role" "build" {
  name               = "mlops-build"
  assume_role_policy = data.aws_iam_policy_document.github.json
}

resource "aws_iam_role_policy" "build" {
  name = "ecr"
  role = aws_iam_role.build.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "ecr:*", Resource = "*" },
    ]
  })
}

resource "aws_iam_role" "train" {
  name               = "mlops-train"
  assume_role_policy = data.aws_iam_policy_document.github.json
}

resource "aws_iam_role_policy" "train" {
  name = "training"
  role = aws_iam_role.train.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "sagemaker:*", Resource = "*" },
      { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" },
    ]
  })
}

resource "aws_iam_role" "deploy" {
  name               = "mlops-deploy"
  assume_role_policy = data.aws_iam_policy_document.github.json
}

resource "aws_iam_role_policy" "deploy" {
  name = "deployment"
  role = aws_iam_role.deploy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint", "ecr:PutImage"]
        Resource = "*"
      },
      { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::${var.account}:role/*" },
      { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::acme-ml-*" },
    ]
  })
}
