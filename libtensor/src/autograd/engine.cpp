// Backward: dependency counts and a ready queue, never recursion, so deep
// graphs do not overflow the stack and a reused non-leaf waits for every
// consumer before it runs. Ready nodes run newest first (highest sequence
// number), as PyTorch's CPU engine does.
#include <queue>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "ag/autograd.h"
#include "ag/profiler.h"
#include "autograd/accumulate_grad.h"
#include "autograd/anomaly.h"
#include "kernels/arith.h"
#include "tensor/make.h"

namespace ag::autograd {

namespace {

struct ByNewest {
  bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

void accumulate(TensorList& buffer, size_t slot, Tensor g) {
  if (buffer.size() <= slot) buffer.resize(slot + 1);
  Tensor& cur = buffer[slot];
  if (!cur.defined()) {
    cur = std::move(g);
  } else if (cur.impl_ptr().use_count() == 1 && cur.unsafe_impl()->storage.use_count() == 1 &&
             cur.is_contiguous() && cur.sizes() == g.sizes() && cur.dtype() == g.dtype()) {
    kernels::add_into(cur, g);
  } else {
    cur = kernels::add(cur, g);
  }
}

struct Callback {
  std::function<void()> fn, on_failure;
};
using Callbacks = std::vector<Callback>;

thread_local Callbacks* current_callbacks = nullptr;

/// What autograd::grad asks of a pass: the gradient arriving at each target edge,
/// kept instead of accumulated into any .grad.
struct Capture {
  std::vector<Edge> targets;
  TensorList grads;
  std::vector<bool> reached;
};

/// The nodes from which some target can be reached: only they need to run.
std::unordered_map<Node*, bool> nodes_leading_to(const std::vector<std::shared_ptr<Node>>& roots,
                                                  const std::vector<Edge>& targets) {
  std::unordered_map<Node*, bool> needed;
  for (const Edge& t : targets) needed[t.fn.get()] = true;
  // Post-order walk without recursion: a node is decided once all its children are.
  std::vector<std::pair<Node*, bool>> stack;
  std::unordered_map<Node*, bool> visited;
  for (auto& r : roots) stack.push_back({r.get(), false});
  while (!stack.empty()) {
    auto [n, children_done] = stack.back();
    stack.pop_back();
    if (children_done) {
      bool any = needed[n];
      for (const Edge& e : n->next_edges())
        if (e.valid() && needed[e.fn.get()]) any = true;
      needed[n] = any;
      continue;
    }
    if (visited[n]) continue;
    visited[n] = true;
    stack.push_back({n, true});
    for (const Edge& e : n->next_edges())
      if (e.valid() && !visited[e.fn.get()]) stack.push_back({e.fn.get(), false});
  }
  return needed;
}

void run_graph(const TensorList& outputs, const TensorList& grad_outputs, bool retain_graph,
               Capture* capture = nullptr) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw std::invalid_argument("backward: got " + std::to_string(grad_outputs.size()) + " gradients for " +
                                std::to_string(outputs.size()) + " outputs");
  std::unordered_map<Node*, int> deps;
  std::unordered_map<Node*, TensorList> buffers;
  std::vector<std::shared_ptr<Node>> roots;

  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    Edge e = gradient_edge(out);
    if (!e.valid())
      throw std::runtime_error("element " + std::to_string(i) +
                               " of tensors does not require grad and does not have a grad_fn");
    Tensor g;
    if (!grad_outputs.empty() && grad_outputs[i].defined()) {
      g = grad_outputs[i];
      if (g.sizes() != out.sizes())
        throw std::invalid_argument("backward: gradient of shape " + to_string(g.sizes()) +
                                    " does not match the output's shape " + to_string(out.sizes()));
    } else {
      if (out.numel() != 1)
        throw std::runtime_error("grad can be implicitly created only for scalar outputs (output " +
                                 std::to_string(i) + " has shape " + to_string(out.sizes()) + ")");
      g = detail::make_empty(out.sizes(), out.dtype());
      kernels::fill(g, 1);
    }
    accumulate(buffers[e.fn.get()], e.input_nr, g);
    roots.push_back(e.fn);
  }

  // Count, for every node reachable from the roots, how many edges point at it.
  std::vector<Node*> stack;
  std::unordered_map<Node*, bool> seen;
  for (auto& r : roots)
    if (!seen[r.get()]) { seen[r.get()] = true; stack.push_back(r.get()); }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.valid()) continue;
      ++deps[e.fn.get()];
      if (!seen[e.fn.get()]) { seen[e.fn.get()] = true; stack.push_back(e.fn.get()); }
    }
  }

  std::unordered_map<Node*, bool> needed;
  if (capture) needed = nodes_leading_to(roots, capture->targets);

  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, ByNewest> ready;
  for (auto& r : roots)
    if (deps[r.get()] == 0 && seen[r.get()]) { seen[r.get()] = false; ready.push(r); }

  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    TensorList inputs = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    for (auto& h : node->pre_hooks()) {
      if (h.output_nr < inputs.size() && inputs[h.output_nr].defined()) {
        Tensor r = h.fn(inputs[h.output_nr]);
        if (r.defined()) inputs[h.output_nr] = std::move(r);
      }
    }
    TensorList grads;
    if (capture) {
      for (size_t j = 0; j < capture->targets.size(); ++j) {
        const Edge& t = capture->targets[j];
        if (t.fn.get() != node.get()) continue;
        capture->reached[j] = true;
        if (t.input_nr < inputs.size()) capture->grads[j] = inputs[t.input_nr];
      }
    }
    // Under a capture, a node that leads to no target has nothing to compute, and a leaf's
    // AccumulateGrad does not run, so no .grad is written.
    const bool run = !capture || (needed[node.get()] && !dynamic_cast<AccumulateGrad*>(node.get()));
    if (!run) {
    } else if (profiler::is_enabled()) {
      const auto begin = profiler::Clock::now();
      grads = node->apply(std::move(inputs));
      profiler::record(node->name(), "backward", begin, profiler::Clock::now());
    } else {
      grads = node->apply(std::move(inputs));
    }
    if (run && is_anomaly_enabled()) check_backward_outputs(*node, grads);
    if (run && !retain_graph) node->release_variables();
    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.valid()) continue;
      if (i < grads.size() && grads[i].defined()) accumulate(buffers[e.fn.get()], e.input_nr, std::move(grads[i]));
      if (--deps[e.fn.get()] == 0) ready.push(e.fn);
    }
  }
}

}  // namespace

void queue_callback(std::function<void()> fn, std::function<void()> on_failure) {
  if (!current_callbacks) throw std::logic_error("queue_callback: called outside of a backward pass");
  current_callbacks->push_back({std::move(fn), std::move(on_failure)});
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
               std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  if (create_graph)
    throw std::invalid_argument("autograd::grad: create_graph=true is not supported (allgrad does not record "
                                "the backward pass, so there are no higher-order gradients)");
  Capture capture;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad())
      throw std::invalid_argument("autograd::grad: input " + std::to_string(i) + " does not require grad");
    capture.targets.push_back(gradient_edge(inputs[i]));
  }
  capture.grads.resize(inputs.size());
  capture.reached.assign(inputs.size(), false);
  {
    NoGradGuard no_grad;
    run_graph(outputs, grad_outputs, retain_graph.value_or(create_graph), &capture);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!capture.reached[i] && !allow_unused)
      throw std::invalid_argument("autograd::grad: input " + std::to_string(i) +
                                  " was not used to compute the outputs (pass allow_unused=true to get an "
                                  "undefined gradient for it)");
  }
  return std::move(capture.grads);
}

void backward(const TensorList& outputs, const TensorList& grad_outputs, bool retain_graph) {
  NoGradGuard no_grad;  // allgrad does not build graphs of the backward pass (no create_graph)
  Callbacks callbacks;
  auto* outer_callbacks = current_callbacks;
  current_callbacks = &callbacks;
  struct Restore {
    Callbacks*& slot;
    Callbacks* prev;
    ~Restore() { slot = prev; }
  } restore{current_callbacks, outer_callbacks};
  size_t next = 0;  // the first callback not yet started
  try {
    run_graph(outputs, grad_outputs, retain_graph);
    // Callbacks may queue more callbacks; run until none are left.
    while (next < callbacks.size()) {
      auto fn = std::move(callbacks[next++].fn);
      fn();
    }
  } catch (...) {
    // Callbacks not yet started hear of the failure; one that threw itself does not.
    for (size_t i = next; i < callbacks.size(); ++i) {
      if (!callbacks[i].on_failure) continue;
      try {
        callbacks[i].on_failure();
      } catch (...) {
      }
    }
    throw;
  }
}

}  // namespace ag::autograd