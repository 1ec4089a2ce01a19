// dropout2d: one keep/drop draw per channel, broadcast over the channel's plane
// by an ordinary multiply, so its backward is the multiply's (grad · mask).
#include "ag/generator.h"
#include "ag/nn/functional_conv.h"
#include "ops/op_util.h"

namespace ag::nn::functional {

Tensor dropout2d(const Tensor& input, double p, bool training) {
  ops::check_defined(input, "dropout2d");
  if (input.dim() != 3 && input.dim() != 4)
    throw std::invalid_argument("dropout2d: expected a 3-D (unbatched [C, H, W]) or 4-D ([N, C, H, W]) input, got " +
                                to_string(input.sizes()));
  if (!input.is_floating_point())
    throw std::invalid_argument(std::string("dropout2d: expected a floating-point input, got ") +
                                dtype_name(input.dtype()));
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument("dropout2d: dropout probability has to be between 0 and 1, but got " +
                                std::to_string(p));
  if (!training || p == 0) return input;
  if (p == 1) return input * 0.0;  // as PyTorch: input times zero, so NaN stays NaN
  // The mask has the input's shape with the plane dims set to 1 (PyTorch's feature_dropout noise).
  Dims mask_shape = input.sizes();
  for (size_t d = mask_shape.size() - 2; d < mask_shape.size(); ++d) mask_shape[d] = 1;
  Tensor mask = detail::make_empty(mask_shape, input.dtype());
  Generator& gen = default_generator();
  const double keep = 1 - p;
  AG_DISPATCH_FLOATING(input.dtype(), "dropout2d", [&] {
    const scalar_t scale = scalar_t(1) / static_cast<scalar_t>(keep);
    scalar_t* m = mask.data_ptr<scalar_t>();
    for (int64_t i = 0, n = mask.numel(); i < n; ++i) m[i] = gen.uniform_double(0, 1) < keep ? scale : scalar_t(0);
  });
  return input * mask;
}

}  // namespace ag::nn::functional
