// The recurrent text classifier behind `--model lstm:...`: embedding, a recurrent
// stack over the packed batch, the final state of each sequence at its true length
// (both directions when bidirectional), and a linear layer to the classes.
#pragma once
#include <cstdint>
#include <string>

#include "ag/nn/nn.h"

namespace ag::models {

class SequenceClassifierImpl : public nn::Module {
 public:
  /// `cell` is "lstm", "gru" or "rnn" (tanh). Token ids are in [0, vocab); id 0 is padding.
  SequenceClassifierImpl(const std::string& cell, int64_t vocab, int64_t embed, int64_t hidden, int64_t layers,
                         bool bidirectional, int64_t classes);
  /// Logits (B, classes) for tokens (B, T) whose sequences all fill the T steps.
  Tensor forward(const Tensor& tokens) override;
  /// Logits (B, classes) for padded tokens (B, T) with int64 lengths (B).
  Tensor forward(const Tensor& tokens, const Tensor& lengths);

  nn::Embedding embedding{nullptr};
  nn::LSTM lstm{nullptr};
  nn::GRU gru{nullptr};
  nn::RNN rnn{nullptr};
  nn::Linear fc{nullptr};

 private:
  int64_t layers_, directions_;
};
AG_MODULE(SequenceClassifier);

}  // namespace ag::models
