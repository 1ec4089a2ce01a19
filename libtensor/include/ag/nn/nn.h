// Everything in ag::nn, for programs that want one include. `namespace F =
// ag::nn::functional;` gives PyTorch's usual spelling of the functional ops.
#pragma once
#include "ag/nn/activation.h"
#include "ag/nn/conv.h"
#include "ag/nn/dropout.h"
#include "ag/nn/flatten.h"
#include "ag/nn/functional.h"
#include "ag/nn/functional_module.h"
#include "ag/nn/init.h"
#include "ag/nn/linear.h"
#include "ag/nn/loss.h"
#include "ag/nn/loss_options.h"
#include "ag/nn/module.h"
#include "ag/nn/module_dict.h"
#include "ag/nn/module_list.h"
#include "ag/nn/normalization.h"
#include "ag/ordered_dict.h"
#include "ag/nn/sequential.h"
