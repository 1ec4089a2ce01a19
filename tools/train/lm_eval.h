// The language-model pieces of `allgrad train`: the next-token loss and the
// validation loss on a fixed set of held-out batches.
#pragma once
#include <cstdint>

#include "ag/data.h"
#include "ag/dist/communicator.h"
#include "ag/nn/module.h"

namespace ag::tools {

/// Mean cross-entropy over every position: logits [B, T, V], targets int64 [B, T]
/// (nanoGPT's loss, its logits folded to [B·T, V]).
Tensor lm_loss(const Tensor& logits, const Tensor& targets);

/// Mean next-token loss over the first `batches` batches of `batch_size` windows of
/// `val` (all of it when shorter), in eval mode and without gradients; the ranks share
/// the batches (rank r takes batches r, r + W, ...) and sum, so every rank gets the same
/// number whatever the world size (up to float rounding).
double validation_loss(nn::Module& model, const data::DatasetRef& val, dist::Communicator& comm, int64_t batch_size, int64_t batches);

}  // namespace ag::tools
