// ag::TrainingRun: a run stopped after k steps, saved, and restored into freshly
// built objects continues bitwise as the uninterrupted run (shuffled loader, dropout,
// Adam, a per-step schedule); a capture copies none of the optimizer's state.
#include <gtest/gtest.h>

#include <memory>

#include "ag/ag.h"
#include "ag/training_run.h"
#include "checkpoint_test_util.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::ScratchDir;

namespace {

// Everything one run owns, built the same way each time.
struct Trainer {
  std::shared_ptr<data::TensorDataset> dataset;
  std::unique_ptr<data::DataLoader<>> loader;
  nn::Sequential model;
  std::unique_ptr<optim::Adam> opt;
  std::unique_ptr<optim::CosineAnnealingLR> sched;
  std::unique_ptr<TrainingRun> run;

  Trainer() {
    manual_seed(7);
    Tensor x = randn({50, 6});
    Tensor y = (x.index({Slice(), 0}) > 0).to(kInt64);
    dataset = std::make_shared<data::TensorDataset>(x, y);
    loader = std::make_unique<data::DataLoader<>>(dataset, data::DataLoaderOptions(8).shuffle(true));
    model = nn::Sequential(nn::Linear(6, 16), nn::ReLU(), nn::Dropout(0.3), nn::Linear(16, 2));
    opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(0.01));
    sched = std::make_unique<optim::CosineAnnealingLR>(*opt, 30);
    run = std::make_unique<TrainingRun>(*model, *opt, *loader, sched.get());
  }

  // Trains until `steps` optimizer steps in all, across epochs, as a user's loop would.
  void train_until(int64_t steps) {
    model->train();
    while (run->step < steps) {
      for (auto& batch : *loader) {
        auto [x, y] = batch.unpack<2>();
        opt->zero_grad();
        nn::functional::cross_entropy(model(x), y).backward();
        opt->step();
        sched->step();
        if (++run->step == steps) break;
      }
      if (!loader->position().mid_pass) ++run->epoch;
    }
  }
};

}  // namespace

TEST(TrainingRun, StoppedSavedAndRestoredContinuesBitwise) {
  Trainer straight;
  straight.train_until(23);  // ends mid-epoch (7 batches per epoch)

  ScratchDir dir;
  for (int64_t k : {3, 7, 10}) {  // mid-epoch, at an epoch's end, just after one
    SCOPED_TRACE("stopped after step " + std::to_string(k));
    std::string path = dir.path() + "/k" + std::to_string(k) + ".agc";
    {
      Trainer first;
      first.train_until(k);
      first.run->metrics["loss"] = 0.5;
      save_checkpoint(first.run->capture(), path);
    }
    manual_seed(12345);  // the restore must bring back the global generator too
    Trainer resumed;
    resumed.run->restore(load_checkpoint(path), path);
    EXPECT_EQ(resumed.run->step, k);
    EXPECT_EQ(resumed.run->metrics.at("loss"), 0.5);
    resumed.train_until(23);
    EXPECT_EQ(resumed.run->epoch, straight.run->epoch);
    auto a = straight.model->parameters(), b = resumed.model->parameters();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bitwise_equal(a[i], b[i])) << "parameter " << i;
    EXPECT_EQ(straight.sched->get_last_lr(), resumed.sched->get_last_lr());
  }
}

TEST(TrainingRun, CaptureCopiesNoOptimizerState) {
  Trainer s;
  s.train_until(2);
  Checkpoint c = s.run->capture();
  const Tensor& exp_avg = s.opt->state(0, 0).buffers[0];
  ASSERT_TRUE(exp_avg.defined());
  bool aliased = false;
  for (const auto& e : c.section("optimizer").entries())
    if (e.kind() == StateKind::Tensor) aliased |= std::get<Tensor>(e.value).data_ptr() == exp_avg.data_ptr();
  EXPECT_TRUE(aliased) << "the checkpoint holds a copy of the optimizer's exp_avg instead of the tensor itself";
}

TEST(TrainingRun, RestoringWithoutSchedulerStateIntoAScheduledRunIsRefused) {
  Trainer s;
  s.train_until(1);
  Checkpoint c = s.run->capture();
  c.sections.erase("scheduler");
  Trainer other;
  try {
    other.run->restore(c, "x.agc");
    FAIL() << "restored";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint 'x.agc': it has no scheduler state"), std::string::npos) << e.what();
  }
}
