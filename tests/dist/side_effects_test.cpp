// The library leaves its host alone unless asked: creating a communicator does not
// touch the environment, and abort in a local group throws instead of exiting.
#include <gtest/gtest.h>

#include <cstdlib>

#include "dist_env.h"

namespace {
const char* const kOpenMpiVar = "OMPI_MCA_btl_vader_single_copy_mechanism";
}

TEST(CommunicatorSideEffects, OpenMpiSettingOnlyWhenAsked) {
  // g_comm was created under mpiexec in dist.np2/np4 (not asked), in
  // dist.open_mpi_setting (asked, through AG_TEST_TUNE_OPEN_MPI), locally in dist.local.
  const bool asked = std::getenv("AG_TEST_TUNE_OPEN_MPI") != nullptr;
  const char* v = std::getenv(kOpenMpiVar);
  if (asked && g_comm->is_distributed()) EXPECT_STREQ(v, "none");
  else EXPECT_EQ(v, nullptr) << kOpenMpiVar << " was set to '" << v << "'";
}

TEST(CommunicatorSideEffects, LocalCreateLeavesTheEnvironmentAlone) {
  if (ag::dist::launched_by_mpi()) GTEST_SKIP() << "a second communicator needs a process not started by mpiexec";
  auto comm = ag::dist::Communicator::create();
  EXPECT_EQ(comm->world_size(), 1);
  EXPECT_EQ(std::getenv(kOpenMpiVar), nullptr);
}

TEST(CommunicatorSideEffects, LocalAbortThrowsInsteadOfExiting) {
  auto comm = ag::dist::Communicator::local();
  try {
    comm->abort("stop here", 3);
  } catch (const ag::dist::JobAborted& e) {
    EXPECT_STREQ(e.what(), "stop here");
    EXPECT_EQ(e.code, 3);
  }
}
