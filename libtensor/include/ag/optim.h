// Everything in ag::optim: the optimizers and the LR schedulers.
#pragma once
#include "ag/optim/adam.h"
#include "ag/optim/lr_scheduler.h"
#include "ag/optim/optimizer.h"
#include "ag/optim/rmsprop.h"
#include "ag/optim/sgd.h"
#include "ag/optim/state_dict.h"
