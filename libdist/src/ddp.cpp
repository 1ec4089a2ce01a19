// DistributedDataParallel: model check, broadcast, gradient hooks that fill
// buckets, in-order launches on the communication thread, and the
// end-of-backward callback that makes gradients final.
#include "ag/dist/ddp.h"

#include <cstring>
#include <stdexcept>

#include "ag/autograd.h"
#include "ag/grad_mode.h"
#include "ag/profiler.h"

namespace ag::dist {

struct DistributedDataParallel::State {
  std::vector<Tensor> flat;          // one buffer per bucket, owned for DDP's lifetime
  std::vector<size_t> bucket_of;     // parameter → bucket
  std::vector<int64_t> offset_of;    // parameter → element offset in its bucket
  std::vector<int> pending;          // bucket → parameters not yet ready this step
  std::vector<char> ready;           // parameter → hook fired this step
  bool local_nonfinite = false;      // this step, some gradient copied in held inf or NaN
  bool local_failed = false;         // this step's backward threw part-way
  std::chrono::steady_clock::time_point last_ready;  // when the step's latest gradient was in its bucket
  std::vector<std::shared_future<void>> launched;
  size_t next_launch = 0;
  bool step_active = false;
  std::vector<HookHandle> hooks;
};

namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string signature(const NamedTensors& params, const NamedTensors& buffers) {
  std::string s;
  for (const auto& [n, t] : params) s += "parameter " + n + " " + dtype_name(t.dtype()) + " " + to_string(t.sizes()) + "\n";
  for (const auto& [n, t] : buffers) s += "buffer " + n + " " + dtype_name(t.dtype()) + " " + to_string(t.sizes()) + "\n";
  return s;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The votes at the end of the last bucket (Agreement in ag/dist/ddp.h).
constexpr int64_t kVotes = 3;

// dst = src * (1/world), one multiply per element in the gradient's dtype (src may be dst).
template <typename T>
void scaled_copy(const T* s, T* d, int64_t n, int world) {
  const T inv = static_cast<T>(1.0 / world);
  for (int64_t j = 0; j < n; ++j) d[j] = s[j] * inv;
}

// One element of a bucket (float32 or float64), without making a tensor per access.
void set_element(const Tensor& flat, int64_t at, double v) {
  if (flat.dtype() == kFloat32) flat.data_ptr<float>()[at] = static_cast<float>(v);
  else flat.data_ptr<double>()[at] = v;
}
double get_element(const Tensor& flat, int64_t at) {
  return flat.dtype() == kFloat32 ? flat.data_ptr<float>()[at] : flat.data_ptr<double>()[at];
}

void scaled_copy(const Tensor& src, const Tensor& dst, int world) {
  if (src.dtype() == kFloat32) scaled_copy(src.data_ptr<float>(), dst.data_ptr<float>(), src.numel(), world);
  else scaled_copy(src.data_ptr<double>(), dst.data_ptr<double>(), src.numel(), world);
}

// The module's trained parameters, and everything else it holds (frozen parameters, buffers).
std::pair<NamedTensors, NamedTensors> split_module(const nn::Module& m) {
  std::pair<NamedTensors, NamedTensors> out;
  for (const auto& [n, t] : m.named_parameters()) (t.requires_grad() ? out.first : out.second).insert(n, t);
  for (const auto& [n, t] : m.named_buffers()) out.second.insert(n, t);
  return out;
}

// Every rank computes the same message from the same gathered signatures.
void verify_same_model(Communicator& comm, const std::string& sig) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(sig)));
  auto hashes = comm.allgather_string(hex);
  bool same = true;
  for (const auto& h : hashes) same &= h == hashes[0];
  if (same) return;
  auto sigs = comm.allgather_string(sig);
  auto ref = lines(sigs[0]);
  std::string msg = "DistributedDataParallel: ranks hold different models (every rank must build the same model, "
                    "with the same parameter names, shapes and dtypes, before wrapping it).";
  for (size_t r = 1; r < sigs.size(); ++r) {
    auto mine = lines(sigs[r]);
    size_t i = 0;
    while (i < ref.size() && i < mine.size() && ref[i] == mine[i]) ++i;
    if (i == ref.size() && i == mine.size()) continue;
    msg += " Rank " + std::to_string(r) + " differs from rank 0 at entry " + std::to_string(i) + ": rank 0 has '" +
           (i < ref.size() ? ref[i] : "(nothing)") + "', rank " + std::to_string(r) + " has '" +
           (i < mine.size() ? mine[i] : "(nothing)") + "'.";
  }
  throw std::runtime_error(msg);
}

}  // namespace

DistributedDataParallel::DistributedDataParallel(NamedTensors params, NamedTensors buffers,
                                                 std::shared_ptr<Communicator> comm, DDPOptions opts)
    : params_(std::move(params)), comm_(std::move(comm)), opts_(opts), st_(std::make_unique<State>()) {
  if (!comm_) throw std::invalid_argument("DistributedDataParallel: communicator is null");
  for (const auto& [n, p] : params_) {
    if (!p.defined() || !p.requires_grad() || !p.is_leaf())
      throw std::invalid_argument("DistributedDataParallel: parameter '" + n + "' must be a leaf that requires grad");
    if (!p.is_contiguous()) throw std::invalid_argument("DistributedDataParallel: parameter '" + n + "' is not contiguous");
  }
  verify_same_model(*comm_, signature(params_, buffers));
  if (opts_.broadcast_at_init) {
    NoGradGuard g;
    for (auto& [n, p] : params_) {
      Tensor d = p.detach();
      comm_->broadcast(d, 0);
    }
    for (auto& [n, b] : buffers) {
      Tensor d = b.detach();
      comm_->broadcast(d, 0);
    }
  }
  plan_ = plan_buckets(params_, opts_.bucket_cap_bytes);
  State& st = *st_;
  st.bucket_of.resize(params_.size());
  st.offset_of.resize(params_.size());
  st.ready.assign(params_.size(), 0);
  for (size_t b = 0; b < plan_.size(); ++b) {
    st.flat.push_back(ag::zeros({plan_[b].numel + (b + 1 == plan_.size() ? kVotes : 0)}, plan_[b].dtype));
    for (size_t j = 0; j < plan_[b].params.size(); ++j) {
      st.bucket_of[plan_[b].params[j]] = b;
      st.offset_of[plan_[b].params[j]] = plan_[b].offsets[j];
    }
  }
  st.pending.assign(plan_.size(), 0);
  for (size_t i = 0; i < params_.size(); ++i)
    st.hooks.push_back(params_[i].second.register_post_accumulate_grad_hook([this, i](Tensor&) { on_grad_ready(i); }));
}

DistributedDataParallel::DistributedDataParallel(const nn::Module& model, std::shared_ptr<Communicator> comm,
                                                 DDPOptions opts)
    : DistributedDataParallel(split_module(model), std::move(comm), opts) {}

DistributedDataParallel::DistributedDataParallel(std::pair<NamedTensors, NamedTensors> split,
                                                 std::shared_ptr<Communicator> comm, DDPOptions opts)
    : DistributedDataParallel(std::move(split.first), std::move(split.second), std::move(comm), opts) {}

Tensor DistributedDataParallel::forward(const Tensor& input) {
  if (!forward_)
    throw std::logic_error("DistributedDataParallel::forward: built from a module reference, so it cannot call the "
                           "module; build it from the module's holder or shared_ptr, or call the module itself");
  return forward_(input);
}

DistributedDataParallel::~DistributedDataParallel() {
  for (size_t i = 0; i < params_.size() && i < st_->hooks.size(); ++i) params_[i].second.remove_hook(st_->hooks[i]);
  for (auto& f : st_->launched)
    if (f.valid()) f.wait();
}

void DistributedDataParallel::on_grad_ready(size_t i) {
  if (!sync_ || comm_->world_size() == 1) return;
  State& st = *st_;
  if (!st.step_active) {
    st.step_active = true;
    for (size_t b = 0; b < plan_.size(); ++b) st.pending[b] = static_cast<int>(plan_[b].params.size());
    std::fill(st.ready.begin(), st.ready.end(), 0);
    st.launched.assign(plan_.size(), {});
    st.next_launch = 0;
    st.local_nonfinite = false;
    st.local_failed = false;
    // On failure the step is still completed, so that no bucket stays half-sent, the
    // other ranks' allreduces find their partners and the next backward starts afresh.
    autograd::queue_callback([this] { finalize(false); }, [this] { finalize(true); });
  }
  if (st.ready[i])
    throw std::runtime_error("DistributedDataParallel: parameter '" + params_[i].first +
                             "' was marked ready twice in one backward pass. Likely causes: backward() was called "
                             "twice within one step without no_sync(); or the parameter is registered twice under "
                             "different names; or a hook re-entered backward.");
  st.ready[i] = 1;
  size_t b = st.bucket_of[i];
  Tensor& p = params_[i].second;
  Tensor& grad = p.mutable_grad();
  Tensor slot = st.flat[b].narrow(0, st.offset_of[i], p.numel()).view(p.sizes());
  // Scaled by 1/world on the way in, as PyTorch's reducer does: one multiply per element.
  // Afterwards .grad is a view of the bucket, so the reduced values land in it with no copy back.
  // A gradient that already is its slot (accumulated in place) is scaled where it is.
  const bool in_place = grad.data_ptr() == slot.data_ptr();
  scaled_copy(in_place ? grad : grad.contiguous(), slot, comm_->world_size());
  // Checked in the slot just written, while it is still in cache: a finite value
  // scaled by 1/world stays finite, inf and NaN stay what they were.
  if (!ag::all_finite(slot)) st.local_nonfinite = true;
  if (in_place) grad.bump_version();
  else grad = slot;
  // Before the launch: the communication thread it wakes may take this core at once.
  st.last_ready = std::chrono::steady_clock::now();
  if (--st.pending[b] == 0) launch_ready_buckets();
}

void DistributedDataParallel::launch_ready_buckets() {
  State& st = *st_;
  while (st.next_launch < plan_.size() && st.pending[st.next_launch] == 0) {
    size_t b = st.next_launch++;
    int64_t count = plan_[b].numel;
    if (b + 1 == plan_.size()) {  // every gradient is in: this rank's votes join the last bucket
      const double votes[kVotes] = {stop_vote_ ? 1.0 : 0.0, st.local_nonfinite ? 1.0 : 0.0, st.local_failed ? 1.0 : 0.0};
      for (int64_t k = 0; k < kVotes; ++k) set_element(st.flat[b], count + k, votes[k]);
      count += kVotes;
    }
    // The launch, on this thread, as its own event: when the exchange itself starts
    // depends on when the communication thread gets a core, but the launch must come
    // as soon as the bucket's last gradient is in.
    profiler::Scope launch("DDP bucket launch", "comm");
    st.launched[b] = comm_->allreduce_async(st.flat[b].data_ptr(), count, plan_[b].dtype, ReduceOp::Sum,
                                            "DDP allreduce of bucket " + std::to_string(b) + "/" +
                                                std::to_string(plan_.size()));
  }
}

void DistributedDataParallel::finalize(bool failed) {
  State& st = *st_;
  st.local_failed = failed;
  // Parameters that got no gradient this step count as zero, so no bucket waits forever.
  for (size_t i = 0; i < params_.size(); ++i) {
    if (st.ready[i]) continue;
    st.ready[i] = 1;
    size_t b = st.bucket_of[i];
    std::memset(static_cast<char*>(st.flat[b].data_ptr()) + st.offset_of[i] * static_cast<int64_t>(params_[i].second.element_size()),
                0, static_cast<size_t>(params_[i].second.numel()) * params_[i].second.element_size());
    --st.pending[b];
  }
  launch_ready_buckets();
  st.step_active = false;
  for (size_t b = 0; b < plan_.size(); ++b) {
    st.launched[b].get();
    st.flat[b].bump_version();
  }
  if (!plan_.empty()) {
    const Tensor& last = st.flat.back();
    auto vote = [&](int64_t k) { return static_cast<int>(get_element(last, plan_.back().numel + k)); };
    agreement_ = {vote(0), vote(1), vote(2)};
  }
  // Parameters that got no gradient still get the average of the others' (their slot).
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i].second;
    if (!p.grad().defined())
      p.mutable_grad() = st.flat[st.bucket_of[i]].narrow(0, st.offset_of[i], p.numel()).view(p.sizes());
  }
  // From the last gradient's arrival in its bucket, not from here: on a busy machine
  // the communication thread woken by the last launch can take the core before this
  // callback runs, and timing from here would hide the allreduce the compute thread
  // waited for.
  last_wait_ = std::chrono::steady_clock::now() - st.last_ready;
}

void allreduce_gradients(const std::vector<Tensor>& params, Communicator& comm) {
  if (comm.world_size() == 1) return;
  NoGradGuard g;
  // One flat buffer per dtype, so the whole model costs one collective per dtype.
  for (ScalarType t : {kFloat32, kFloat64}) {
    int64_t total = 0;
    for (const Tensor& p : params)
      if (p.dtype() == t) total += p.numel();
    if (total == 0) continue;
    Tensor flat = ag::zeros({total}, t);
    int64_t off = 0;
    for (const Tensor& p : params) {
      if (p.dtype() != t) continue;
      if (p.grad().defined()) flat.narrow(0, off, p.numel()).copy_(p.grad().reshape({-1}));
      off += p.numel();
    }
    // Scaled before the sum, exactly as DDP's buckets are, so both give the same bits.
    flat.mul_(1.0 / comm.world_size());
    comm.allreduce(flat, ReduceOp::Sum);
    off = 0;
    for (const Tensor& p : params) {
      if (p.dtype() != t) continue;
      Tensor slot = flat.narrow(0, off, p.numel()).view(p.sizes());
      Tensor& grad = const_cast<Tensor&>(p).mutable_grad();
      if (grad.defined()) grad.copy_(slot);
      else grad = slot.clone();
      off += p.numel();
    }
  }
}

}  // namespace ag::dist
