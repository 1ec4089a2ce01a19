// Nodes, graph wiring, saved tensors, and the lambda-based FunctionNode.
#include <atomic>
#include <stdexcept>

#include "autograd/accumulate_grad.h"
#include "ag/profiler.h"
#include "autograd/anomaly.h"
#include "autograd/function.h"

namespace ag::autograd {

namespace {
std::atomic<uint64_t> next_sequence_nr{0};
}

Node::Node() : sequence_nr_(next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

Node::~Node() {
  // Destroying the last reference to a node would destroy its inputs' nodes
  // recursively; instead the outermost destructor drains a work list.
  thread_local std::vector<std::shared_ptr<Node>>* pending = nullptr;
  std::vector<std::shared_ptr<Node>> local;
  bool outermost = pending == nullptr;
  if (outermost) pending = &local;
  for (auto& e : next_edges_)
    if (e.fn) pending->push_back(std::move(e.fn));
  next_edges_.clear();
  if (outermost) {
    while (!local.empty()) {
      std::shared_ptr<Node> n = std::move(local.back());
      local.pop_back();
      n.reset();
    }
    pending = nullptr;
  }
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl || !impl->autograd) return {};
  AutogradMeta& m = *impl->autograd;
  if (m.grad_fn) return {m.grad_fn, m.output_nr};
  if (!m.requires_grad) return {};
  std::shared_ptr<Node> acc = m.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t);
    m.grad_accumulator = acc;
  }
  return {acc, 0};
}

void set_history(Tensor& out, const std::shared_ptr<Node>& node, uint32_t output_nr) {
  TensorImpl* impl = out.unsafe_impl();
  if (!impl->autograd) impl->autograd = std::make_unique<AutogradMeta>();
  impl->autograd->grad_fn = node;
  impl->autograd->output_nr = output_nr;
}

const Tensor& SavedTensor::unpack(const std::string& op) const {
  if (data_.defined() && data_._version() != version_)
    throw std::runtime_error(
        "one of the variables needed for gradient computation has been modified by an inplace operation: [" +
        data_.toString() + "], which is saved by " + op + ", is at version " + std::to_string(data_._version()) +
        "; expected version " + std::to_string(version_) + " instead");
  return data_;
}

TensorList FunctionNode::apply(TensorList&& grads) {
  if (!fn_)
    throw std::runtime_error("Trying to backward through the graph a second time (" + std::string(name_) +
                             "'s saved tensors were freed after the first backward). Pass retain_graph=true to "
                             "backward() the first time if you need to backward through it again.");
  if (grads.empty() || !grads[0].defined()) return TensorList(next_edges_.size());
  NeedsGrad needs;
  for (size_t i = 0; i < next_edges_.size() && i < needs.size(); ++i) needs[i] = next_edges_[i].valid();
  return fn_(grads[0], needs);
}

namespace {
// The op's result exists when it gets here, so its event begins where this thread's
// previous event ended (the previous op, or the phase before the forward pass).
void profile_forward_op(const char* node_name) {
  std::string op = node_name;
  if (size_t k = op.rfind("Backward"); k != std::string::npos) op.resize(k);
  profiler::record(std::move(op), "op", profiler::last_end_on_this_thread(), profiler::Clock::now());
}
}  // namespace

void record(const char* name, Tensor& out, std::initializer_list<const Tensor*> inputs, BackwardFn fn) {
  // Every differentiable op passes here once, so anomaly mode checks results here and nowhere else,
  // and the profiler sees each forward op here.
  if (is_anomaly_enabled() && GradMode::is_enabled()) check_forward_output(name, out, inputs);
  if (profiler::is_enabled() && GradMode::is_enabled()) profile_forward_op(name);
  if (!any_requires_grad(inputs)) return;
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  auto& edges = node->mutable_next_edges();
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) edges.push_back(t && t->defined() ? gradient_edge(*t) : Edge{});
  set_history(out, node);
}

}  // namespace ag::autograd
