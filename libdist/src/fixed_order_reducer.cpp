// FixedOrderReducer (see fixed_order_reducer.h): the tree as a binary counter (fold). Each
// micro-batch arrives as a level-0 subtree; two subtrees of the same level merge into
// one of the next, the lower indices always on the left. A rank's share is a whole
// subtree of the global tree, and the ranks' subtrees merge in rank order the same way.
#include "ag/dist/fixed_order_reducer.h"

#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>

namespace ag::dist {

namespace {

bool power_of_two(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

}  // namespace

FixedOrderReducer::FixedOrderReducer(std::vector<Tensor> params, std::shared_ptr<Communicator> comm, int64_t micro_batches)
    : params_(std::move(params)), comm_(std::move(comm)), micro_batches_(micro_batches) {
  const int64_t world = comm_->world_size();
  if (!power_of_two(micro_batches))
    throw std::invalid_argument("FixedOrderReducer: the micro-batches per step must be a power of two (the tree over them), got " +
                                std::to_string(micro_batches));
  if (!power_of_two(world) || world > micro_batches)
    throw std::invalid_argument("FixedOrderReducer: the world size must be a power of two no larger than the " +
                                std::to_string(micro_batches) + " micro-batches per step, so that each rank's share is a whole subtree; got " +
                                std::to_string(world) + " ranks");
  if (params_.empty()) throw std::invalid_argument("FixedOrderReducer: no parameters");
  for (const Tensor& p : params_)
    if (p.dtype() != params_[0].dtype() || !p.is_floating_point())
      throw std::invalid_argument(std::string("FixedOrderReducer: the parameters must share one floating dtype, got ") +
                                  dtype_name(params_[0].dtype()) + " and " + dtype_name(p.dtype()));
  per_rank_ = micro_batches / world;
}

void FixedOrderReducer::fold(Partial subtree) {
  while (!stack_.empty() && stack_.back().level == subtree.level) {
    Partial lower = std::move(stack_.back());
    stack_.pop_back();
    for (size_t i = 0; i < lower.grads.size(); ++i) lower.grads[i].add_(subtree.grads[i]);
    lower.loss += subtree.loss;
    ++lower.level;
    subtree = std::move(lower);
  }
  stack_.push_back(std::move(subtree));
}

void FixedOrderReducer::add_micro_batch(double loss) {
  if (taken_ == per_rank_)
    throw std::logic_error("FixedOrderReducer: " + std::to_string(per_rank_) +
                           " micro-batches per rank were already added; call finish() first");
  Partial leaf;
  leaf.loss = loss;
  for (const Tensor& p : params_) {
    Tensor& g = const_cast<Tensor&>(p).mutable_grad();
    leaf.grads.push_back(g.defined() ? g : zeros_like(p));
    g.reset();
  }
  ++taken_;
  fold(std::move(leaf));
}

FixedOrderReducer::Result FixedOrderReducer::finish(bool stop_vote) {
  if (taken_ != per_rank_)
    throw std::logic_error("FixedOrderReducer: finish() after " + std::to_string(taken_) + " of this rank's " +
                           std::to_string(per_rank_) + " micro-batches");
  Partial mine = std::move(stack_.back());  // one subtree: per_rank_ is a power of two
  stack_.clear();
  taken_ = 0;
  const int level = mine.level;

  // One allgather: the gradients, then the loss and the stop vote as the raw bytes of
  // two doubles (an allgather copies bytes, so they arrive exact).
  const ScalarType dt = params_[0].dtype();
  const int64_t P = std::accumulate(params_.begin(), params_.end(), int64_t{0},
                                    [](int64_t n, const Tensor& p) { return n + p.numel(); });
  const int64_t tail = static_cast<int64_t>(2 * sizeof(double) / element_size(dt));
  Tensor flat = empty({P + tail}, dt);
  int64_t offset = 0;
  for (const Tensor& g : mine.grads) {
    flat.narrow(0, offset, g.numel()).copy_(g.reshape({-1}));
    offset += g.numel();
  }
  const double scalars[2] = {mine.loss, stop_vote ? 1.0 : 0.0};
  std::memcpy(static_cast<char*>(flat.data_ptr()) + static_cast<size_t>(P) * element_size(dt), scalars, sizeof scalars);
  std::vector<Tensor> parts = comm_->allgather(flat);

  // The upper levels: the ranks' subtrees, in rank order, folded as the micro-batches were.
  bool stop = false;
  for (const Tensor& part : parts) {
    double got[2];
    std::memcpy(got, static_cast<const char*>(part.data_ptr()) + static_cast<size_t>(P) * element_size(dt), sizeof got);
    stop = stop || got[1] != 0;
    fold(Partial{level, {part.narrow(0, 0, P)}, got[0]});
  }
  const Partial all = std::move(stack_.back());
  stack_.clear();
  // Dividing by a power of two is exact, so the mean keeps the sum's independence of W.
  Tensor sum = all.grads[0];
  sum.mul_(1.0 / static_cast<double>(micro_batches_));
  // Views of this step's gathered buffer: nothing else holds it, so no copy is needed.
  offset = 0;
  for (const Tensor& p : params_) {
    const int64_t n = p.numel();
    const_cast<Tensor&>(p).mutable_grad() = sum.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
  return {all.loss / static_cast<double>(micro_batches_), stop};
}

}  // namespace ag::dist
