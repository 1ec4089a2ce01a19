// cross_entropy (log_softmax + NLL fused, with class weights, ignore_index and
// label smoothing; index or probability targets) and nll_loss. Shapes: the
// input is [outer = N, C, inner = d1·d2·…] ((C) counts as N = 1); a sample is
// one (n, d…) position, and the per-sample loss has the target's shape.
// nll_loss is the same computation with the log-sum-exp taken as 0.
#include <cmath>
#include <limits>
#include <vector>

#include "ag/nn/functional.h"
#include "ops/dim_split.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ag::ops;

namespace {

struct ClassLayout {
  DimSplit s;         // n = C
  Dims sample_shape;  // the unreduced loss's shape
  int64_t samples() const { return s.outer * s.inner; }
};

ClassLayout class_layout(const char* op, const Tensor& input) {
  check_defined(input, op);
  if (!input.is_floating_point())
    throw std::invalid_argument(std::string(op) + ": input must be floating point, got " + dtype_name(input.dtype()));
  if (input.dim() == 0) throw std::invalid_argument(std::string(op) + ": input must be (C), (N, C) or (N, C, d...), got a 0-d tensor");
  if (input.dim() == 1) return {DimSplit{1, input.size(0), 1}, Dims{}};
  Dims samples = input.sizes();
  samples.erase(1);
  return {split_at(input.sizes(), 1), samples};
}

void check_index_target(const char* op, const Tensor& input, const Tensor& target, const ClassLayout& l,
                        int64_t ignore_index) {
  if (target.dtype() != kInt64 || target.sizes() != l.sample_shape)
    throw std::invalid_argument(std::string(op) + ": input of shape " + to_string(input.sizes()) +
                                " needs int64 class indices of shape " + to_string(l.sample_shape) +
                                (std::string(op) == "cross_entropy" ? " (or class probabilities of the input's shape)" : "") +
                                " as target, got " + dtype_name(target.dtype()) + " of shape " + to_string(target.sizes()));
  Tensor t = kernels::contiguous(target);
  const int64_t* p = t.data_ptr<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    if ((p[i] < 0 || p[i] >= l.s.n) && p[i] != ignore_index)
      throw std::out_of_range(std::string(op) + ": target " + std::to_string(p[i]) + " (at sample " + std::to_string(i) +
                              ") is out of bounds for " + std::to_string(l.s.n) + " classes; expected 0.." +
                              std::to_string(l.s.n - 1) + " or ignore_index " + std::to_string(ignore_index));
}

// The class weight as a contiguous (C) tensor of the input's dtype, or undefined.
Tensor class_weight(const char* op, const Tensor& w, const ClassLayout& l, ScalarType t) {
  if (!w.defined()) return w;
  if (w.dim() != 1 || w.size(0) != l.s.n)
    throw std::invalid_argument(std::string(op) + ": weight must be a 1-D tensor with one value per class (" +
                                std::to_string(l.s.n) + "), got shape " + to_string(w.sizes()));
  if (autograd::any_requires_grad({&w}))
    throw std::invalid_argument(std::string(op) + ": the gradient with respect to weight is not supported; pass weight.detach()");
  return kernels::contiguous(kernels::convert(w.detach(), t));
}

// Everything a per-sample loop needs; pointers are null when absent.
template <typename T>
struct ClassData {
  const T* x;
  T* shift;             // per sample: max and log Σ exp(x − max) (cross_entropy); unused for nll
  const int64_t* index;  // index targets
  const T* prob;        // probability targets
  const T* w;
  DimSplit s;
  int64_t ignore;
  T eps;
  bool nll;
  int64_t base(int64_t smp) const { return (smp / s.inner) * s.block() + smp % s.inner; }
  // log p of class c for a sample's logits xs: (x − max) − log Σ, which keeps float
  // precision for large logits where x − (max + log Σ) would not.
  T log_prob(const T* xs, int64_t smp, int64_t c) const {
    return nll ? xs[c * s.inner] : (xs[c * s.inner] - shift[2 * smp]) - shift[2 * smp + 1];
  }
  T weight(int64_t c) const { return w ? w[c] : T(1); }
  T smoothed(const T* ys, int64_t c) const {
    T y = ys[c * s.inner];
    return eps > 0 ? y * (T(1) - eps) + eps / T(s.n) : y;
  }
};

// loss[smp] and its weight in the 'mean' denominator (w[y], 0 when ignored, 1 for probabilities).
template <typename T>
void class_loss_forward(const ClassData<T>& d, T* loss, T* denom) {
  const int64_t C = d.s.n, in = d.s.inner;
  kernels::parallel_for(d.s.outer * in, std::max<int64_t>(1, kernels::kParallelGrain / std::max<int64_t>(C, 1)),
                        [&](int64_t b, int64_t e) {
    for (int64_t smp = b; smp < e; ++smp) {
      const T* xs = d.x + d.base(smp);
      if (!d.nll) {
        T mx = -std::numeric_limits<T>::infinity(), sum = 0;
        for (int64_t c = 0; c < C; ++c) mx = std::max(mx, xs[c * in]);
        for (int64_t c = 0; c < C; ++c) sum += std::exp(xs[c * in] - mx);
        d.shift[2 * smp] = mx;
        d.shift[2 * smp + 1] = std::log(sum);
      }
      if (d.prob) {
        const T* ys = d.prob + d.base(smp);
        T acc = 0;
        for (int64_t c = 0; c < C; ++c) acc += d.weight(c) * d.smoothed(ys, c) * d.log_prob(xs, smp, c);
        loss[smp] = -acc;
        denom[smp] = 1;
        continue;
      }
      int64_t t = d.index[smp];
      if (t == d.ignore) {
        loss[smp] = denom[smp] = 0;
        continue;
      }
      T wt = d.weight(t);
      T l = -(T(1) - d.eps) * wt * d.log_prob(xs, smp, t);
      if (d.eps > 0) {
        T smooth = 0;
        for (int64_t c = 0; c < C; ++c) smooth -= d.weight(c) * d.log_prob(xs, smp, c);
        l += d.eps / T(C) * smooth;
      }
      loss[smp] = l;
      denom[smp] = wt;
    }
  });
}

// d loss / d x (and d loss / d target for probabilities), scaled per sample by
// scale[smp] (or by `scale0` when scale is null).
template <typename T>
void class_loss_backward(const ClassData<T>& d, const T* scale, T scale0, T* gx, T* gy) {
  const int64_t C = d.s.n, in = d.s.inner;
  T w_total = 0;
  for (int64_t c = 0; c < C; ++c) w_total += d.weight(c);
  kernels::parallel_for(d.s.outer * in, std::max<int64_t>(1, kernels::kParallelGrain / std::max<int64_t>(C, 1)),
                        [&](int64_t b, int64_t e) {
    for (int64_t smp = b; smp < e; ++smp) {
      const int64_t o = d.base(smp);
      const T* xs = d.x + o;
      const T sc = scale ? scale[smp] : scale0;
      if (d.prob) {
        const T* ys = d.prob + o;
        T wy = 0;
        for (int64_t c = 0; c < C; ++c) wy += d.weight(c) * d.smoothed(ys, c);
        for (int64_t c = 0; c < C; ++c) {
          const T lp = d.log_prob(xs, smp, c);
          if (gx) gx[o + c * in] = sc * (std::exp(lp) * wy - d.weight(c) * d.smoothed(ys, c));
          if (gy) gy[o + c * in] = sc * (-(T(1) - d.eps) * d.weight(c) * lp);
        }
        continue;
      }
      const int64_t t = d.index[smp];
      if (t == d.ignore) {
        for (int64_t c = 0; c < C; ++c) gx[o + c * in] = 0;
        continue;
      }
      const T wt = d.weight(t);
      const T coef = (T(1) - d.eps) * wt + d.eps / T(C) * w_total;
      for (int64_t c = 0; c < C; ++c) {
        T v = d.nll ? T(0) : coef * std::exp(d.log_prob(xs, smp, c));
        if (d.eps > 0) v -= d.eps / T(C) * d.weight(c);
        if (c == t) v -= (T(1) - d.eps) * wt;
        gx[o + c * in] = sc * v;
      }
    }
  });
}

struct ClassLossArgs {
  const char* op;
  const char* node;
  Tensor weight;
  int64_t ignore_index;
  Reduction reduction;
  double eps;
  bool nll;
};

Tensor class_loss(const Tensor& input, const Tensor& target, const ClassLossArgs& a) {
  ClassLayout l = class_layout(a.op, input);
  check_defined(target, a.op);
  const ScalarType t = input.dtype();
  const bool prob = !a.nll && target.is_floating_point() && target.sizes() == input.sizes();
  if (!prob) check_index_target(a.op, input, target, l, a.ignore_index);
  if (!(a.eps >= 0 && a.eps <= 1))
    throw std::invalid_argument(std::string(a.op) + ": label_smoothing must be between 0.0 and 1.0, got " + std::to_string(a.eps));
  Tensor w = class_weight(a.op, a.weight, l, t);
  Tensor x = kernels::contiguous(input.detach());
  Tensor y = prob ? kernels::contiguous(kernels::convert(target.detach(), t)) : kernels::contiguous(target.detach());
  Tensor shift = detail::make_empty({l.samples(), 2}, t);
  Tensor loss = detail::make_empty(l.sample_shape, t);
  Tensor denom = detail::make_empty({l.samples()}, t);
  double total = 0, denom_total = 0;
  AG_DISPATCH_FLOATING(t, a.op, [&] {
    using T = scalar_t;
    ClassData<T> d{x.data_ptr<T>(), shift.data_ptr<T>(), prob ? nullptr : y.data_ptr<int64_t>(),
                   prob ? y.data_ptr<T>() : nullptr, w.defined() ? w.data_ptr<T>() : nullptr, l.s, a.ignore_index,
                   static_cast<T>(a.eps), a.nll};
    class_loss_forward(d, loss.data_ptr<T>(), denom.data_ptr<T>());
    for (int64_t i = 0; i < l.samples(); ++i) total += loss.data_ptr<T>()[i], denom_total += denom.data_ptr<T>()[i];
  });
  // 'mean' divides by Σ w[yₙ] over samples not ignored (by N for probabilities); 0/0 gives NaN, as in PyTorch.
  Tensor out = a.reduction == Reduction::None ? loss
               : scalar_tensor(a.reduction == Reduction::Sum ? total : total / denom_total, t);
  if (autograd::any_requires_grad({&input, &target})) {
    record(a.node, out, {&input, &target},
           [sx = SavedTensor(input), sy = SavedTensor(target), w, shift, l, a, prob, denom_total](const Tensor& g,
                                                                                                NeedsGrad n) -> TensorList {
             Tensor x = kernels::contiguous(sx.unpack(a.node));
             const Tensor& yv = sy.unpack(a.node);
             Tensor y = prob ? kernels::contiguous(kernels::convert(yv, x.dtype())) : kernels::contiguous(yv);
             Tensor gx = detail::make_empty(x.sizes(), x.dtype());
             Tensor gy = prob && n[1] ? detail::make_empty(x.sizes(), x.dtype()) : Tensor();
             Tensor gc = kernels::contiguous(g);
             AG_DISPATCH_FLOATING(x.dtype(), a.node, [&] {
               using T = scalar_t;
               ClassData<T> d{x.data_ptr<T>(), shift.data_ptr<T>(), prob ? nullptr : y.data_ptr<int64_t>(),
                              prob ? y.data_ptr<T>() : nullptr, w.defined() ? w.data_ptr<T>() : nullptr, l.s,
                              a.ignore_index, static_cast<T>(a.eps), a.nll};
               const T g0 = a.reduction == Reduction::None ? T(0) : gc.data_ptr<T>()[0];
               const T scale0 = a.reduction == Reduction::Mean ? static_cast<T>(g0 / denom_total) : g0;
               class_loss_backward(d, a.reduction == Reduction::None ? gc.data_ptr<T>() : nullptr, scale0,
                                   gx.data_ptr<T>(), gy.defined() ? gy.data_ptr<T>() : nullptr);
             });
             if (gy.defined() && gy.dtype() != yv.dtype()) gy = kernels::convert(gy, yv.dtype());
             return {n[0] ? gx : Tensor(), gy};
           });
  }
  return out;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  return class_loss(input, target,
                    {"cross_entropy", "CrossEntropyLossBackward0", o.weight(), o.ignore_index(), o.reduction(), o.label_smoothing(), false});
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& o) {
  return class_loss(input, target, {"nll_loss", "NllLossBackward0", o.weight(), o.ignore_index(), o.reduction(), 0.0, true});
}

}  // namespace ag::nn::functional
