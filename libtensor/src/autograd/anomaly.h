// The checks of anomaly mode (ag/anomaly_mode.h), called from the one place
// every op records its node (record) and from the backward engine.
#pragma once
#include <initializer_list>
#include <string>

#include "ag/anomaly_mode.h"
#include "ag/autograd.h"

namespace ag::autograd {

/// "log" for "LogBackward0", "log_softmax" for "LogSoftmaxBackward0": the forward op a node name stands for.
std::string forward_op_name(const std::string& node_name);

/// Throws AnomalyError when `out` (the result of the op whose node is `node_name`)
/// holds NaN or ±inf. Call only when is_anomaly_enabled().
void check_forward_output(const char* node_name, const Tensor& out, std::initializer_list<const Tensor*> inputs);

/// Throws AnomalyError when a gradient `node` returned holds NaN or ±inf.
/// Call only when is_anomaly_enabled().
void check_backward_outputs(const Node& node, const TensorList& grads);

}  // namespace ag::autograd
