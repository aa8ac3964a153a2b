variable "data_bucket" {
  default = "acme-ml-datasets"
}

locals {
  dataset_prefix = "fraud/v3/"
}

data "aws_iam_policy_document" "training" {
  statement {
    sid       = "ReadDatasets"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["arn:aws:s3:::${var.data_bucket}/${local.dataset_prefix}*"]
  }
  statement {
    sid       = "ListDatasets"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.data_bucket}"]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.dataset_prefix}*"]
    }
  }
  statement {
    sid       = "WriteModels"
    actions   = ["s3:PutObject"]
    resources = [aws_s3_bucket.models.arn != "" ? "${aws_s3_bucket.models.arn}/fraud/*" : "*"]
    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }
  statement {
    sid         = "NoDeletes"
    effect      = "Deny"
    not_actions = ["s3:Get*", "s3:List*", "s3:PutObject"]
    resources   = ["*"]
  }
}

resource "aws_s3_bucket" "models" {
  bucket = "acme-ml-artifacts"
}

resource "aws_iam_policy" "training" {
  name   = "fraud-training"
  policy = data.aws_iam_policy_document.training.json
}
