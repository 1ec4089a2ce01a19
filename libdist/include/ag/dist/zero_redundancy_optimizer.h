// ag::dist::ZeroRedundancyOptimizer: optimizer state sharded over the ranks (ZeRO
// stage 1, the role of torch.distributed.optim.ZeroRedundancyOptimizer). The
// parameters' elements, taken in group order as one flat sequence, are cut into W
// contiguous ranges of (almost) equal length; rank r builds its optimizer over views
// of range r only, so it holds and updates 1/W of the state (Adam's two moments, SGD's
// momentum), and after each step every rank broadcasts its updated range to the others.
//
// PyTorch shards by whole parameters (greedily, by size); with one large layer that
// leaves a rank holding most of the state. Cutting by elements halves it exactly, and
// is sound for optimizers whose update of an element reads only that element's
// parameter, gradient and state: SGD, Adam, AdamW, RMSprop. Since each element's
// update is the same arithmetic as in the unsharded optimizer, on the same (averaged)
// gradient, the parameters are bitwise those of the unsharded run.
//
// The gradients are those DistributedDataParallel (or FixedOrderReducer) leaves on
// every rank; as with PyTorch's DDP + ZeroRedundancyOptimizer they are all-reduced,
// not reduce-scattered, so the exchange costs one allreduce plus the broadcasts.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ag/dist/communicator.h"
#include "ag/optim/optimizer.h"

namespace ag::dist {

class ZeroRedundancyOptimizer {
 public:
  /// Builds the optimizer of one rank's shard from its param groups (each group's
  /// options as given, its parameters the views this rank updates; a group may be empty).
  using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>)>;

  /// `groups`: all the parameters, named, in the groups an unsharded optimizer would
  /// get (options as given to it). The parameters must be contiguous. Throws
  /// std::invalid_argument naming the optimizer when it does not update each element
  /// on its own (only SGD, Adam, AdamW and RMSprop are known to).
  ZeroRedundancyOptimizer(std::vector<optim::ParamGroup> groups, const Factory& make, std::shared_ptr<Communicator> comm);

  /// The optimizer of this rank's shard: its param groups are the ones a scheduler
  /// drives (the learning rates are the same on every rank).
  optim::Optimizer& local() { return *local_; }
  const optim::Optimizer& local() const { return *local_; }

  /// Updates this rank's range with the gradients in the parameters' .grad (already
  /// averaged over the ranks), then broadcasts every range to the other ranks.
  /// Parameters without a gradient are skipped, as by the unsharded optimizer.
  void step();
  /// Clears the gradients of all parameters (not only this rank's range).
  void zero_grad(bool set_to_none = true);

  /// This rank's range of the flat element sequence, [begin, end), and its length.
  int64_t shard_begin() const { return begin_; }
  int64_t shard_end() const { return end_; }
  int64_t numel() const { return total_; }

  /// Collective: sends every rank's state to rank `to`, which then holds the whole
  /// state (see state_dict()). Only rank `to` ever holds it all.
  void consolidate_state_dict(int to = 0);
  /// On the rank consolidate_state_dict() sent to: the state an unsharded optimizer
  /// over `groups` would have (same names, shapes, steps and bits), so a checkpoint
  /// holding it resumes sharded or not, on any number of ranks. Throws std::logic_error
  /// elsewhere, or before the first consolidation.
  const optim::OptimizerStateDict& state_dict() const;
  /// Frees the whole state consolidate_state_dict() left on this rank (after a save).
  void release_state_dict() { consolidated_.reset(); }
  /// Every rank takes its ranges of a whole state dict (saved sharded or not, by any
  /// number of ranks). Checks the type, the groups and the shapes first and throws
  /// std::invalid_argument naming the first difference; on error nothing changes.
  void load_state_dict(const optim::OptimizerStateDict& sd);

 private:
  // One parameter's part in this rank's range (or, in `all_slices_`, in any rank's).
  struct Slice {
    size_t group, index;  // the parameter: groups_[group].params[index]
    int64_t start, length;  // elements of the flattened parameter
    int rank;
    Tensor view;  // this rank's slices only: the leaf the local optimizer updates
  };

  std::vector<optim::ParamGroup> groups_;
  std::shared_ptr<Communicator> comm_;
  std::unique_ptr<optim::Optimizer> local_;
  std::vector<Slice> mine_;        // in flat order
  std::vector<Slice> all_slices_;  // every rank's, in flat order (what step broadcasts)
  int64_t begin_ = 0, end_ = 0, total_ = 0;
  std::optional<optim::OptimizerStateDict> consolidated_;
};

}  // namespace ag::dist
