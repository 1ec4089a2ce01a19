// A program outside the project: find_package(allgrad), link allgrad::tensor and allgrad::dist.
#include <ag/ag.h>
#include <ag/dist/ddp.h>
#include <iostream>
int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  auto comm = ag::dist::Communicator::create();
  auto x = ag::tensor({2.}, ag::requires_grad());
  auto y = x * x * 3;
  y.backward();
  ag::nn::Linear layer(2, 1);
  ag::dist::DistributedDataParallel ddp(*layer, comm);
  std::cout << x.grad() << " world " << comm->world_size() << "\n";
}
