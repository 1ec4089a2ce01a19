#include "train/lm_eval.h"

#include <algorithm>
#include <numeric>

#include "ag/grad_mode.h"
#include "ag/nn/functional.h"

namespace ag::tools {

Tensor lm_loss(const Tensor& logits, const Tensor& targets) {
  return nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}), targets.view({-1}));
}

double validation_loss(nn::Module& model, const data::DatasetRef& val, dist::Communicator& comm, int64_t batch_size, int64_t batches) {
  NoGradGuard ng;
  const bool was_training = model.is_training();
  model.eval();
  const int64_t n = val->size();
  const int64_t count = std::min(batches, (n + batch_size - 1) / batch_size);
  double sum = 0, positions = 0;
  std::vector<int64_t> idx;
  for (int64_t b = comm.rank(); b < count; b += comm.world_size()) {
    const int64_t first = b * batch_size, rows = std::min(batch_size, n - first);
    idx.resize(static_cast<size_t>(rows));
    std::iota(idx.begin(), idx.end(), first);
    data::Example<> e = val->get_batch(idx);
    Tensor logits = model.forward(e.data);
    const double p = static_cast<double>(e.target.numel());
    sum += lm_loss(logits, e.target).item() * p;
    positions += p;
  }
  Tensor t = from_vector(std::vector<double>{sum, positions}, {2});
  comm.allreduce(t);
  if (was_training) model.train();
  return t.index({0}).item() / std::max(1.0, t.index({1}).item());
}

}  // namespace ag::tools
