// ag::data::transforms: libtorch's transforms (Transform, BatchTransform, Lambda, BatchLambda,
// TensorTransform, TensorLambda, Normalize, Stack).
#pragma once
#include "ag/data/transforms/base.h"
#include "ag/data/transforms/lambda.h"
#include "ag/data/transforms/stack.h"
#include "ag/data/transforms/tensor_transform.h"
