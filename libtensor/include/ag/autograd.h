// Autograd graph: nodes, edges, and the backward entry points.
// Note [Grad accumulation contract]: backward() adds into .grad (undefined →
// set, defined → +=), so a tensor used twice gets both contributions; zero_grad
// or mutable_grad().reset() clears it. Post-accumulate hooks run after the add.
#pragma once
#include <optional>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ag/grad_mode.h"
#include "ag/tensor.h"

namespace ag::autograd {

class Node;

/// Where a gradient flows: input `input_nr` of node `fn`.
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

/// A backward function. apply() receives the gradient of each output of the
/// forward op and returns the gradient of each input (one per next edge).
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  /// Releases the graph behind this node iteratively, so a long chain does not overflow the stack.
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual std::string name() const = 0;
  virtual TensorList apply(TensorList&& grads) = 0;
  /// Frees what was saved for backward once the graph will not be used again.
  virtual void release_variables() {}

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  std::vector<Edge>& mutable_next_edges() { return next_edges_; }
  uint64_t sequence_nr() const { return sequence_nr_; }

  /// Hooks on the gradient of one of this node's outputs (Tensor::register_hook on a non-leaf).
  struct PreHook {
    HookHandle id;
    uint32_t output_nr;
    std::function<Tensor(const Tensor&)> fn;
  };
  std::vector<PreHook>& pre_hooks() { return pre_hooks_; }

 protected:
  std::vector<Edge> next_edges_;
  std::vector<PreHook> pre_hooks_;
  uint64_t sequence_nr_;
};

/// Per-tensor autograd state.
struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;  // set for non-leaves
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;  // leaves: the AccumulateGrad node, created on demand
  struct Hook { HookHandle id; std::function<Tensor(const Tensor&)> fn; };
  struct PostHook { HookHandle id; std::function<void(Tensor&)> fn; };
  std::vector<Hook> hooks;            // leaves: run before accumulation
  std::vector<PostHook> post_hooks;   // leaves: run after accumulation
};

/// Computes the sum of gradients of `outputs` with respect to graph leaves.
void backward(const TensorList& outputs, const TensorList& grad_outputs = {}, bool retain_graph = false);

/// The gradients of `outputs` (weighted by `grad_outputs`, or 1 for scalars) with
/// respect to each of `inputs`, returned instead of accumulated into any .grad
/// (torch.autograd.grad). Only the part of the graph leading to `inputs` runs; the
/// graph is freed unless `retain_graph`. An input the outputs do not depend on is
/// an error, or an undefined gradient with `allow_unused`. `create_graph` must be
/// false: allgrad does not record the backward pass.
TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs = {},
                std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                bool allow_unused = false);

/// Runs `fn` once the current backward pass has processed its whole graph (before
/// backward() returns). Only valid from inside backward, e.g. from a hook; DDP uses
/// it to finish its buckets. Should the backward fail instead (an exception from a
/// node, a hook, anomaly mode or an earlier callback), `fn` does not run and
/// `on_failure` does, before the exception leaves backward(), so that whatever `fn`
/// was to finish can be left in order; an exception from `on_failure` is dropped in
/// favour of the original one.
void queue_callback(std::function<void()> fn, std::function<void()> on_failure = {});

/// The edge a gradient for `t` should flow into (its grad_fn, or its AccumulateGrad when a leaf).
Edge gradient_edge(const Tensor& t);
/// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
/// Makes `out` the output number `output_nr` of `node`.
void set_history(Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr = 0);

}  // namespace ag::autograd
