// A training program of one's own that survives being stopped: the loop is the
// seed notes' train_epoch, DDP is built from the module when there are several
// ranks, and ag::TrainingRun plus ag::CheckpointDir give exact resume. Run it with
// a target step; run it again with a larger one and it continues where it stopped,
// bitwise as if it had never stopped.
//   build/examples/example_resumable_training runs/own 40
//   mpirun -np 2 build/examples/example_resumable_training runs/own 80
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <ag/ag.h>
#include <ag/dist/ddp.h>
#include <ag/training_run.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s CHECKPOINT_DIR STEPS\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t target = std::atoll(argv[2]), epochs = 4;
  auto comm = ag::dist::Communicator::create();

  // Data, model, optimizer and schedule, built the same way on every start.
  ag::manual_seed(0);
  ag::Tensor x = ag::randn({240, 8});
  ag::Tensor y = (x.index({ag::Slice(), 0}) > 0).to(ag::kInt64) + (x.index({ag::Slice(), 1}) > 0).to(ag::kInt64);
  auto dataset = std::make_shared<ag::data::TensorDataset>(x, y);
  auto sampler = std::make_shared<ag::data::DistributedSampler>(dataset->size(), comm->world_size(), comm->rank(), true, 0);
  ag::data::DataLoader loader(dataset, ag::data::DataLoaderOptions(16).sampler(sampler));
  ag::nn::Sequential model{ag::nn::Linear(8, 32), ag::nn::ReLU(), ag::nn::Dropout(0.1), ag::nn::Linear(32, 3)};
  ag::optim::Adam opt(model->parameters(), ag::optim::AdamOptions(1e-2));
  ag::optim::CosineAnnealingLR sched(opt, epochs * loader.size());

  // Everything exact resume needs, and where checkpoints go.
  ag::TrainingRun run(*model, opt, loader, &sched);
  run.world_size = comm->world_size();
  ag::CheckpointDir checkpoints(dir, 2);
  if (auto latest = checkpoints.latest()) {
    run.restore(ag::load_checkpoint(latest->path), latest->path);
    if (comm->rank() == 0) std::printf("resumed at step %lld\n", static_cast<long long>(run.step));
  }
  std::unique_ptr<ag::dist::DistributedDataParallel> ddp;
  if (comm->world_size() > 1) ddp = std::make_unique<ag::dist::DistributedDataParallel>(*model, comm);

  auto save = [&] {
    if (comm->rank() == 0) checkpoints.save(run.capture());
    comm->barrier();
  };
  model->train();
  while (run.epoch < epochs && run.step < target) {
    if (!loader.position().mid_pass) sampler->set_epoch(run.epoch);
    for (auto& batch : loader) {
      auto [inputs, labels] = batch.unpack<2>();
      opt.zero_grad();
      ag::Tensor loss = ag::nn::functional::cross_entropy(model(inputs), labels);
      loss.backward();  // with DDP: averaged over the ranks when this returns
      opt.step();
      sched.step();
      if (++run.step == target) break;
    }
    if (!loader.position().mid_pass) ++run.epoch;
  }
  save();

  // A fingerprint of the parameters' bits, to compare a resumed run with a straight one.
  uint64_t h = 1469598103934665603ull;
  for (const ag::Tensor& p : model->parameters()) {
    ag::Tensor c = p.contiguous();
    const auto* b = static_cast<const unsigned char*>(c.data_ptr());
    for (int64_t i = 0; i < c.numel() * static_cast<int64_t>(sizeof(float)); ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  if (comm->rank() == 0)
    std::printf("step %lld epoch %lld parameters %016llx\n", static_cast<long long>(run.step), static_cast<long long>(run.epoch),
                static_cast<unsigned long long>(h));
}
