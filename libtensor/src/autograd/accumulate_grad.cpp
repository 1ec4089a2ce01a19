// Leaf gradient accumulation. See Note [Grad accumulation contract] in ag/autograd.h.
#include "autograd/accumulate_grad.h"

#include <stdexcept>

#include "kernels/arith.h"

namespace ag::autograd {

TensorList AccumulateGrad::apply(TensorList&& grads) {
  if (grads.empty() || !grads[0].defined()) return {};
  Tensor g = std::move(grads[0]);
  AutogradMeta& m = *variable_.unsafe_impl()->autograd;
  for (auto& h : m.hooks) {
    Tensor r = h.fn(g);
    if (r.defined()) g = std::move(r);
  }
  if (g.sizes() != variable_.sizes())
    throw std::runtime_error("AccumulateGrad: gradient of shape " + to_string(g.sizes()) +
                             " does not match the leaf's shape " + to_string(variable_.sizes()));
  if (!m.grad.defined()) {
    // Steal the buffer when nothing else can see it; otherwise copy, so .grad never aliases another tensor.
    bool exclusive = g.impl_ptr().use_count() == 1 && g.unsafe_impl()->storage.use_count() == 1 && g.is_contiguous() &&
                     g.dtype() == variable_.dtype();
    m.grad = exclusive ? g : kernels::contiguous(kernels::convert(g, variable_.dtype()), true);
  } else {
    kernels::add_into(m.grad, g);
    m.grad.bump_version();
  }
  for (auto& h : m.post_hooks) h.fn(const_cast<Tensor&>(variable_));
  return {};
}

}  // namespace ag::autograd
