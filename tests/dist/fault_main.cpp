// A small data-parallel loop that fails on purpose, for the fault tests; the job
// must end with a message instead of hanging.
//   throw [T]          rank 1 raises an exception at step 5
//   stop [T]           rank 1 freezes itself (SIGSTOP) at step 5
//   uneven [T]         a custom split gives rank 1 fewer batches than rank 0, and
//                      the loop runs each rank's own count: rank 1 reaches the final
//                      barrier while rank 0 still waits in a DDP allreduce
//   uneven-agreed [T]  the same split, but the ranks first agree on the smallest
//                      batch count and all run that many steps: finishes normally
// T is the collective timeout in seconds (default 5).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>

#include "ag/ag.h"
#include "ag/dist/ddp.h"

namespace {

// Rank r's share of a 16 * 8 + 16 * 6 example data set: 8 batches of 16 on rank 0,
// 6 on rank 1 (a split DistributedSampler would have padded to equal counts).
ag::data::DataLoader<> uneven_loader(int rank) {
  int64_t n0 = 16 * 8, n1 = 16 * 6;
  auto all = std::make_shared<ag::data::TensorDataset>(std::vector<ag::Tensor>{ag::randn({n0 + n1, 16})});
  std::vector<int64_t> mine;
  for (int64_t i = rank == 0 ? 0 : n0, end = rank == 0 ? n0 : n0 + n1; i < end; ++i) mine.push_back(i);
  return ag::data::DataLoader<>(std::make_shared<ag::data::Subset>(all, mine), ag::data::DataLoaderOptions(16));
}

void train_step(ag::dist::Communicator& comm, const ag::Tensor& x, ag::Tensor& w, int64_t step) {
  comm.set_step(step);
  ag::matmul(x, w).sum().backward();
  ag::NoGradGuard g;
  w.sub_(w.grad(), 0.01);
  w.mutable_grad().reset();
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "throw";
  ag::dist::CommunicatorOptions opts;
  opts.collective_timeout = std::chrono::seconds(argc > 2 ? std::stoi(argv[2]) : 5);
  auto comm = ag::dist::Communicator::create(opts);
  return ag::dist::run_or_abort(*comm, [&] {
    auto w = ag::randn({16, 4}).requires_grad_();
    ag::dist::DistributedDataParallel ddp({{"w", w}}, {}, comm);
    if (mode == "uneven" || mode == "uneven-agreed") {
      auto loader = uneven_loader(comm->rank());
      int64_t steps = loader.size();
      if (mode == "uneven-agreed") {
        // Every rank's count, then the smallest: the same number of steps everywhere.
        auto counts = comm->allgather(ag::from_vector(std::vector<int64_t>{steps}, {1}));
        for (const auto& c : counts) steps = std::min(steps, c.item<int64_t>());
      }
      int64_t step = 0;
      for (auto& batch : loader) {
        if (step == steps) break;
        train_step(*comm, batch.data, w, step++);
      }
      comm->barrier();
      std::printf("rank %d ran %lld steps\n", comm->rank(), static_cast<long long>(step));
      // Agreed: every rank ran the smallest count (6); the check fails the test otherwise.
      auto ran = comm->allgather(ag::from_vector(std::vector<int64_t>{step}, {1}));
      for (const auto& r : ran)
        if (r.item<int64_t>() != 6) return 1;
      return 0;
    }
    for (int step = 0; step < 1000000; ++step) {
      if (comm->rank() == 1 && step == 5) {
        if (mode == "throw") throw std::runtime_error("injected failure at step 5");
        if (mode == "stop") std::raise(SIGSTOP);
      }
      train_step(*comm, ag::ones({2, 16}), w, step);
    }
    return 0;
  });
}
