// Everything in ag::data, for programs that want one include.
#pragma once
#include "ag/data/collate.h"
#include "ag/data/concat_dataset.h"
#include "ag/data/csv.h"
#include "ag/data/dataloader.h"
#include "ag/data/dataset.h"
#include "ag/data/distributed_sampler.h"
#include "ag/data/example.h"
#include "ag/data/fashion_mnist.h"
#include "ag/data/idx.h"
#include "ag/data/sampler.h"
#include "ag/data/subset.h"
#include "ag/data/tensor_dataset.h"
