// The seed's DataLoader section: a loader with a collate_fn that pads variable-length
// sequences and yields (inputs, labels, lengths), and train_epoch summing loss.item().
//
//   loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, collate_fn=collate_fn)
//   def train_epoch(loss_function, optimizer, model, loader): ...
//
// The model is a hand-written per-position linear map and the optimizer plain SGD, so this
// file depends on nothing but ag::data and the core.
#include <gtest/gtest.h>

#include <cstdio>
#include <tuple>

#include "ag/ag.h"
#include "ag/data.h"

using namespace ag;
namespace data = ag::data;

namespace {

constexpr int64_t kFeatures = 3;

// y_t = x_t . w + b at every position t of a sequence [T, 3].
struct SequenceRegressor {
  Tensor weight = zeros({kFeatures, 1}).requires_grad_();
  Tensor bias = zeros({1}).requires_grad_();

  // inputs [B, T, 3] -> outputs [B, T]
  Tensor forward(const Tensor& inputs) const {
    const int64_t b = inputs.size(0), t = inputs.size(1);
    return inputs.reshape({b * t, kFeatures}).matmul(weight).reshape({b, t}) + bias;
  }
  std::vector<Tensor*> parameters() { return {&weight, &bias}; }
};

struct PlainSGD {
  std::vector<Tensor*> params;
  double lr;
  void zero_grad() {
    for (Tensor* p : params) p->mutable_grad().reset();
  }
  void step() {
    NoGradGuard no_grad;
    for (Tensor* p : params) p->sub_(p->grad(), lr);
  }
};

// Mean squared error over the valid positions only: position t of sequence i counts when t < lengths[i].
Tensor masked_mse(const Tensor& outputs, const Tensor& labels, const Tensor& lengths) {
  const int64_t t = outputs.size(1);
  Tensor mask = (arange(static_cast<double>(t)).unsqueeze(0) < lengths.unsqueeze(1)).to(kFloat32);
  Tensor diff = outputs - labels;
  return (diff * diff * mask).sum() / mask.sum();
}

// Sequences of 1..8 positions with targets from a fixed linear rule.
data::ListDataset make_sequences(int64_t count) {
  Generator g(7);
  Tensor w_true = tensor({{0.5f}, {-1.0f}, {2.0f}});
  std::vector<data::Example<>> examples;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t length = 1 + static_cast<int64_t>(g.random() % 8);
    Tensor x = randn({length, kFeatures}, {}, &g);
    Tensor y = x.matmul(w_true).reshape({length}) + 0.3;
    examples.push_back({x, y});
  }
  return data::ListDataset(std::move(examples));
}

using Batch = std::tuple<Tensor, Tensor, Tensor>;

// collate_fn: one parameter, the list of examples; pads inputs and labels, records lengths.
Batch collate_fn(std::vector<data::Example<>> examples, double padding_value = 0.0) {
  std::vector<Tensor> inputs, labels;
  std::vector<int64_t> lengths;
  for (const data::Example<>& e : examples) {
    inputs.push_back(e[0]);
    labels.push_back(e[1]);
    lengths.push_back(e[0].size(0));
  }
  return {data::pad_sequence(inputs, /*batch_first=*/true, padding_value), data::pad_sequence(labels, true, padding_value),
          from_vector(lengths, {static_cast<int64_t>(lengths.size())})};
}

template <typename LossFn, typename Loader>
double train_epoch(LossFn loss_function, PlainSGD& optimizer, SequenceRegressor& model, Loader& loader) {
  // Keep track of the total loss for the batch
  double total_loss = 0;
  for (auto& [batch_inputs, batch_labels, batch_lengths] : loader) {
    optimizer.zero_grad();                                            // Clear the gradients
    Tensor outputs = model.forward(batch_inputs);                     // Run a forward pass
    Tensor loss = loss_function(outputs, batch_labels, batch_lengths);  // Compute the batch loss
    loss.backward();                                                  // Calculate the gradients
    optimizer.step();                                                 // Update the parameters
    total_loss += loss.item();
  }
  return total_loss;
}

}  // namespace

TEST(SeedDataLoader, TrainEpochOverPaddedSequencesLearns) {
  manual_seed(0);
  data::ListDataset sequences = make_sequences(64);
  const int64_t batch_size = 8;
  const bool shuffle = true;
  data::DataLoader loader(sequences, data::DataLoaderOptions(batch_size).shuffle(shuffle),
                          [](std::vector<data::Example<>> ex) { return collate_fn(std::move(ex)); });
  SequenceRegressor model;
  PlainSGD optimizer{model.parameters(), 0.03};
  std::vector<double> losses;
  for (int epoch = 0; epoch < 8; ++epoch) {
    losses.push_back(train_epoch(masked_mse, optimizer, model, loader));
    std::printf("Epoch %d: training loss: %.6g\n", epoch, losses.back());
  }
  EXPECT_LT(losses.back(), losses.front() * 0.01);
  for (size_t e = 1; e < losses.size(); ++e) EXPECT_LT(losses[e], losses[e - 1]) << "epoch " << e;
  EXPECT_NEAR(model.weight.index({2, 0}).item<float>(), 2.0f, 0.05f);
  EXPECT_NEAR(model.bias.item<float>(), 0.3f, 0.05f);
}

TEST(SeedDataLoader, TheLossIgnoresPadding) {
  data::ListDataset sequences = make_sequences(6);
  std::vector<data::Example<>> batch;
  for (int64_t i = 0; i < sequences.size(); ++i) batch.push_back(sequences.get(i));
  auto [x0, y0, len0] = collate_fn(batch, 0.0);
  auto [x1, y1, len1] = collate_fn(batch, 100.0);
  ASSERT_FALSE(x0.equal(x1));  // some sequence is shorter than the longest
  SequenceRegressor model;
  {
    NoGradGuard g;
    model.weight.copy_(tensor({{0.1f}, {0.2f}, {0.3f}}));
  }
  EXPECT_FLOAT_EQ(masked_mse(model.forward(x0), y0, len0).item<float>(), masked_mse(model.forward(x1), y1, len1).item<float>());
  EXPECT_TRUE(len0.equal(len1));
}
