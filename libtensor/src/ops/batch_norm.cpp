// batch_norm: batch statistics (training) or running statistics (evaluation),
// the in-place running-stat update, and one analytic backward node.
//
// Per channel, with M elements, x̂ = (x − μ)·σ⁻¹, y = x̂·w + b:
//   forward      y  = x·a + k,            a = w·σ⁻¹, k = b − μ·a
//   backward dx (training, μ and σ depend on x):
//                dx = a·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) = dy·a + x·q + (−q·μ − a·Σdy/M),  q = −a·σ⁻²·Σ(dy·(x−μ))/M
//   backward dx (evaluation, running statistics are constants): dx = dy·a
//   dw = σ⁻¹·Σ(dy·(x − μ)),  db = Σdy
// so forward and both backward forms are one per-channel affine pass after one reduction.
#include <cmath>
#include <vector>

#include "ag/grad_mode.h"
#include "ag/nn/functional_conv.h"
#include "kernels/norm.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

using namespace ops;

namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("batch_norm: " + msg); }

// A per-channel argument as doubles; `fill` when it is not given.
std::vector<double> channel_values(const Tensor& t, int64_t C, double fill) {
  if (!t.defined()) return std::vector<double>(C, fill);
  Tensor d = t.to(kFloat64).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + C);
}

void check_channel_arg(const Tensor& t, const char* name, const Tensor& input) {
  if (!t.defined()) return;
  const int64_t C = input.size(1);
  if (t.dim() != 1 || t.size(0) != C)
    fail(std::string(name) + " should have shape [" + std::to_string(C) + "] (one per channel of input " +
         to_string(input.sizes()) + "), got " + to_string(t.sizes()));
  if (!t.is_floating_point()) fail(std::string(name) + " must be floating point, got " + dtype_name(t.dtype()));
}

// running ← (1 − momentum)·running + momentum·batch, outside autograd, as PyTorch's in-place update.
void update_running(const Tensor& running, const std::vector<double>& batch, double momentum) {
  std::vector<double> next = channel_values(running, static_cast<int64_t>(batch.size()), 0);
  for (size_t c = 0; c < next.size(); ++c) next[c] = momentum * batch[c] + (1 - momentum) * next[c];
  NoGradGuard no_grad;
  Tensor target = running;  // a second handle to the same buffer
  target.copy_(from_vector(next, {static_cast<int64_t>(next.size())}));
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_defined(input, "batch_norm");
  if (input.dim() < 2) fail("expected an input of at least 2 dims [N, C, *], got input of shape " + to_string(input.sizes()));
  if (!input.is_floating_point()) fail(std::string("expected a float32 or float64 input, got ") + dtype_name(input.dtype()));
  check_channel_arg(running_mean, "running_mean", input);
  check_channel_arg(running_var, "running_var", input);
  check_channel_arg(weight, "weight", input);
  check_channel_arg(bias, "bias", input);
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && t->dtype() != input.dtype())
      fail(std::string("weight and bias must have the input's dtype ") + dtype_name(input.dtype()) + ", got " +
           dtype_name(t->dtype()));
  if (!training && (!running_mean.defined() || !running_var.defined()))
    fail("running_mean and running_var must be given in evaluation mode (training=false)");
  const int64_t C = input.size(1);
  int64_t spatial = 1;
  for (int64_t d = 2; d < input.dim(); ++d) spatial *= input.size(d);
  const kernels::ChannelLayout s{input.size(0), C, spatial};
  const int64_t M = s.count();
  if (training && M == 1)
    fail("expected more than 1 value per channel when training, got input of shape " + to_string(input.sizes()));

  Tensor x = kernels::contiguous(input);
  std::vector<double> mean(C), var(C);
  if (training) {
    AG_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
      kernels::channel_mean_var<scalar_t>(s, x.data_ptr<scalar_t>(), mean.data(), var.data());
    });
    if (M > 0) {  // an empty batch has no statistics to fold in
      if (running_mean.defined()) update_running(running_mean, mean, momentum);
      if (running_var.defined()) {
        std::vector<double> unbiased(var);
        for (double& v : unbiased) v *= static_cast<double>(M) / static_cast<double>(M - 1);
        update_running(running_var, unbiased, momentum);
      }
    }
  } else {
    mean = channel_values(running_mean, C, 0);
    var = channel_values(running_var, C, 1);
  }
  std::vector<double> invstd(C), scale(C), shift(C);
  const std::vector<double> w = channel_values(weight, C, 1), b = channel_values(bias, C, 0);
  for (int64_t c = 0; c < C; ++c) {
    invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    scale[c] = w[c] * invstd[c];
    shift[c] = b[c] - mean[c] * scale[c];
  }
  Tensor out = detail::make_empty(input.sizes(), x.dtype());
  AG_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    kernels::channel_affine<scalar_t>(s, x.data_ptr<scalar_t>(), scale.data(), nullptr, nullptr, shift.data(),
                                      out.data_ptr<scalar_t>());
  });
  if (autograd::any_requires_grad({&input, &weight, &bias})) {
    record("NativeBatchNormBackward0", out, {&input, &weight, &bias},
           [sx = SavedTensor(x), sw = SavedTensor(weight), s, training, mean = std::move(mean),
            invstd = std::move(invstd)](const Tensor& grad, NeedsGrad n) -> TensorList {
             const char* name = "NativeBatchNormBackward0";
             const Tensor& xv = sx.unpack(name);
             const int64_t C = s.channels;
             const double M = static_cast<double>(s.count());
             const std::vector<double> w = channel_values(sw.unpack(name), C, 1);
             Tensor dy = kernels::contiguous(grad), gx, gw, gb;
             std::vector<double> sum_dy(C), sum_dy_xmu(C);
             AG_DISPATCH_FLOATING(dy.dtype(), name, [&] {
               kernels::channel_grad_sums<scalar_t>(s, xv.data_ptr<scalar_t>(), dy.data_ptr<scalar_t>(), mean.data(),
                                                    sum_dy.data(), sum_dy_xmu.data());
             });
             if (n[0]) {
               std::vector<double> a(C), q(C, 0.0), k(C, 0.0);
               for (int64_t c = 0; c < C; ++c) {
                 a[c] = w[c] * invstd[c];
                 if (training) {
                   q[c] = -a[c] * invstd[c] * invstd[c] * sum_dy_xmu[c] / M;
                   k[c] = -q[c] * mean[c] - a[c] * sum_dy[c] / M;
                 }
               }
               gx = detail::make_empty(xv.sizes(), dy.dtype());
               AG_DISPATCH_FLOATING(dy.dtype(), name, [&] {
                 kernels::channel_affine<scalar_t>(s, dy.data_ptr<scalar_t>(), a.data(),
                                                   training ? xv.data_ptr<scalar_t>() : nullptr, q.data(), k.data(),
                                                   gx.data_ptr<scalar_t>());
               });
             }
             std::vector<double> dw(C);
             for (int64_t c = 0; c < C; ++c) dw[c] = sum_dy_xmu[c] * invstd[c];
             if (n[1]) gw = from_vector(dw, {C}).to(dy.dtype());
             if (n[2]) gb = from_vector(sum_dy, {C}).to(dy.dtype());
             return {gx, gw, gb};
           });
  }
  return out;
}

}  // namespace ag::nn::functional
