// The losses' options, spelled as libtorch spells them (torch/nn/options/loss.h):
// `CrossEntropyLossOptions().ignore_index(0).label_smoothing(0.1)`, taken by the
// loss modules and by the functional losses alike.
#pragma once
#include <cstdint>

#include "ag/arg.h"
#include "ag/tensor.h"

namespace ag::nn {

/// How a loss combines its per-element (or per-sample) values, as PyTorch's `reduction=`.
enum class Reduction { None, Mean, Sum };

/// mse_loss's options. Built implicitly from a Reduction, so `MSELoss(ag::kSum)` and
/// `F::mse_loss(x, y, ag::kSum)` read as in libtorch.
class MSELossOptions {
 public:
  MSELossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT(google-explicit-constructor)
  AG_ARG(Reduction, reduction);
};

/// l1_loss's options; built implicitly from a Reduction, as MSELossOptions.
class L1LossOptions {
 public:
  L1LossOptions(Reduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT(google-explicit-constructor)
  AG_ARG(Reduction, reduction);
};

/// cross_entropy's options: `F::cross_entropy(x, y, CrossEntropyLossOptions().label_smoothing(0.1))`.
class CrossEntropyLossOptions {
  /// Per-class weight of shape (C); undefined means all ones.
  AG_ARG(Tensor, weight);
  /// Samples whose class index equals this contribute nothing (index targets only).
  AG_ARG(int64_t, ignore_index) = -100;
  AG_ARG(Reduction, reduction) = Reduction::Mean;
  /// ε in [0, 1]: the target becomes (1−ε)·onehot + ε/C.
  AG_ARG(double, label_smoothing) = 0.0;
};

/// nll_loss's options.
class NLLLossOptions {
  /// Per-class weight of shape (C); undefined means all ones.
  AG_ARG(Tensor, weight);
  AG_ARG(int64_t, ignore_index) = -100;
  AG_ARG(Reduction, reduction) = Reduction::Mean;
};

/// binary_cross_entropy's options.
class BCELossOptions {
  /// Rescales each element's loss; broadcast to the input's shape.
  AG_ARG(Tensor, weight);
  AG_ARG(Reduction, reduction) = Reduction::Mean;
};

/// binary_cross_entropy_with_logits's options.
class BCEWithLogitsLossOptions {
  /// Rescales each element's loss; broadcast to the input's shape.
  AG_ARG(Tensor, weight);
  AG_ARG(Reduction, reduction) = Reduction::Mean;
  /// Weight of positive examples, broadcast along the last dim (one per class).
  AG_ARG(Tensor, pos_weight);
};

namespace functional {
/// libtorch's names for the functional losses' options (the same classes).
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
}  // namespace functional

}  // namespace ag::nn

namespace ag {
/// libtorch's spelling of the reductions: `CrossEntropyLossOptions().reduction(ag::kSum)`
/// (torch::kSum once `namespace torch = ag;`). Values of nn::Reduction, so
/// `nn::Reduction::Sum` is the same thing.
inline constexpr nn::Reduction kNone = nn::Reduction::None;
inline constexpr nn::Reduction kMean = nn::Reduction::Mean;
inline constexpr nn::Reduction kSum = nn::Reduction::Sum;
}  // namespace ag
