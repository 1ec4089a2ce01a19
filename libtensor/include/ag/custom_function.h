// Custom autograd functions as libtorch writes them: a class with static
// forward(ctx, args...) and backward(ctx, grad_outputs), run with
// `MyFunction::apply(args...)`.
//
//     struct MulConstant : ag::autograd::Function<MulConstant> {
//       static ag::Tensor forward(ag::autograd::AutogradContext* ctx, ag::Tensor x, double c) {
//         ctx->saved_data["c"] = c;
//         return x * c;
//       }
//       static ag::autograd::variable_list backward(ag::autograd::AutogradContext* ctx,
//                                                   ag::autograd::variable_list grads) {
//         return {grads[0] * ctx->saved_data["c"].toDouble(), ag::Tensor()};
//       }
//     };
//
// backward returns one gradient per argument of forward (undefined for the ones
// that are not tensors or need none). forward runs with gradient recording off.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ag/autograd.h"
#include "ag/grad_mode.h"
#include "ag/tensor.h"

namespace ag::autograd {

using variable_list = TensorList;
using tensor_list = TensorList;

/// A value kept in AutogradContext::saved_data: a number, a bool, a string or a tensor.
class IValue {
 public:
  IValue() = default;
  IValue(double v) : v_(v) {}                    // NOLINT: implicit, as libtorch's
  IValue(int64_t v) : v_(v) {}                   // NOLINT
  IValue(int v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  IValue(bool v) : v_(v) {}                      // NOLINT
  IValue(Tensor v) : v_(std::move(v)) {}         // NOLINT
  IValue(std::string v) : v_(std::move(v)) {}    // NOLINT
  IValue(const char* v) : v_(std::string(v)) {}  // NOLINT

  bool isNone() const { return std::holds_alternative<std::monostate>(v_); }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  /// A double, or an int converted to one.
  double toDouble() const {
    if (isInt()) return static_cast<double>(std::get<int64_t>(v_));
    return get<double>("a double");
  }
  int64_t toInt() const { return get<int64_t>("an int"); }
  bool toBool() const { return get<bool>("a bool"); }
  Tensor toTensor() const { return get<Tensor>("a tensor"); }
  const std::string& toStringRef() const { return get<std::string>("a string"); }

 private:
  template <typename T>
  const T& get(const char* what) const {
    if (!std::holds_alternative<T>(v_))
      throw std::logic_error(std::string("IValue: asked for ") + what + ", but it holds " + kind());
    return std::get<T>(v_);
  }
  std::string kind() const {
    static const char* names[] = {"nothing", "a double", "an int", "a bool", "a tensor", "a string"};
    return names[v_.index()];
  }
  std::variant<std::monostate, double, int64_t, bool, Tensor, std::string> v_;
};

/// What forward leaves for backward.
class AutogradContext {
 public:
  /// Tensors backward needs. They are kept without their autograd history (allgrad
  /// does not differentiate a backward pass), so saving an output makes no cycle.
  void save_for_backward(const TensorList& to_save) {
    saved_.clear();
    for (const Tensor& t : to_save) saved_.push_back(t.defined() ? t.detach() : Tensor());
  }
  TensorList get_saved_variables() const { return saved_; }
  /// Outputs that get no gradient history (e.g. indices).
  void mark_non_differentiable(const TensorList& outputs) {
    for (const Tensor& t : outputs) non_differentiable_.push_back(t);
  }
  /// When true (the default), an output that received no gradient gets zeros in backward.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  /// Whether argument `index` of forward is a tensor whose gradient is wanted.
  bool needs_input_grad(size_t index) const { return index < needs_grad_.size() && needs_grad_[index]; }

  std::unordered_map<std::string, IValue> saved_data;

 private:
  template <typename T> friend struct Function;
  template <typename T> friend class CustomFunctionNode;
  TensorList saved_;
  TensorList non_differentiable_;
  std::vector<bool> needs_grad_;
  bool materialize_grads_ = true;
};

/// The graph node of a custom function T.
template <typename T>
class CustomFunctionNode final : public Node {
 public:
  std::string name() const override { return "CppNode"; }
  TensorList apply(TensorList&& grads) override {
    grads.resize(outputs_.size());
    if (ctx_.materialize_grads_)
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i].defined()) grads[i] = zeros(outputs_[i].first, outputs_[i].second);
    TensorList result = T::backward(&ctx_, std::move(grads));
    // Gradients for arguments forward took by default come back undefined: drop them.
    while (result.size() > next_edges_.size() && !result.back().defined()) result.pop_back();
    if (result.size() != next_edges_.size())
      throw std::runtime_error("custom autograd function: backward returned " + std::to_string(result.size()) +
                               " gradients, expected " + std::to_string(next_edges_.size()) +
                               " (one per argument of forward)");
    return result;
  }
  void release_variables() override {
    ctx_.saved_.clear();
    ctx_.saved_data.clear();
  }

 private:
  template <typename U> friend struct Function;
  AutogradContext ctx_;
  std::vector<std::pair<Dims, ScalarType>> outputs_;
};

/// Base of a custom function (CRTP): `struct F : Function<F> { static forward...; static backward...; };`.
template <typename T>
struct Function {
  template <typename... Args>
  static auto apply(Args&&... args) {
    auto node = std::make_shared<CustomFunctionNode<T>>();
    bool record = false;
    if (GradMode::is_enabled()) {
      auto add_edge = [&](const auto& arg) {
        if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, Tensor>) {
          const bool needs = arg.defined() && arg.requires_grad();
          node->mutable_next_edges().push_back(needs ? gradient_edge(arg) : Edge{});
          node->ctx_.needs_grad_.push_back(needs);
          record = record || needs;
        } else {
          node->mutable_next_edges().push_back(Edge{});
          node->ctx_.needs_grad_.push_back(false);
        }
      };
      (add_edge(args), ...);
    }
    // Inputs as they were, to tell an output that is an input returned as is.
    std::vector<Tensor> inputs;
    auto keep_input = [&](const auto& arg) {
      if constexpr (std::is_same_v<std::decay_t<decltype(arg)>, Tensor>) inputs.push_back(arg);
    };
    (keep_input(args), ...);

    using Output = decltype(T::forward(&node->ctx_, std::forward<Args>(args)...));
    static_assert(std::is_same_v<Output, Tensor> || std::is_same_v<Output, TensorList>,
                  "a custom function's forward returns a Tensor or a variable_list");
    Output out;
    {
      NoGradGuard no_grad;
      out = T::forward(&node->ctx_, std::forward<Args>(args)...);
    }
    if (!record) return out;
    if constexpr (std::is_same_v<Output, Tensor>) {
      attach(node, inputs, out, 0);
    } else {
      for (size_t i = 0; i < out.size(); ++i) attach(node, inputs, out[i], i);
    }
    return out;
  }

 private:
  static void attach(const std::shared_ptr<CustomFunctionNode<T>>& node, const std::vector<Tensor>& inputs,
                     Tensor& out, size_t index) {
    node->outputs_.resize(index + 1);
    if (!out.defined()) return;
    node->outputs_[index] = {out.sizes(), out.dtype()};
    for (const Tensor& nd : node->ctx_.non_differentiable_)
      if (nd.is_same(out)) return;
    for (const Tensor& in : inputs)
      if (in.is_same(out)) out = out.detach();  // a new handle, so the input keeps its own history
    if (!out.is_floating_point()) return;
    set_history(out, node, static_cast<uint32_t>(index));
  }
};

}  // namespace ag::autograd
