// SequenceClassifier: tokens are packed before the embedding, so padding costs
// neither embedding rows nor recurrent steps.
#include "sequence_classifier.h"

#include <stdexcept>

namespace ag::models {

namespace rnn_utils = nn::utils::rnn;

SequenceClassifierImpl::SequenceClassifierImpl(const std::string& cell, int64_t vocab, int64_t embed, int64_t hidden,
                                               int64_t layers, bool bidirectional, int64_t classes)
    : layers_(layers), directions_(bidirectional ? 2 : 1) {
  embedding = register_module("embedding", nn::Embedding(vocab, embed, 0));
  if (cell == "lstm") lstm = register_module("rnn", nn::LSTM(nn::LSTMOptions(embed, hidden).num_layers(layers).bidirectional(bidirectional)));
  else if (cell == "gru") gru = register_module("rnn", nn::GRU(nn::GRUOptions(embed, hidden).num_layers(layers).bidirectional(bidirectional)));
  else if (cell == "rnn") rnn = register_module("rnn", nn::RNN(nn::RNNOptions(embed, hidden).num_layers(layers).bidirectional(bidirectional)));
  else throw std::invalid_argument("cell=" + cell + " is not lstm, gru or rnn");
  fc = register_module("fc", nn::Linear(hidden * directions_, classes));
}

Tensor SequenceClassifierImpl::forward(const Tensor& tokens) {
  if (tokens.dim() != 2) throw std::invalid_argument("SequenceClassifier: tokens must be (B, T), got " + to_string(tokens.sizes()));
  return forward(tokens, full({tokens.size(0)}, static_cast<double>(tokens.size(1)), kInt64));
}

Tensor SequenceClassifierImpl::forward(const Tensor& tokens, const Tensor& lengths) {
  auto packed = rnn_utils::pack_padded_sequence(tokens, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
  packed = packed.with_data(embedding(packed.data()));
  Tensor h_n = !lstm.is_empty() ? std::get<0>(std::get<1>(lstm->forward_with_packed_input(packed)))
               : !gru.is_empty() ? std::get<1>(gru->forward_with_packed_input(packed))
                     : std::get<1>(rnn->forward_with_packed_input(packed));
  // The last layer's final states: (D, B, H) → (B, D·H), forward direction first.
  Tensor last = h_n.narrow(0, (layers_ - 1) * directions_, directions_).transpose(0, 1).reshape({tokens.size(0), -1});
  return fc(last);
}

}  // namespace ag::models
