// ag::data::datasets: libtorch's dataset classes (Dataset, BatchDataset, MapDataset, MNIST).
#pragma once
#include "ag/data/datasets/base.h"
#include "ag/data/datasets/map.h"
#include "ag/data/datasets/mnist.h"
