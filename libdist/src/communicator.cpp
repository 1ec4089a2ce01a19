// Communicator: MPI through the communication thread, or a local group of one.
#include "ag/dist/communicator.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <thread>

#include "ag/runtime.h"
#include "ag/thread_budget.h"
#include "comm_thread.h"
#include "mpi_check.h"
#include "pieces.h"

namespace ag::dist {

using detail::mpi_check;

struct Communicator::Impl {
  std::unique_ptr<detail::CommThread> thread;
};

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

std::shared_ptr<Communicator> Communicator::local() {
  return std::shared_ptr<Communicator>(new Communicator());
}

std::shared_ptr<Communicator> Communicator::create(CommunicatorOptions opts) {
  auto c = std::shared_ptr<Communicator>(new Communicator());
  c->opts_ = opts;
  if (!launched_by_mpi()) return c;
  // Open MPI's shared-memory transport copies large messages with one
  // process_vm_readv by default, which pins the peer's pages on every call; on this
  // kind of (virtualised, 2-core) machine that costs more than the copy itself
  // (bench_ddp). An explicit setting wins.
  if (opts.tune_open_mpi) setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", /*overwrite=*/0);
  c->impl_ = std::make_unique<Impl>();
  Communicator* self = c.get();
  c->impl_->thread = std::make_unique<detail::CommThread>([self] { return self->opts_.collective_timeout; },
                                                          [self] { return self->step_.load(); });
  const auto& s = c->impl_->thread->setup();
  c->mpi_ = true;
  c->rank_ = s.rank;
  c->world_ = s.world;
  c->local_rank_ = s.local_rank;
  c->local_size_ = s.local_size;
  c->thread_level_ = s.thread_level;
  if (opts.set_threads_per_rank && !std::getenv("AG_NUM_THREADS")) {
    unsigned cores = std::thread::hardware_concurrency();
    ag::set_default_num_threads(std::max(1, static_cast<int>(cores ? cores : 1) / std::max(1, c->local_size_)));
  }
  return c;
}

Communicator::~Communicator() {
  if (!impl_) return;
  if (std::uncaught_exceptions() > 0) abort("exception in flight while leaving the job");
  impl_->thread->shutdown();
}

namespace {
MPI_Datatype mpi_type(ScalarType t, const char* op) {
  switch (t) {
    case kFloat32: return MPI_FLOAT;
    case kFloat64: return MPI_DOUBLE;
    case kInt64: return MPI_INT64_T;
    case kBool: return MPI_C_BOOL;
  }
  throw std::invalid_argument(std::string(op) + ": unsupported dtype");
}

void require_contiguous(const Tensor& t, const char* op) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": undefined tensor");
  if (!t.is_contiguous())
    throw std::invalid_argument(std::string(op) + ": tensor of shape " + to_string(t.sizes()) +
                                " must be contiguous (call .contiguous() first)");
}
}  // namespace

std::shared_future<void> Communicator::allreduce_async(void* data, int64_t count, ScalarType dtype, ReduceOp op,
                                                       std::string what) {
  if (op == ReduceOp::Avg && !is_floating_point(dtype))
    throw std::invalid_argument("allreduce: averaging needs a floating point dtype, got " + std::string(dtype_name(dtype)));
  if (!impl_) {
    std::promise<void> p;
    p.set_value();
    return p.get_future().share();
  }
  MPI_Datatype mt = mpi_type(dtype, "allreduce");
  int world = world_, rank = rank_;
  int64_t max_piece = max_piece_;
  return impl_->thread->submit(std::move(what), [=, this](const detail::CommThread::Waiter& wait) {
    char* p = static_cast<char*>(data);
    detail::for_each_piece(count, max_piece, [&](int64_t off, int n) {
      char* at = p + off * static_cast<int64_t>(element_size(dtype));
      if (wait.blocking) {
        mpi_check(MPI_Allreduce(MPI_IN_PLACE, at, n, mt, MPI_SUM, impl_->thread->world()), "MPI_Allreduce", rank);
      } else {
        MPI_Request req;
        mpi_check(MPI_Iallreduce(MPI_IN_PLACE, at, n, mt, MPI_SUM, impl_->thread->world(), &req), "MPI_Iallreduce", rank);
        wait.wait(&req, 1);
      }
    });
    if (op == ReduceOp::Avg) {
      if (dtype == kFloat32) {
        float inv = 1.0f / static_cast<float>(world);
        float* f = static_cast<float*>(data);
        for (int64_t i = 0; i < count; ++i) f[i] *= inv;
      } else {
        double inv = 1.0 / world;
        double* f = static_cast<double*>(data);
        for (int64_t i = 0; i < count; ++i) f[i] *= inv;
      }
    }
  });
}

void Communicator::allreduce(Tensor& t, ReduceOp op) {
  require_contiguous(t, "allreduce");
  allreduce_async(t.data_ptr(), t.numel(), t.dtype(), op, "allreduce " + to_string(t.sizes())).get();
  t.bump_version();
}

void Communicator::broadcast(Tensor& t, int root) {
  require_contiguous(t, "broadcast");
  if (root < 0 || root >= world_)
    throw std::invalid_argument("broadcast: root " + std::to_string(root) + " is not a rank of a world of " + std::to_string(world_));
  if (!impl_) return;
  char* data = static_cast<char*>(t.data_ptr());
  int64_t bytes = static_cast<int64_t>(t.nbytes()), max_piece = max_piece_;
  int rank = rank_;
  impl_->thread
      ->submit("broadcast " + to_string(t.sizes()),
               [=, this](const detail::CommThread::Waiter& wait) {
                 detail::for_each_piece(bytes, max_piece, [&](int64_t off, int n) {
                   MPI_Request req;
                   mpi_check(MPI_Ibcast(data + off, n, MPI_BYTE, root, impl_->thread->world(), &req), "MPI_Ibcast", rank);
                   wait.wait(&req, 1);
                 });
               })
      .get();
  t.bump_version();
}

std::shared_future<void> Communicator::broadcast_async(std::vector<BroadcastPart> parts, std::string what) {
  for (const BroadcastPart& p : parts)
    if (p.root < 0 || p.root >= world_)
      throw std::invalid_argument("broadcast: root " + std::to_string(p.root) + " is not a rank of a world of " + std::to_string(world_));
  if (!impl_) {
    std::promise<void> done;
    done.set_value();
    return done.get_future().share();
  }
  int64_t max_piece = max_piece_;
  int rank = rank_;
  return impl_->thread->submit(std::move(what), [parts = std::move(parts), max_piece, rank, this](const detail::CommThread::Waiter& wait) {
    // All in flight together: one wait for every part instead of one hand-off each.
    std::vector<MPI_Request> reqs;
    for (const BroadcastPart& p : parts)
      detail::for_each_piece(p.bytes, max_piece, [&](int64_t off, int n) {
        MPI_Request req;
        mpi_check(MPI_Ibcast(static_cast<char*>(p.data) + off, n, MPI_BYTE, p.root, impl_->thread->world(), &req), "MPI_Ibcast",
                  rank);
        reqs.push_back(req);
      });
    if (!reqs.empty()) wait.wait(reqs.data(), static_cast<int>(reqs.size()));
  });
}

std::vector<Tensor> Communicator::allgather(const Tensor& t) {
  require_contiguous(t, "allgather");
  if (!impl_) return {t.clone()};
  Dims shape = t.sizes();
  shape.insert(0, world_);
  Tensor out = ag::empty(shape, t.dtype());
  const char* src = static_cast<const char*>(t.data_ptr());
  char* dst = static_cast<char*>(out.data_ptr());
  int64_t bytes = static_cast<int64_t>(t.nbytes()), max_piece = max_piece_;
  int rank = rank_;
  impl_->thread
      ->submit("allgather " + to_string(t.sizes()),
               [=, this](const detail::CommThread::Waiter& wait) {
                 // Piece [off, off + n) of every rank's tensor lands `bytes` apart in the
                 // output: one received element of a type n bytes long whose extent is
                 // `bytes`, so no int displacement has to reach past 2 GiB.
                 detail::for_each_piece(bytes, max_piece, [&](int64_t off, int n) {
                   MPI_Datatype piece, spaced;
                   mpi_check(MPI_Type_contiguous(n, MPI_BYTE, &piece), "MPI_Type_contiguous", rank);
                   mpi_check(MPI_Type_create_resized(piece, 0, static_cast<MPI_Aint>(bytes), &spaced),
                             "MPI_Type_create_resized", rank);
                   MPI_Type_free(&piece);
                   mpi_check(MPI_Type_commit(&spaced), "MPI_Type_commit", rank);
                   MPI_Request req;
                   int rc = MPI_Iallgather(src + off, n, MPI_BYTE, dst + off, 1, spaced, impl_->thread->world(), &req);
                   if (rc == MPI_SUCCESS) wait.wait(&req, 1);
                   MPI_Type_free(&spaced);
                   mpi_check(rc, "MPI_Iallgather", rank);
                 });
               })
      .get();
  std::vector<Tensor> parts;
  for (int r = 0; r < world_; ++r) parts.push_back(out[r]);
  return parts;
}

std::vector<std::string> Communicator::allgather_string(const std::string& s) {
  if (!impl_) return {s};
  Tensor len = ag::tensor({static_cast<int64_t>(s.size())});
  auto lens = allgather(len);
  std::vector<int> counts(world_), displs(world_);
  int total = 0;
  for (int r = 0; r < world_; ++r) {
    counts[r] = static_cast<int>(lens[r].item<int64_t>());
    displs[r] = total;
    total += counts[r];
  }
  std::string all(static_cast<size_t>(total), '\0');
  int rank = rank_;
  impl_->thread
      ->submit("allgather strings",
               [&, this](const detail::CommThread::Waiter& wait) {
                 MPI_Request req;
                 mpi_check(MPI_Iallgatherv(s.data(), static_cast<int>(s.size()), MPI_CHAR, all.data(), counts.data(),
                                           displs.data(), MPI_CHAR, impl_->thread->world(), &req),
                           "MPI_Iallgatherv", rank);
                 wait.wait(&req, 1);
               })
      .get();
  std::vector<std::string> out;
  for (int r = 0; r < world_; ++r) out.push_back(all.substr(displs[r], counts[r]));
  return out;
}

std::vector<std::string> Communicator::gather_string(const std::string& s, int root) {
  if (root < 0 || root >= world_)
    throw std::invalid_argument("gather: root " + std::to_string(root) + " is not a rank of a world of " + std::to_string(world_));
  if (!impl_) return {s};
  if (s.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw std::invalid_argument("gather: " + std::to_string(s.size()) + " bytes on rank " + std::to_string(rank_) +
                                " is more than one MPI message holds (2 GiB)");
  Tensor len = ag::tensor({static_cast<int64_t>(s.size())});
  auto lens = allgather(len);
  std::vector<int> counts(world_), displs(world_);
  int64_t total = 0;
  for (int r = 0; r < world_; ++r) {
    counts[r] = static_cast<int>(lens[r].item<int64_t>());
    displs[r] = static_cast<int>(total);
    total += counts[r];
  }
  if (total > std::numeric_limits<int>::max())
    throw std::invalid_argument("gather: " + std::to_string(total) + " bytes in all is more than one MPI message holds (2 GiB)");
  std::string all(rank_ == root ? static_cast<size_t>(total) : 0, '\0');
  int rank = rank_;
  impl_->thread
      ->submit("gather strings",
               [&, this](const detail::CommThread::Waiter& wait) {
                 MPI_Request req;
                 mpi_check(MPI_Igatherv(s.data(), static_cast<int>(s.size()), MPI_CHAR, all.data(), counts.data(), displs.data(),
                                        MPI_CHAR, root, impl_->thread->world(), &req),
                           "MPI_Igatherv", rank);
                 wait.wait(&req, 1);
               })
      .get();
  std::vector<std::string> out;
  if (rank_ == root)
    for (int r = 0; r < world_; ++r) out.push_back(all.substr(static_cast<size_t>(displs[r]), static_cast<size_t>(counts[r])));
  return out;
}

void Communicator::set_max_piece(int64_t count) {
  if (count < 1 || count > std::numeric_limits<int>::max())
    throw std::invalid_argument("set_max_piece: " + std::to_string(count) + " is not a count between 1 and " +
                                std::to_string(std::numeric_limits<int>::max()));
  max_piece_ = count;
}

void Communicator::barrier() {
  if (!impl_) return;
  int rank = rank_;
  impl_->thread
      ->submit("barrier",
               [=, this](const detail::CommThread::Waiter& wait) {
                 MPI_Request req;
                 mpi_check(MPI_Ibarrier(impl_->thread->world(), &req), "MPI_Ibarrier", rank);
                 wait.wait(&req, 1);
               })
      .get();
}

void Communicator::abort(const std::string& reason, int code) {
  if (impl_) impl_->thread->abort(reason, code);
  throw JobAborted(reason, code);
}

int run_or_abort(Communicator& comm, const std::function<int()>& body) {
  try {
    return body();
  } catch (const AgreedError& e) {
    if (comm.rank() == 0) std::fprintf(stderr, "allgrad: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    if (comm.world_size() > 1) comm.abort(e.what());
    std::fprintf(stderr, "allgrad: %s\n", e.what());
    return 1;
  }
}

}  // namespace ag::dist
