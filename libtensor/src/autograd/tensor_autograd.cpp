// Tensor's autograd methods: requires_grad, grad, backward, hooks, detach.
#include <atomic>
#include <stdexcept>

#include "ag/autograd.h"
#include "autograd/accumulate_grad.h"
#include "tensor/make.h"

namespace ag {

using autograd::AutogradMeta;

namespace {
std::atomic<HookHandle> next_hook_id{1};

AutogradMeta& meta(const Tensor& t) {
  TensorImpl* impl = t.unsafe_impl();
  if (!impl) throw std::logic_error("operation on an undefined tensor");
  if (!impl->autograd) impl->autograd = std::make_unique<AutogradMeta>();
  return *impl->autograd;
}
}  // namespace

bool Tensor::requires_grad() const {
  const auto& m = impl().autograd;
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool r) {
  if (!is_leaf())
    throw std::runtime_error("requires_grad_: you can only change requires_grad flags of leaf variables");
  if (r && !is_floating_point())
    throw std::runtime_error(std::string("requires_grad_: only tensors of floating point dtype can require gradients, got ") +
                             dtype_name(dtype()));
  meta(*this).requires_grad = r;
  return *this;
}

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  const auto& m = impl().autograd;
  return m ? m->grad : undefined;
}

Tensor& Tensor::mutable_grad() { return meta(*this).grad; }

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  const auto& m = impl().autograd;
  return m ? m->grad_fn : nullptr;
}

bool Tensor::is_leaf() const {
  const auto& m = impl().autograd;
  return !m || !m->grad_fn;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  autograd::backward({*this}, gradient.defined() ? TensorList{gradient} : TensorList{}, retain_graph);
}

Tensor Tensor::detach() const { return detail::alias(*this); }

Tensor& Tensor::detach_() {
  if (impl().autograd) {
    impl().autograd->grad_fn.reset();
    impl().autograd->requires_grad = false;
  }
  return *this;
}

void Tensor::retain_grad() const {
  if (!requires_grad()) throw std::runtime_error("retain_grad: can't retain_grad on a tensor that doesn't require grad");
  if (is_leaf()) return;
  AutogradMeta& m = meta(*this);
  if (m.retains_grad) return;
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> self = impl_ptr();
  m.grad_fn->pre_hooks().push_back({next_hook_id++, m.output_nr, [self](const Tensor& g) {
                                      if (auto p = self.lock()) {
                                        Tensor& grad = p->autograd->grad;
                                        grad = grad.defined() ? grad + g : g.clone();
                                      }
                                      return Tensor();
                                    }});
}

HookHandle Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  if (!requires_grad())
    throw std::runtime_error("register_hook: cannot register a hook on a tensor that doesn't require gradient");
  HookHandle id = next_hook_id++;
  AutogradMeta& m = meta(*this);
  if (m.grad_fn) m.grad_fn->pre_hooks().push_back({id, m.output_nr, std::move(hook)});
  else m.hooks.push_back({id, std::move(hook)});
  return id;
}

HookHandle Tensor::register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) const {
  if (!requires_grad() || !is_leaf())
    throw std::runtime_error(
        "register_post_accumulate_grad_hook: only leaf tensors that require grad accumulate a gradient");
  HookHandle id = next_hook_id++;
  meta(*this).post_hooks.push_back({id, std::move(hook)});
  return id;
}

void Tensor::remove_hook(HookHandle h) const {
  AutogradMeta& m = meta(*this);
  std::erase_if(m.hooks, [h](auto& x) { return x.id == h; });
  std::erase_if(m.post_hooks, [h](auto& x) { return x.id == h; });
  if (m.grad_fn) std::erase_if(m.grad_fn->pre_hooks(), [h](auto& x) { return x.id == h; });
}

}  // namespace ag
