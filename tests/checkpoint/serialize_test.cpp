// ag::save / ag::load (torch::save / torch::load): modules given every way
// libtorch code gives them, an optimizer saved mid-training that steps on bitwise
// as if never saved, tensors, bad files and mismatched models, and `allgrad inspect`
// reading what they write.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "ag/ag.h"
#include "checkpoint_test_util.h"
#include "checkpoint_tools.h"

using namespace ag;
using ag::testing::bitwise_equal;
using ag::testing::expect_checkpoint_error;
using ag::testing::read_bytes;
using ag::testing::ScratchDir;
using ag::testing::write_bytes;

namespace {

// A user's module in libtorch's style, with a persistent buffer besides the parameters.
struct TinyNetImpl : nn::Module {
  explicit TinyNetImpl(int64_t hidden = 5) {
    fc1 = register_module("fc1", nn::Linear(3, hidden));
    fc2 = register_module("fc2", nn::Linear(hidden, 2));
    scale = register_buffer("scale", full({2}, 1.5));
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))) * scale; }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  Tensor scale;
};
AG_MODULE(TinyNet);

// Every entry of a's state dict is bitwise equal to b's, and the names agree.
void expect_same_state(const nn::Module& a, const nn::Module& b) {
  const NamedTensors sa = a.state_dict().tensors(), sb = b.state_dict().tensors();
  ASSERT_EQ(sa.keys(), sb.keys());
  for (const auto& [name, t] : sa) EXPECT_TRUE(bitwise_equal(t, sb[name])) << name;
}

// One Adam step on a fixed batch.
void train_step(TinyNet& net, optim::Optimizer& opt, const Tensor& x, const Tensor& y) {
  opt.zero_grad();
  nn::functional::mse_loss(net(x), y).backward();
  opt.step();
}

}  // namespace

TEST(Serialize, UserModuleHolderRoundTrips) {
  ScratchDir dir;
  manual_seed(1);
  TinyNet saved;
  saved->scale.fill_(0.25);
  save(saved, dir / "net.agc");

  manual_seed(2);  // different initial weights, so the load has to write every one
  TinyNet loaded;
  EXPECT_FALSE(bitwise_equal(saved->fc1->weight, loaded->fc1->weight));
  const Tensor weight_before = loaded->fc1->weight;
  load(loaded, dir / "net.agc");
  expect_same_state(*saved, *loaded);
  EXPECT_EQ(loaded->scale[1].item<double>(), 0.25);
  // In place: the tensors an optimizer holds are the loaded ones.
  EXPECT_EQ(loaded->fc1->weight.data_ptr(), weight_before.data_ptr());
}

TEST(Serialize, LibraryHolderSharedPtrAndModuleReferenceRoundTrip) {
  ScratchDir dir;
  manual_seed(3);
  nn::Linear a(4, 3);
  save(a, dir / "linear.agc");
  nn::Linear b(4, 3);
  load(b, dir / "linear.agc");
  expect_same_state(*a, *b);

  // A shared_ptr<Module> and a Module& (the other ways libtorch code holds modules).
  std::shared_ptr<nn::Module> as_base = TinyNet().ptr();
  save(as_base, dir / "ptr.agc");
  TinyNetImpl object;
  nn::Module& as_ref = object;
  load(as_ref, dir / "ptr.agc");
  expect_same_state(*as_base, object);

  save(object, dir / "ref.agc");
  auto derived = std::make_shared<TinyNetImpl>();
  load(derived, dir / "ref.agc");
  expect_same_state(object, *derived);
}

TEST(Serialize, AdamSavedMidTrainingStepsOnBitwise) {
  ScratchDir dir;
  manual_seed(4);
  const Tensor x = randn({8, 3}), y = randn({8, 2});
  TinyNet net;
  optim::Adam opt(net->parameters(), optim::AdamOptions(0.05).amsgrad(true));
  for (int i = 0; i < 3; ++i) train_step(net, opt, x, y);
  save(net, dir / "model.agc");
  save(opt, dir / "opt.agc");

  // A fresh model and optimizer with other weights and settings; everything comes from the files.
  manual_seed(5);
  TinyNet resumed;
  optim::Adam resumed_opt(resumed->parameters(), optim::AdamOptions(0.5));
  load(resumed, dir / "model.agc");
  load(resumed_opt, dir / "opt.agc");
  EXPECT_EQ(resumed_opt.param_groups()[0].lr(), 0.05);
  EXPECT_EQ(resumed_opt.state(0, 0).step, 3);

  for (int i = 0; i < 2; ++i) {
    train_step(net, opt, x, y);
    train_step(resumed, resumed_opt, x, y);
  }
  expect_same_state(*net, *resumed);
  for (size_t i = 0; i < net->parameters().size(); ++i)
    for (size_t slot = 0; slot < opt.buffer_names().size(); ++slot)
      EXPECT_TRUE(bitwise_equal(opt.state(0, i).buffers[slot], resumed_opt.state(0, i).buffers[slot]))
          << "parameter " << i << " " << opt.buffer_names()[slot];
}

TEST(Serialize, OptimizerOfAnotherTypeIsRefusedNamingTheFile) {
  ScratchDir dir;
  TinyNet net;
  optim::Adam adam(net->parameters());
  save(adam, dir / "adam.agc");
  optim::SGD sgd(net->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  const std::string reason = expect_checkpoint_error([&] { load(sgd, dir / "adam.agc"); }, dir / "adam.agc");
  EXPECT_NE(reason.find("Adam"), std::string::npos) << reason;
  EXPECT_EQ(sgd.param_groups()[0].lr(), 0.1);  // unchanged
}

TEST(Serialize, TensorsRoundTripWithDtypeAndShape) {
  ScratchDir dir;
  const Tensor t = arange(12).reshape({3, 4}).to(kFloat64).t();  // non-contiguous, float64
  save(t, dir / "t.agc");
  Tensor back;
  load(back, dir / "t.agc");
  EXPECT_TRUE(bitwise_equal(back, t));
  EXPECT_EQ(back.dtype(), kFloat64);

  const std::vector<Tensor> list = {ones({2}, dtype(kInt64)), randn({3, 1}), zeros({0})};
  save(list, dir / "list.agc");
  std::vector<Tensor> list_back = {ones({7})};  // replaced, not appended to
  load(list_back, dir / "list.agc");
  ASSERT_EQ(list_back.size(), 3u);
  for (size_t i = 0; i < list.size(); ++i) EXPECT_TRUE(bitwise_equal(list_back[i], list[i])) << i;

  Tensor one;
  const std::string reason = expect_checkpoint_error([&] { load(one, dir / "list.agc"); }, dir / "list.agc");
  EXPECT_NE(reason.find("holds 3 tensors"), std::string::npos) << reason;
}

TEST(Serialize, ModelOfAnotherShapeNamesTheFileAndTheKey) {
  ScratchDir dir;
  TinyNet small(5);
  save(small, dir / "small.agc");
  TinyNet wide(7);
  const Tensor before = wide->fc1->weight.clone();
  const std::string reason = expect_checkpoint_error([&] { load(wide, dir / "small.agc"); }, dir / "small.agc");
  EXPECT_NE(reason.find("size mismatch for fc1.weight"), std::string::npos) << reason;
  EXPECT_NE(reason.find("[5, 3]"), std::string::npos) << reason;
  EXPECT_NE(reason.find("[7, 3]"), std::string::npos) << reason;
  EXPECT_EQ(reason.find('\n'), std::string::npos) << reason;
  EXPECT_TRUE(bitwise_equal(wide->fc1->weight, before));  // nothing copied

  nn::Linear other(3, 5);
  const std::string keys = expect_checkpoint_error([&] { load(other, dir / "small.agc"); }, dir / "small.agc");
  EXPECT_NE(keys.find("Missing key(s) in state_dict: \"weight\""), std::string::npos) << keys;
  EXPECT_NE(keys.find("\"fc1.weight\""), std::string::npos) << keys;
}

TEST(Serialize, WrongKindOfFileSaysWhatItHolds) {
  ScratchDir dir;
  save(ones({2}), dir / "t.agc");
  TinyNet net;
  const std::string reason = expect_checkpoint_error([&] { load(net, dir / "t.agc"); }, dir / "t.agc");
  EXPECT_NE(reason.find("no section 'model'"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'tensors'"), std::string::npos) << reason;
}

TEST(Serialize, CorruptOrTruncatedFileNamesTheFile) {
  ScratchDir dir;
  TinyNet net;
  const std::string path = dir / "net.agc";
  save(net, path);
  const std::string good = read_bytes(path);

  write_bytes(path, good.substr(0, good.size() - 9));
  expect_checkpoint_error([&] { load(net, path); }, path);

  std::string flipped = good;
  flipped[flipped.size() - 20] ^= 0x10;  // tensor data: only the CRC can tell
  write_bytes(path, flipped);
  const std::string reason = expect_checkpoint_error([&] { load(net, path); }, path);
  EXPECT_NE(reason.find("CRC"), std::string::npos) << reason;

  expect_checkpoint_error([&] { load(net, dir / "missing.agc"); }, dir / "missing.agc");
}

TEST(Serialize, FailedSaveLeavesTheOldFile) {
  ScratchDir dir;
  const std::string path = dir / "t.agc";
  save(ones({3}), path);
  const std::string before = read_bytes(path);
  EXPECT_THROW(save(std::vector<Tensor>{ones({2}), Tensor()}, path), std::invalid_argument);
  EXPECT_THROW(save(ones({5}), dir / "no-such-dir/t.agc"), CheckpointError);
  EXPECT_EQ(read_bytes(path), before);
}

TEST(Serialize, InspectReadsSavedModelsAndOptimizers) {
  ScratchDir dir;
  TinyNet net;
  optim::Adam opt(net->named_parameters());
  train_step(net, opt, ones({4, 3}), zeros({4, 2}));
  save(net, dir / "model.agc");
  save(opt, dir / "opt.agc");

  std::ostringstream model_out, opt_out, verify_out;
  ASSERT_EQ(tools::inspect(dir / "model.agc", {}, model_out), 0);
  EXPECT_NE(model_out.str().find("model       TinyNet\n"), std::string::npos) << model_out.str();
  EXPECT_NE(model_out.str().find("section 'model': 5 tensors"), std::string::npos) << model_out.str();
  EXPECT_NE(model_out.str().find("fc2.bias"), std::string::npos) << model_out.str();

  ASSERT_EQ(tools::inspect(dir / "opt.agc", {}, opt_out), 0);
  EXPECT_NE(opt_out.str().find("state.fc1.weight.buf.exp_avg_sq"), std::string::npos) << opt_out.str();
  EXPECT_NE(opt_out.str().find("\"Adam\""), std::string::npos) << opt_out.str();

  tools::InspectOptions verify;
  verify.verify = true;
  EXPECT_EQ(tools::inspect(dir / "opt.agc", verify, verify_out), 0) << verify_out.str();
}
