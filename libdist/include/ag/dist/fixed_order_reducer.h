// ag::dist::FixedOrderReducer: gradients that are bitwise the same on any number of
// ranks. A step's global batch is cut into M micro-batches of a fixed size; rank r of
// W computes micro-batches r·M/W .. (r+1)·M/W − 1, one backward each, and the M
// gradients are summed in one fixed binary tree over the micro-batch indices: the
// lower levels on the rank, the upper levels across ranks in rank order. Every leaf,
// every inner sum and the order of every addition are the same whatever W is, so the
// result is too. MPI_Allreduce promises no such thing (its summation order depends on
// the world size and the algorithm it picks), which is why plain data parallelism, in
// PyTorch as here, gives results that change with the number of ranks.
//
// The cost against DistributedDataParallel: no overlap with backward (the tree needs
// every micro-batch first), an allgather of W gradients instead of an allreduce, and
// smaller GEMMs when a rank's share is cut into several micro-batches.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "ag/dist/communicator.h"
#include "ag/tensor.h"

namespace ag::dist {

class FixedOrderReducer {
 public:
  /// `micro_batches`: M, the micro-batches of one step over all ranks. M and the world
  /// size must be powers of two with W ≤ M, so that each rank's share is a whole
  /// subtree; otherwise std::invalid_argument says which. The parameters must share
  /// one floating dtype.
  FixedOrderReducer(std::vector<Tensor> params, std::shared_ptr<Communicator> comm, int64_t micro_batches);

  int64_t micro_batches() const { return micro_batches_; }
  int64_t micro_batches_per_rank() const { return per_rank_; }
  /// The global index of this rank's k-th micro-batch of a step.
  int64_t global_index(int64_t k) const { return comm_->rank() * per_rank_ + k; }

  /// After one micro-batch's backward: takes its gradients out of the parameters'
  /// .grad (leaving them undefined, as after zero_grad(set_to_none)) together with
  /// its loss, and folds them into this rank's part of the tree.
  void add_micro_batch(double loss);

  struct Result {
    double mean_loss = 0;  // the mean of the M micro-batch losses, summed in the same tree
    bool stop = false;     // some rank voted to stop after this step
  };
  /// After this rank's last micro-batch of the step: the upper levels of the tree
  /// across the ranks (one allgather), then every parameter's .grad holds the mean of
  /// the M micro-batch gradients, bitwise alike on every rank and for every world size.
  /// `stop_vote` rides along, so the ranks agree on stopping without a collective of its own.
  Result finish(bool stop_vote);

 private:
  struct Partial {
    int level = 0;  // this partial sums 2^level micro-batches
    std::vector<Tensor> grads;  // per parameter, or one flat tensor once gathered
    double loss = 0;
  };
  /// Pushes a subtree onto stack_, merging it with its left neighbours of the same level.
  void fold(Partial subtree);

  std::vector<Tensor> params_;
  std::shared_ptr<Communicator> comm_;
  int64_t micro_batches_, per_rank_;
  int64_t taken_ = 0;
  std::vector<Partial> stack_;  // pending subtrees, lower indices first
};

}  // namespace ag::dist
