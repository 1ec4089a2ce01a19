// A small data-parallel loop that fails on purpose on rank 1 at step 5, for the
// fault tests: `throw` raises an exception, `stop` freezes the process (SIGSTOP).
// The job must end with a message instead of hanging.
#include <csignal>
#include <cstdio>
#include <string>

#include "ag/ag.h"
#include "ag/dist/ddp.h"

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "throw";
  ag::dist::CommunicatorOptions opts;
  opts.collective_timeout = std::chrono::seconds(argc > 2 ? std::stoi(argv[2]) : 5);
  auto comm = ag::dist::Communicator::create(opts);
  return ag::dist::run_or_abort(*comm, [&] {
    auto w = ag::randn({16, 4}).requires_grad_();
    ag::dist::DistributedDataParallel ddp({{"w", w}}, {}, comm);
    for (int step = 0; step < 1000000; ++step) {
      comm->set_step(step);
      if (comm->rank() == 1 && step == 5) {
        if (mode == "throw") throw std::runtime_error("injected failure at step 5");
        if (mode == "stop") std::raise(SIGSTOP);
      }
      ag::matmul(ag::ones({2, 16}), w).sum().backward();
      ag::NoGradGuard g;
      w.sub_(w.grad(), 0.01);
      w.mutable_grad().reset();
    }
    return 0;
  });
}
