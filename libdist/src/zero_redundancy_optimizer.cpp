#include "ag/dist/zero_redundancy_optimizer.h"

#include <cstring>
#include <set>
#include <stdexcept>

#include "ag/grad_mode.h"

namespace ag::dist {

namespace {

const char* const kWhere = "ZeroRedundancyOptimizer";

// Optimizers whose update of an element reads only that element (see the header).
const std::set<std::string> kElementwise = {"SGD", "Adam", "AdamW", "RMSprop"};

template <typename T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads a T at `at` of a rank's packed state, or says where it ended too soon.
template <typename T>
T take(const std::string& in, size_t& at, int rank) {
  T v;
  if (at + sizeof v > in.size())
    throw std::logic_error(std::string(kWhere) + ": rank " + std::to_string(rank) + "'s state ends at byte " + std::to_string(in.size()));
  std::memcpy(&v, in.data() + at, sizeof v);
  at += sizeof v;
  return v;
}

}  // namespace

ZeroRedundancyOptimizer::ZeroRedundancyOptimizer(std::vector<optim::ParamGroup> groups, const Factory& make,
                                                 std::shared_ptr<Communicator> comm)
    : groups_(std::move(groups)), comm_(std::move(comm)) {
  NoGradGuard no_grad;
  const int world = comm_->world_size(), me = comm_->rank();
  size_t unnamed = 0;
  for (optim::ParamGroup& g : groups_) {
    if (g.names.empty())  // as the optimizer names them: by position among all parameters
      for (size_t i = 0; i < g.params.size(); ++i) g.names.push_back(std::to_string(unnamed + i));
    if (g.names.size() != g.params.size())
      throw std::invalid_argument(std::string(kWhere) + ": " + std::to_string(g.names.size()) + " names for " +
                                  std::to_string(g.params.size()) + " parameters");
    unnamed += g.params.size();
    for (size_t i = 0; i < g.params.size(); ++i) {
      if (!g.params[i].defined()) throw std::invalid_argument(std::string(kWhere) + ": parameter '" + g.names[i] + "' is undefined");
      if (!g.params[i].is_contiguous())
        throw std::invalid_argument(std::string(kWhere) + ": parameter '" + g.names[i] + "' is not contiguous");
      total_ += g.params[i].numel();
    }
  }
  if (total_ < world)
    throw std::invalid_argument(std::string(kWhere) + ": " + std::to_string(total_) + " parameter elements cannot be shared by " +
                                std::to_string(world) + " ranks");
  auto range_begin = [&](int r) { return total_ / world * r + std::min<int64_t>(r, total_ % world); };
  begin_ = range_begin(me);
  end_ = range_begin(me + 1);

  std::vector<optim::ParamGroup> shard(groups_.size());
  int64_t offset = 0;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    shard[gi].options = groups_[gi].options;
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      const Tensor& p = groups_[gi].params[i];
      const int64_t n = p.numel();
      for (int r = 0; r < world; ++r) {
        const int64_t lo = std::max(offset, range_begin(r)), hi = std::min(offset + n, range_begin(r + 1));
        if (lo >= hi) continue;
        Slice s{gi, i, lo - offset, hi - lo, r, Tensor()};
        all_slices_.push_back(s);
        if (r != me) continue;
        s.view = p.detach().view({-1}).narrow(0, s.start, s.length);
        shard[gi].params.push_back(s.view);
        shard[gi].names.push_back(groups_[gi].names[i]);
        mine_.push_back(s);
      }
      offset += n;
    }
  }
  local_ = make(std::move(shard));
  if (!kElementwise.count(local_->type_name()))
    throw std::invalid_argument(std::string(kWhere) + ": cannot shard " + local_->type_name() +
                                ", whose update of an element may read other elements; SGD, Adam, AdamW and RMSprop can be sharded");
  if (local_->param_groups().size() != groups_.size())
    throw std::invalid_argument(std::string(kWhere) + ": the factory built " + std::to_string(local_->param_groups().size()) +
                                " param groups from " + std::to_string(groups_.size()));
}

void ZeroRedundancyOptimizer::step() {
  NoGradGuard no_grad;
  for (Slice& s : mine_) {
    const Tensor& p = groups_[s.group].params[s.index];
    const Tensor& g = p.grad();
    if (g.defined() && g.sizes() != p.sizes())
      throw std::invalid_argument(std::string(kWhere) + ".step: parameter '" + groups_[s.group].names[s.index] + "' has shape " +
                                  to_string(p.sizes()) + " but its gradient has shape " + to_string(g.sizes()));
    s.view.mutable_grad() = g.defined() ? g.contiguous().view({-1}).narrow(0, s.start, s.length) : Tensor();
  }
  local_->step();
  for (Slice& s : mine_) s.view.mutable_grad().reset();  // not keeping the gradients' memory alive

  std::vector<Communicator::BroadcastPart> parts;
  for (const Slice& s : all_slices_) {
    Tensor& p = groups_[s.group].params[s.index];
    const int64_t size = static_cast<int64_t>(element_size(p.dtype()));
    parts.push_back({static_cast<char*>(p.data_ptr()) + s.start * size, s.length * size, s.rank});
  }
  comm_->broadcast_async(std::move(parts), "parameter shards after the optimizer step").get();
  for (optim::ParamGroup& g : groups_)
    for (Tensor& p : g.params) p.bump_version();
}

void ZeroRedundancyOptimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (optim::ParamGroup& g : groups_)
    for (Tensor& p : g.params) {
      if (!p.grad().defined()) continue;
      Tensor& grad = p.mutable_grad();
      if (set_to_none) {
        grad.reset();
        continue;
      }
      if (grad.grad_fn()) grad.detach_();
      else if (grad.requires_grad()) grad.requires_grad_(false);
      grad.zero_();
    }
}

// Packed per slice of this rank, in flat order: the step, a bit per buffer slot that
// holds a tensor, then those tensors' elements of the slice.
void ZeroRedundancyOptimizer::consolidate_state_dict(int to) {
  NoGradGuard no_grad;
  const optim::OptimizerStateDict own = local_->state_dict_view();
  const std::vector<std::string>& slots = local_->buffer_names();
  std::string packed;
  for (const Slice& s : mine_) {
    auto it = own.state.find(groups_[s.group].names[s.index]);
    put<int64_t>(packed, it == own.state.end() ? -1 : it->second.step);  // -1: no state yet
    uint32_t mask = 0;
    std::vector<const Tensor*> present;
    if (it != own.state.end())
      for (size_t k = 0; k < slots.size(); ++k)
        if (auto b = it->second.buffers.find(slots[k]); b != it->second.buffers.end()) {
          mask |= 1u << k;
          present.push_back(&b->second);
        }
    put(packed, mask);
    for (const Tensor* t : present) {
      const Tensor c = t->contiguous();
      packed.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
    }
  }
  std::vector<std::string> all = comm_->gather_string(packed, to);
  if (comm_->rank() != to) {
    consolidated_.reset();
    return;
  }

  optim::OptimizerStateDict sd;
  sd.type = local_->type_name();
  for (size_t gi = 0; gi < groups_.size(); ++gi) sd.param_groups.push_back({local_->param_groups()[gi].options, groups_[gi].names});
  std::vector<size_t> read(all.size(), 0);
  for (const Slice& s : all_slices_) {
    const std::string& in = all[static_cast<size_t>(s.rank)];
    size_t& at = read[static_cast<size_t>(s.rank)];
    const int64_t step = take<int64_t>(in, at, s.rank);
    const uint32_t mask = take<uint32_t>(in, at, s.rank);
    if (step < 0) continue;
    const Tensor& p = groups_[s.group].params[s.index];
    const std::string& name = groups_[s.group].names[s.index];
    optim::ParamStateDict& ps = sd.state[name];
    if (s.start > 0 && ps.step != step)
      throw std::logic_error(std::string(kWhere) + ": the parts of '" + name + "' have taken different numbers of steps");
    ps.step = step;
    const size_t bytes = static_cast<size_t>(s.length) * element_size(p.dtype());
    for (size_t k = 0; k < slots.size(); ++k) {
      if (!(mask & (1u << k))) continue;
      Tensor& whole = ps.buffers[slots[k]];
      if (!whole.defined()) whole = ag::zeros(p.sizes(), p.dtype());
      if (at + bytes > in.size())
        throw std::logic_error(std::string(kWhere) + ": rank " + std::to_string(s.rank) + "'s state ends at byte " +
                               std::to_string(in.size()));
      std::memcpy(static_cast<char*>(whole.data_ptr()) + s.start * static_cast<int64_t>(element_size(p.dtype())), in.data() + at,
                  bytes);
      at += bytes;
    }
  }
  consolidated_ = std::move(sd);
}

const optim::OptimizerStateDict& ZeroRedundancyOptimizer::state_dict() const {
  if (!consolidated_)
    throw std::logic_error(std::string(kWhere) + ".state_dict: rank " + std::to_string(comm_->rank()) +
                           " holds no whole state; call consolidate_state_dict(to) on every rank first, then read it on rank `to`");
  return *consolidated_;
}

void ZeroRedundancyOptimizer::load_state_dict(const optim::OptimizerStateDict& sd) {
  NoGradGuard no_grad;
  const std::string where = std::string(kWhere) + ".load_state_dict: ";
  if (sd.type != local_->type_name())
    throw std::invalid_argument(where + "the state dict was saved by " + sd.type + ", this optimizer is " + local_->type_name());
  if (sd.param_groups.size() != groups_.size())
    throw std::invalid_argument(where + "the state dict has " + std::to_string(sd.param_groups.size()) + " param groups, this optimizer has " +
                                std::to_string(groups_.size()));
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    if (sd.param_groups[gi].params != groups_[gi].names)
      throw std::invalid_argument(where + "param group " + std::to_string(gi) + " holds other parameters than this optimizer's (" +
                                  std::to_string(sd.param_groups[gi].params.size()) + " there, " +
                                  std::to_string(groups_[gi].names.size()) + " here, or other names)");
  for (const optim::ParamGroup& g : groups_)
    for (size_t i = 0; i < g.params.size(); ++i) {
      auto it = sd.state.find(g.names[i]);
      if (it == sd.state.end()) continue;
      for (const auto& [slot, t] : it->second.buffers)
        if (t.sizes() != g.params[i].sizes())
          throw std::invalid_argument(where + "state '" + slot + "' of '" + g.names[i] + "' has shape " + to_string(t.sizes()) +
                                      ", the parameter " + to_string(g.params[i].sizes()));
    }

  optim::OptimizerStateDict part;
  part.type = sd.type;
  for (size_t gi = 0; gi < groups_.size(); ++gi)
    part.param_groups.push_back({sd.param_groups[gi].options, local_->param_groups()[gi].names});
  for (const Slice& s : mine_) {
    const std::string& name = groups_[s.group].names[s.index];
    auto it = sd.state.find(name);
    if (it == sd.state.end()) continue;
    optim::ParamStateDict& ps = part.state[name];
    ps.step = it->second.step;
    for (const auto& [slot, t] : it->second.buffers) ps.buffers[slot] = t.contiguous().view({-1}).narrow(0, s.start, s.length);
  }
  local_->load_state_dict(part);  // copies the slices, so `sd` stays as it was
}

}  // namespace ag::dist
