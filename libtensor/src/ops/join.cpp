// cat and stack: one copy into the result; the gradient is split back by narrowing.
#include "ops/op_util.h"

namespace ag {

using namespace ops;

namespace {
// Backward node with one edge per input tensor.
class CatBackward final : public autograd::Node {
 public:
  CatBackward(int64_t dim, std::vector<int64_t> lengths) : dim_(dim), lengths_(std::move(lengths)) {}
  std::string name() const override { return "CatBackward0"; }
  TensorList apply(TensorList&& grads) override {
    TensorList out(lengths_.size());
    if (grads.empty() || !grads[0].defined()) return out;
    int64_t off = 0;
    for (size_t i = 0; i < lengths_.size(); ++i) {
      if (next_edges_[i].valid()) out[i] = grads[0].narrow(dim_, off, lengths_[i]);
      off += lengths_[i];
    }
    return out;
  }

 private:
  int64_t dim_;
  std::vector<int64_t> lengths_;
};
}  // namespace

Tensor cat(const TensorList& ts, int64_t dim) {
  if (ts.empty()) throw std::invalid_argument("cat: expected a non-empty list of tensors");
  const Tensor& first = check_defined(ts[0], "cat");
  if (first.dim() == 0) throw std::invalid_argument("cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  int64_t d = wrap_dim(dim, first.dim(), "cat");
  ScalarType t = first.dtype();
  Dims shape = first.sizes();
  int64_t total = 0;
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& x = check_defined(ts[i], "cat");
    t = promote_types(t, x.dtype());
    bool ok = x.dim() == first.dim();
    for (int64_t k = 0; ok && k < x.dim(); ++k) ok = k == d || x.size(k) == first.size(k);
    if (!ok)
      throw std::invalid_argument("cat: sizes of tensors must match except in dimension " + std::to_string(d) +
                                  "; tensor 0 has shape " + to_string(first.sizes()) + ", tensor " + std::to_string(i) +
                                  " has shape " + to_string(x.sizes()));
    lengths.push_back(x.size(d));
    total += x.size(d);
  }
  shape[d] = total;
  Tensor out = detail::make_empty(shape, t);
  {
    NoGradGuard g;
    int64_t off = 0;
    for (const Tensor& x : ts) {
      kernels::copy_into(detail::alias(out).narrow(d, off, x.size(d)), x);
      off += x.size(d);
    }
  }
  bool any = false;
  for (const Tensor& x : ts) any |= autograd::any_requires_grad({&x});
  if (any) {
    auto node = std::make_shared<CatBackward>(d, lengths);
    for (const Tensor& x : ts) node->mutable_next_edges().push_back(autograd::gradient_edge(x));
    autograd::set_history(out, node);
  }
  return out;
}

Tensor stack(const TensorList& ts, int64_t dim) {
  if (ts.empty()) throw std::invalid_argument("stack: expected a non-empty list of tensors");
  int64_t d = wrap_dim(dim, ts[0].dim() + 1, "stack");
  TensorList parts;
  parts.reserve(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].sizes() != ts[0].sizes())
      throw std::invalid_argument("stack: expects each tensor to be equal size, but got " + to_string(ts[0].sizes()) +
                                  " at entry 0 and " + to_string(ts[i].sizes()) + " at entry " + std::to_string(i));
    parts.push_back(ts[i].unsqueeze(d));
  }
  return cat(parts, d);
}

}  // namespace ag
