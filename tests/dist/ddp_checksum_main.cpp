// Trains a small model data-parallel for a few steps and prints, on rank 0, a
// checksum of the final parameters with full precision. The multi-node test
// compares it between a one-host and a two-host run.
#include <cstdio>

#include "ag/ag.h"
#include "ag/dist/ddp.h"

int main() {
  auto comm = ag::dist::Communicator::create();
  return ag::dist::run_or_abort(*comm, [&] {
    ag::Generator init(42);
    auto w1 = ag::empty({32, 64});
    auto w2 = ag::empty({64, 4});
    ag::uniform_(w1, -0.2, 0.2, &init);
    ag::uniform_(w2, -0.2, 0.2, &init);
    w1.requires_grad_();
    w2.requires_grad_();
    ag::dist::DistributedDataParallel ddp({{"w1", w1}, {"w2", w2}}, {}, comm);
    for (int step = 0; step < 30; ++step) {
      ag::Generator g(7 + step * 131 + comm->rank());
      auto x = ag::empty({16, 32}), y = ag::empty({16, 4});
      ag::normal_(x, 0, 1, &g);
      ag::normal_(y, 0, 1, &g);
      auto d = ag::matmul(ag::tanh(ag::matmul(x, w1)), w2) - y;
      (d * d).mean().backward();
      ag::NoGradGuard ng;
      for (auto* p : {&w1, &w2}) {
        p->sub_(p->grad(), 0.05);
        p->mutable_grad().reset();
      }
    }
    double sum = w1.to(ag::kFloat64).sum().item() + 3 * w2.to(ag::kFloat64).sum().item();
    if (comm->rank() == 0) std::printf("world %d checksum %.17g\n", comm->world_size(), sum);
    return 0;
  });
}
