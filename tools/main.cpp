// The allgrad command: train, inspect, diff, export, report.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ag/checkpoint.h"
#include "ag/dist/communicator.h"
#include "ag/runtime.h"
#include "checkpoint_tools.h"
#include "generate.h"
#include "standard_streams.h"
#include "launch/launch.h"
#include "report/report_command.h"
#include "train/options.h"
#include "train/train_loop.h"

namespace ag::tools {
/// inspect / diff / export with their arguments; returns the exit code.
int run_checkpoint_tool(const std::string& cmd, const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
}  // namespace ag::tools

namespace {

const char* kUsage =
    "usage: allgrad <command> [args]\n"
    "\n"
    "  train [flags]                 train a model (data-parallel under mpirun); see allgrad train --help\n"
    "  launch [--hostfile F] [--np N] [--max-restarts K] -- train FLAGS...\n"
    "                                run train under mpirun; restart it from its latest checkpoint on the hosts that answer\n"
    "  inspect FILE|DIR [--json] [--verify]\n"
    "                                show (or verify) a checkpoint; a directory means its latest\n"
    "  diff A B [--atol X]           compare two checkpoints tensor by tensor (exit 0 equal, 1 different, 2 error)\n"
    "  export FILE --format safetensors|npz -o OUT\n"
    "                                write the model's weights for PyTorch (safetensors) or NumPy (npz)\n"
    "  generate CKPT|DIR [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K] [--seed S]\n"
    "                                sample bytes from a trained gpt (prints the prompt, then the new bytes)\n"
    "  report RUN... -o FILE.html    draw runs' --metrics files (or directories holding metrics.jsonl) as one HTML page\n"
    "  --version                     version and the BLAS kernels in use\n";

// A rank whose launcher is gone (mpirun killed, or the node daemon lost) has no one to
// report to and no job to finish: it ends with its parent instead of training on, or
// spinning in a collective until the timeout. The last checkpoint is whole either way.
void end_with_launcher() {
  if (!ag::dist::launched_by_mpi()) return;
  const pid_t launcher = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != launcher) raise(SIGKILL);  // it went before the request was in place
}

int train(const std::vector<std::string>& args) {
  end_with_launcher();
  ag::tools::TrainOptions opts;
  try {
    opts = ag::tools::parse_train_options(args);
  } catch (const ag::tools::HelpRequested& h) {
    std::printf("%s", h.what());
    return 0;
  }
  ag::dist::CommunicatorOptions copts;
  copts.collective_timeout = std::chrono::milliseconds(static_cast<int64_t>(opts.collective_timeout * 1000));
  copts.tune_open_mpi = true;
  auto comm = ag::dist::Communicator::create(copts);
  return ag::dist::run_or_abort(*comm, [&] {
    try {
      return ag::tools::run_train(opts, comm);
    } catch (const ag::tools::UsageError& e) {
      // Found once the model is built (e.g. --loss cross-entropy for an autoencoder):
      // still a usage error. Every rank has the same flags, so every rank gets here.
      std::fprintf(stderr, "allgrad train: %s\n", e.what());
      return 2;
    }
  });
}

// Writes `pending` to stdout and flushes it; returns the command's exit code, or the
// error code when its output could not be written completely: a truncated report
// must not look like a successful one.
int with_output_checked(const std::string& cmd, int rc, const std::string& pending = "") {
  try {
    ag::tools::write_or_throw(stdout, pending, "standard output");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allgrad %s: %s\n", cmd.c_str(), e.what());
    return cmd == "diff" ? 2 : 1;  // diff's 1 means "different"
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  ag::tools::ensure_standard_fds();
  // A file-size limit (ulimit -f) then fails the write with EFBIG and a clear error
  // naming the file, as in Python, instead of killing the process mid-save.
  std::signal(SIGXFSZ, SIG_IGN);
  // A reader that stops early (`| head`, `| grep -q`) then shows as EPIPE, which the
  // output checks take as the end of what is wanted, not as a failure or a signal death.
  std::signal(SIGPIPE, SIG_IGN);
  ag::ensure_best_blas_kernels(argc, argv);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::printf("%s", kUsage);
    return args.empty() ? 2 : 0;
  }
  std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (cmd == "--version" || cmd == "version") {
      std::printf("allgrad %s\n%s\n", ag::allgrad_version(), ag::blas_report().c_str());
      return with_output_checked(cmd, 0);
    }
    if (cmd == "train") return with_output_checked(cmd, train(rest));
    if (cmd == "inspect" || cmd == "diff" || cmd == "export") {
      // Held until the end and written in one go, so that a failed write is seen
      // with its OS error; what a failing command printed before its error still appears.
      std::ostringstream report;
      int rc;
      try {
        rc = ag::tools::run_checkpoint_tool(cmd, rest, report, std::cerr);
      } catch (...) {
        std::fwrite(report.str().data(), 1, report.str().size(), stdout);
        throw;
      }
      return with_output_checked(cmd, rc, report.str());
    }
    if (cmd == "generate") return ag::tools::run_generate(rest);
    if (cmd == "launch") {
      try {
        return ag::tools::run_launch(rest);
      } catch (const ag::tools::HelpRequested& h) {
        std::printf("%s", h.what());
        return with_output_checked(cmd, 0);
      }
    }
    if (cmd == "report") return with_output_checked(cmd, ag::tools::report::run_report(rest, std::cout));
    std::fprintf(stderr, "allgrad: unknown command '%s'\n%s", cmd.c_str(), kUsage);
    return 2;
  } catch (const ag::tools::UsageError& e) {
    std::fprintf(stderr, "allgrad %s: %s\n", cmd.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "allgrad %s: %s\n", cmd.c_str(), e.what());
    // diff answers "different" with 1, so a file it cannot read must not look like that.
    return cmd == "diff" ? 2 : 1;
  }
}
