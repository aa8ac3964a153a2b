repository  = "acme/fraud-model"
data_bucket = "acme-ml-datasets"
