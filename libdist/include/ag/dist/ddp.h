// ag::dist::DistributedDataParallel: averages gradients across ranks during
// backward, bucket by bucket, so communication overlaps the rest of backward.
// Note [Bucket order]: buckets hold parameters in reverse registration order
// (the order backward usually finishes them), are fixed at construction, are
// identical on every rank, and launch strictly in index order — so every rank
// issues the same collectives in the same order.
#pragma once
#include <chrono>
#include <concepts>
#include <functional>
#include <stdexcept>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ag/dist/communicator.h"
#include "ag/nn/module.h"
#include "ag/tensor.h"

namespace ag::dist {

struct DDPOptions {
  /// Bucket size cap (PyTorch's bucket_cap_mb = 25).
  size_t bucket_cap_bytes = 25u << 20;
  /// Copy rank 0's parameters and buffers to every rank at construction.
  bool broadcast_at_init = true;
};

/// One bucket of the plan: a contiguous range of parameters (by index into the
/// named parameter list) and its element count.
struct BucketSpec {
  std::vector<size_t> params;
  std::vector<int64_t> offsets;  // element offset of each parameter in the bucket
  int64_t numel = 0;
  ScalarType dtype = kFloat32;
};

/// Buckets for these parameters: reverse order, split at `cap_bytes` and at dtype changes.
std::vector<BucketSpec> plan_buckets(const NamedTensors& params, size_t cap_bytes);

/// torch.nn.parallel.DistributedDataParallel for a model given by its named tensors.
/// Every rank must run the same number of backward passes: each one's bucket
/// allreduces need every rank. There is no join (PyTorch's DDP.join() shadowing the
/// collectives of ranks that ran out of data); DistributedSampler gives every rank the
/// same batch count by padding, and a custom sampler must agree on one (e.g. the
/// smallest, from Communicator::allgather). Should the counts differ anyway, the
/// collective timeout ends the job naming the rank that waits in another collective.
class DistributedDataParallel {
 public:
  /// Wraps a model given by its named parameters and buffers (Module::named_parameters()
  /// and named_buffers()). Verifies every rank holds the same names, shapes and dtypes —
  /// on mismatch every rank throws the same message naming the first difference — then
  /// broadcasts rank 0's values and installs the gradient hooks.
  DistributedDataParallel(NamedTensors params, NamedTensors buffers, std::shared_ptr<Communicator> comm,
                          DDPOptions opts = {});
  /// Wraps `model` (torch's DDP(model)): its parameters under their dotted names, and its
  /// buffers, as above. Parameters that do not require grad (frozen) are broadcast with
  /// the buffers and not averaged, as PyTorch does. The tensors are shared with the
  /// module, which must keep the same parameters while the wrapper lives.
  DistributedDataParallel(const nn::Module& model, std::shared_ptr<Communicator> comm, DDPOptions opts = {});
  /// Wraps the module a holder (or shared_ptr) holds, as above, and keeps it: the wrapper
  /// is then called as the module is, `ddp(x)` or `ddp.forward(x)`, as torch's DDP is.
  template <typename M>
    requires nn::detail::Holder<M> || std::derived_from<typename M::element_type, nn::Module>
  DistributedDataParallel(const M& model, std::shared_ptr<Communicator> comm, DDPOptions opts = {})
      : DistributedDataParallel(*checked(model.get()), std::move(comm), opts) {
    module_ = nn::detail::hold(M(model));
    forward_ = [m = M(model)](const Tensor& input) mutable { return call_forward(m, input); };
  }
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  /// While alive, backward accumulates gradients locally without communicating
  /// (gradient accumulation); the next synchronised backward reduces the total.
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(DistributedDataParallel& d) : d_(d), prev_(d.sync_) { d.sync_ = false; }
    ~NoSyncGuard() { d_.sync_ = prev_; }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;

   private:
    DistributedDataParallel& d_;
    bool prev_;
  };
  NoSyncGuard no_sync() { return NoSyncGuard(*this); }

  /// What the ranks agreed on in the last synchronised backward. The counts travel in
  /// two extra elements at the end of the last bucket, so they cost no collective of
  /// their own: a training loop learns whether to skip the step or stop from the
  /// gradient allreduce it waits for anyway.
  struct Agreement {
    /// Ranks whose stop vote (vote_stop) was set when their backward launched the last bucket.
    int stop_votes = 0;
    /// Ranks whose own gradient held an inf or NaN before averaging (checked while
    /// copying it into the bucket, at no extra pass). With gradients scaled by
    /// 1/world before the sum, finite inputs cannot overflow it, so the averaged
    /// gradient is finite exactly when this is 0 — on every rank alike.
    int nonfinite_ranks = 0;
    /// Ranks whose backward failed part-way (an exception from a hook, a node or
    /// anomaly mode) before all of their gradients were in the buckets. Such a rank
    /// still sends its buckets, what it had computed and zeros for the rest, so the
    /// ranks stay in step and the next backward works; the averaged gradient is then
    /// incomplete and the step should be skipped. A backward that fails before any of
    /// the model's gradients is ready sends nothing: the other ranks wait in their
    /// first bucket until the collective timeout ends the job.
    int failed_ranks = 0;
  };
  /// This rank's stop vote for the coming synchronised backwards (e.g. a signal arrived).
  void vote_stop(bool stop) { stop_vote_ = stop; }
  /// The agreement of the last synchronised backward (zeros before the first).
  const Agreement& last_agreement() const { return agreement_; }

  /// The wrapped module's forward (only when built from a holder or shared_ptr: a
  /// wrapper built from a module reference does not know its forward's signature).
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  /// The wrapped module (torch's ddp.module), null when built from a module reference.
  const nn::ModulePtr& module() const { return module_; }

  const std::vector<BucketSpec>& buckets() const { return plan_; }
  const Communicator& communicator() const { return *comm_; }
  /// Time from the last gradient hook of the last synchronised backward (the end of
  /// its gradient computation) to gradients being final: the communication backward
  /// did not hide.
  std::chrono::nanoseconds last_finalize_wait() const { return last_wait_; }

 private:
  struct State;
  template <typename T>
  static T* checked(T* module) {
    if (!module) throw std::invalid_argument("DistributedDataParallel: the module is empty (a null holder or pointer)");
    return module;
  }
  template <typename M>
  static Tensor call_forward(M& model, const Tensor& input) {
    if constexpr (nn::detail::Holder<M>) return model(input);
    else return model->forward(input);
  }
  DistributedDataParallel(std::pair<NamedTensors, NamedTensors> params_and_rest, std::shared_ptr<Communicator> comm,
                          DDPOptions opts);
  void on_grad_ready(size_t param);
  void launch_ready_buckets();
  void finalize(bool failed);

  NamedTensors params_;
  std::shared_ptr<Communicator> comm_;
  DDPOptions opts_;
  std::vector<BucketSpec> plan_;
  std::unique_ptr<State> st_;
  bool sync_ = true;
  bool stop_vote_ = false;
  Agreement agreement_;
  std::chrono::nanoseconds last_wait_{0};
  nn::ModulePtr module_;
  std::function<Tensor(const Tensor&)> forward_;
};

/// The plain version for hand-written loops: after backward, before step, average
/// every parameter's gradient over the ranks (a missing gradient counts as zero).
void allreduce_gradients(const std::vector<Tensor>& params, Communicator& comm);

}  // namespace ag::dist
