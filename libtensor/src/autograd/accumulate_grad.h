// The leaf node: adds the incoming gradient into the leaf's .grad and runs its hooks.
#pragma once
#include "ag/autograd.h"

namespace ag::autograd {

class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {}
  std::string name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

}  // namespace ag::autograd
