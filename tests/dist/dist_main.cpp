// Test main for tests run under mpiexec: one Communicator for the whole binary,
// a short collective timeout so a broken test fails instead of hanging, and
// one rank's failure turned into a failure of the job.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dist_env.h"

std::shared_ptr<ag::dist::Communicator> g_comm;

int main(int argc, char** argv) {
  ag::dist::CommunicatorOptions opts;
  opts.collective_timeout = std::chrono::seconds(60);
  opts.tune_open_mpi = std::getenv("AG_TEST_TUNE_OPEN_MPI") != nullptr;  // see side_effects_test.cpp
  g_comm = ag::dist::Communicator::create(opts);
  testing::InitGoogleTest(&argc, argv);
  if (g_comm->rank() != 0) {
    // Only rank 0 prints progress; every rank still reports failures.
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // A failure on any rank fails the job on every rank.
  ag::Tensor failed = ag::tensor({static_cast<int64_t>(rc != 0)});
  g_comm->allreduce(failed);
  rc = failed.item<int64_t>() > 0 ? 1 : 0;
  g_comm.reset();
  return rc;
}
