// The node most ops use: a backward rule written as a lambda beside the
// forward (ops/*.cpp), plus SavedTensor, which catches in-place changes to
// anything saved for backward.
#pragma once
#include <bitset>
#include <functional>
#include <string>

#include "ag/autograd.h"
#include "tensor/make.h"

namespace ag::autograd {

/// A tensor kept for backward. Holds an alias without autograd state (so an
/// op saving its own output makes no reference cycle) and the version at save time.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t) : data_(t.defined() ? detail::alias(t) : Tensor()), version_(t.defined() ? t._version() : 0) {}
  /// The saved value; throws PyTorch's in-place error, naming `op`, if it changed since.
  const Tensor& unpack(const std::string& op) const;

 private:
  Tensor data_;
  uint32_t version_ = 0;
};

/// Which inputs need a gradient (bit i for next edge i).
using NeedsGrad = std::bitset<8>;
/// Backward rule: gradient of the single output → gradient of each input (undefined = none).
using BackwardFn = std::function<TensorList(const Tensor& grad, NeedsGrad needs)>;

class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  TensorList apply(TensorList&& grads) override;
  void release_variables() override { fn_ = nullptr; }

 private:
  const char* name_;
  BackwardFn fn_;
};

/// If grad mode is on and an input requires grad, makes `out` the output of a
/// new node named `name` whose backward is `fn`, with an edge to each input.
/// In anomaly mode (ag/anomaly_mode.h) it first checks `out` for NaN/inf.
void record(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, BackwardFn fn);

}  // namespace ag::autograd
