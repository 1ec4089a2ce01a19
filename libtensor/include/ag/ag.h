// Everything in allgrad::tensor, for programs that want one include.
#pragma once
#include "ag/autograd.h"
#include "ag/checkpoint.h"
#include "ag/dtype.h"
#include "ag/generator.h"
#include "ag/grad_mode.h"
#include "ag/gradcheck.h"
#include "ag/npy.h"
#include "ag/runtime.h"
#include "ag/shape.h"
#include "ag/state_dict.h"
#include "ag/tensor.h"
