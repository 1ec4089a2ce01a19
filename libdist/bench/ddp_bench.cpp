// DDP's bucketed allreduce against one raw MPI_Allreduce of the same bytes,
// and the wait from the end of backward's graph walk to final gradients with
// and without overlap (small buckets launch during backward; one big bucket
// launches only at the end). Run under mpirun; rank 0 prints medians:
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
  const int reps = 30;
  auto comm = ag::dist::Communicator::create();
  const int64_t total = static_cast<int64_t>(mb * (1 << 20) / 4);
  const int nparams = 20;

  // Baseline: MPI_Allreduce of one flat buffer, called directly (the comm thread is idle).
  std::vector<float> flat(static_cast<size_t>(total), 1.0f);
  std::vector<double> raw;
  for (int i = 0; i < reps; ++i) {
    comm->barrier();
    auto t0 = Clock::now();
    MPI_Allreduce(MPI_IN_PLACE, flat.data(), static_cast<int>(total), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    raw.push_back(secs(Clock::now() - t0));
  }

  // The same through the Communicator (MPI call on the communication thread).
  std::vector<double> via_comm;
  ag::Tensor flat_t = ag::ones({total});
  for (int i = 0; i < reps; ++i) {
    comm->barrier();
    auto t0 = Clock::now();
    comm->allreduce(flat_t);
    via_comm.push_back(secs(Clock::now() - t0));
  }

  // A model of `nparams` tensors totalling the same bytes; backward is cheap elementwise work.
  auto run = [&](size_t cap, bool ddp_on, double* finalize_wait) {
    std::vector<ag::Tensor> ps;
    ag::dist::NamedTensors named;
    for (int i = 0; i < nparams; ++i) {
      ps.push_back(ag::ones({total / nparams}).requires_grad_());
      std::string name = std::to_string(i);
      name.insert(0, 1, 'p');
      named.emplace_back(name, ps.back());
    }
    std::unique_ptr<ag::dist::DistributedDataParallel> ddp;
    if (ddp_on) ddp = std::make_unique<ag::dist::DistributedDataParallel>(named, ag::dist::NamedTensors{}, comm,
                                                                         ag::dist::DDPOptions{.bucket_cap_bytes = cap});
    std::vector<double> times, waits;
    for (int i = 0; i < reps; ++i) {
      ag::Tensor loss = ps[0].sum();
      for (int k = 1; k < nparams; ++k) loss = loss + (ps[k] * 2.0).sum();
      comm->barrier();
      auto t0 = Clock::now();
      loss.backward();
      times.push_back(secs(Clock::now() - t0));
      if (ddp) waits.push_back(secs(ddp->last_finalize_wait()));
      for (auto& p : ps) p.mutable_grad().reset();
    }
    if (finalize_wait) *finalize_wait = waits.empty() ? 0 : median(waits);
    return median(times);
  };
  double plain = run(0, false, nullptr);
  double wait_one = 0, wait_many = 0;
  double one_bucket = run(size_t{1} << 40, true, &wait_one);
  double many_buckets = run(size_t{1} << 20, true, &wait_many);

  if (comm->rank() == 0) {
    double bytes = static_cast<double>(total) * 4;
    double raw_s = median(raw);
    double ddp_comm = one_bucket - plain;
    std::printf("world %d, gradient %.1f MB in %d tensors, medians of %d\n", comm->world_size(), bytes / (1 << 20), nparams, reps);
    std::printf("raw MPI_Allreduce:                %8.3f ms  (%.2f GB/s)\n", raw_s * 1e3, bytes / raw_s / 1e9);
    std::printf("Communicator::allreduce:          %8.3f ms  (%.2f GB/s)\n", median(via_comm) * 1e3, bytes / median(via_comm) / 1e9);
    std::printf("backward without DDP:             %8.3f ms\n", plain * 1e3);
    std::printf("backward + DDP, one bucket:       %8.3f ms  (communication %.3f ms, %.0f%% of raw speed)\n",
                one_bucket * 1e3, ddp_comm * 1e3, 100 * raw_s / ddp_comm);
    std::printf("backward + DDP, 1 MB buckets:     %8.3f ms  (communication %.3f ms, %.0f%% of raw speed)\n",
                many_buckets * 1e3, (many_buckets - plain) * 1e3, 100 * raw_s / (many_buckets - plain));
    std::printf("end of graph walk -> grads final: %8.3f ms without overlap (one bucket), %.3f ms with 1 MB buckets\n",
                wait_one * 1e3, wait_many * 1e3);
  }
  return 0;
}
