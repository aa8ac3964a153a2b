variable "repository" {
  type = string
}

variable "data_bucket" {
  type    = string
  default = "acme-ml-default"
}

locals {
  prefix         = "fraud"
  dataset_prefix = "${local.prefix}/v3/"
}
