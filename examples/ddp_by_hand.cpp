// The seed notes' training loop made data-parallel by hand: each rank takes
// its shard through a DistributedSampler and averages gradients after
// backward. Run: mpirun -np 2 build/examples/example_ddp_by_hand
// The same without the hand-written line, overlapping the averaging with backward:
// construct `ag::dist::DistributedDataParallel ddp(*model, comm);` after the model and
// drop the allreduce_gradients call.
#include <cstdio>

#include <ag/ag.h>
#include <ag/dist/ddp.h>

int main(int argc, char** argv) {
  ag::ensure_best_blas_kernels(argc, argv);
  auto comm = ag::dist::Communicator::create();  // MPI under mpirun, a group of one otherwise
  ag::manual_seed(0);                            // same initial weights on every rank
  ag::nn::Sequential model{ag::nn::Linear(784, 256), ag::nn::ReLU(), ag::nn::Linear(256, 10)};
  ag::optim::Adam opt(model->parameters(), ag::optim::AdamOptions(1e-3));
  ag::data::FashionMNIST train(ag::data::FashionMNIST::kDefaultRoot, true, ag::data::MnistOptions().flatten(true));
  auto sampler = std::make_shared<ag::data::DistributedSampler>(train.size(), comm->world_size(), comm->rank());
  ag::data::DataLoader loader(train, ag::data::DataLoaderOptions(64).sampler(sampler));
  for (int epoch = 0; epoch < 2; ++epoch) {
    sampler->set_epoch(epoch);  // a new order each epoch
    double total_loss = 0;
    for (auto& batch : loader) {
      auto [x, y] = batch.unpack<2>();
      opt.zero_grad();
      auto loss = ag::nn::functional::cross_entropy(model(x), y);
      loss.backward();
      ag::dist::allreduce_gradients(model->parameters(), *comm);  // the one line that makes it data-parallel
      opt.step();
      total_loss += loss.item();
    }
    if (comm->rank() == 0) std::printf("epoch %d: mean loss on rank 0 %.4f\n", epoch, total_loss / loader.size());
  }
}
