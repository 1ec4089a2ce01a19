// DDP's bucketed allreduce against one raw MPI_Allreduce of the same bytes,
// and the wait from the last gradient of backward to final gradients with and
// without overlap (small buckets launch during backward; one big bucket
// launches only with the last gradient). Run under mpirun; rank 0 prints medians:
//   mpirun -np 2 build/libdist/bench_ddp [MB]
// Lives in libdist because it calls MPI directly for the baseline.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "ag/ag.h"
#include "ag/dist/ddp.h"

namespace {
using Clock = std::chrono::steady_clock;
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
}  // namespace

int main(int argc, char** argv) {
  const double mb = argc > 1 ? std::atof(argv[1]) : 10.0;
  const int reps = 40;
  auto comm = ag::dist::Communicator::create({.tune_open_mpi = true});  // as the CLI runs
  const int64_t total = static_cast<int64_t>(mb * (1 << 20) / 4);
  const int nparams = 20;

  // Baseline: MPI_Allreduce of one flat buffer, called directly (the comm thread is
  // idle); and the same through the Communicator (MPI call on the communication thread).
  std::vector<float> flat(static_cast<size_t>(total), 1.0f);
  ag::Tensor flat_t = ag::ones({total});
  std::vector<double> raw, via_comm;
  auto time_raw = [&] {
    comm->barrier();
    auto t0 = Clock::now();
    MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(total), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    raw.push_back(secs(Clock::now() - t0));
    comm->barrier();
    t0 = Clock::now();
    comm->allreduce(flat_t);
    via_comm.push_back(secs(Clock::now() - t0));
  };

  // A model of `nparams` tensors totalling the same bytes; backward is cheap elementwise
  // work. Three copies of it: without DDP, DDP with one bucket (launched by the last
  // gradient, so nothing overlaps backward) and DDP with 1 MB buckets (launched while
  // backward goes on). Their iterations alternate with the baselines', so load from
  // other processes on a shared machine falls on all alike.
  struct Setup {
    std::vector<ag::Tensor> ps;
    std::unique_ptr<ag::dist::DistributedDataParallel> ddp;
    std::vector<double> times, waits;
  };
  auto make = [&](size_t cap, bool ddp_on) {
    auto s = std::make_unique<Setup>();
    ag::NamedTensors named;
    for (int i = 0; i < nparams; ++i) {
      s->ps.push_back(ag::ones({total / nparams}).requires_grad_());
      std::string name = std::to_string(i);
      name.insert(0, 1, 'p');
      named.insert(name, s->ps.back());
    }
    if (ddp_on) s->ddp = std::make_unique<ag::dist::DistributedDataParallel>(named, ag::NamedTensors{}, comm,
                                                                            ag::dist::DDPOptions{.bucket_cap_bytes = cap});
    return s;
  };
  auto plain = make(0, false), one_bucket = make(size_t{1} << 40, true), many_buckets = make(size_t{1} << 20, true);
  for (int i = 0; i < reps; ++i) {
    time_raw();
    for (Setup* s : {plain.get(), one_bucket.get(), many_buckets.get()}) {
      ag::Tensor loss = s->ps[0].sum();
      for (int k = 1; k < nparams; ++k) loss = loss + (s->ps[k] * 2.0).sum();
      comm->barrier();
      auto t0 = Clock::now();
      loss.backward();
      s->times.push_back(secs(Clock::now() - t0));
      if (s->ddp) s->waits.push_back(secs(s->ddp->last_finalize_wait()));
      for (auto& p : s->ps) p.mutable_grad().reset();
    }
  }

  if (comm->rank() == 0) {
    double bytes = static_cast<double>(total) * 4;
    double raw_s = median(raw), plain_s = median(plain->times);
    std::printf("world %d, gradient %.1f MB in %d tensors, medians of %d\n", comm->world_size(), bytes / (1 << 20), nparams, reps);
    std::printf("raw MPI_Allreduce:                %8.3f ms  (%.2f GB/s)\n", raw_s * 1e3, bytes / raw_s / 1e9);
    std::printf("Communicator::allreduce:          %8.3f ms  (%.2f GB/s)\n", median(via_comm) * 1e3, bytes / median(via_comm) / 1e9);
    std::printf("backward without DDP:             %8.3f ms\n", plain_s * 1e3);
    // DDP's cost is what it adds to backward: copying into buckets plus whatever of the
    // allreduce backward did not hide; "% of raw" compares that with the bare allreduce.
    for (auto [name, s] : {std::pair{"one bucket (no overlap)", one_bucket.get()}, std::pair{"1 MB buckets (overlap)", many_buckets.get()}}) {
      double t = median(s->times), added = t - plain_s;
      std::printf("backward + DDP, %-24s %8.3f ms: DDP adds %.3f ms (%.0f%% of raw speed); last gradient -> grads final %.3f ms\n",
                  name, t * 1e3, added * 1e3, 100 * raw_s / added, median(s->waits) * 1e3);
    }
  }
  return 0;
}
