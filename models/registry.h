// The model zoo by spec string: "mlp:784,256,128,10", "mlp:784,256,10:dropout=0.2,act=gelu",
// "autoencoder:784,64", "convnet", "logreg:784,10",
// "gpt:layers=4,heads=4,dim=128,context=64[,dropout=0.1][,bias=false]".
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ag/nn/module.h"

namespace ag::models {

/// What the trainer needs to know about a model besides the module itself.
struct ModelInfo {
  std::shared_ptr<nn::Module> module;
  /// Input shape of one example: {784} for MLPs, {1, 28, 28} for the ConvNet.
  std::vector<int64_t> input_shape;
  /// Number of classes (0 for the autoencoder, whose target is its input).
  int64_t classes = 0;
  /// "cross-entropy" or "mse".
  std::string default_loss = "cross-entropy";
  /// A language model (gpt): int64 tokens [B, context] in, logits [B, context, classes]
  /// out, trained on next-token cross-entropy over every position and evaluated by
  /// validation loss rather than accuracy. input_shape is {context}; classes the vocabulary.
  bool language_model = false;
  /// The spec in canonical form (check_model_spec's), stored in checkpoints.
  std::string spec;
  /// Set for models of variable-length sequences: called with a padded batch's inputs and
  /// its lengths (the batch's third field) instead of module->forward(inputs).
  std::function<Tensor(const Tensor& inputs, const Tensor& lengths)> forward_with_lengths;
};

/// The model's output for a batch: forward_with_lengths(inputs, lengths) when the batch
/// carries lengths and the model takes them, else module->forward(inputs).
Tensor predict(const ModelInfo& info, const std::vector<Tensor>& batch_fields);

/// Builds the model a spec names, drawing its initial values from the global generator.
/// Throws std::invalid_argument naming the spec and what is wrong with it.
ModelInfo build_model(const std::string& spec);

/// Checks `spec` as build_model would, without building anything, and returns it in
/// canonical form: defaults left out (act=relu, dropout=0, convnet's 10 classes) and
/// options in name order, so that two spellings of one model compare equal.
/// Throws std::invalid_argument like build_model.
std::string check_model_spec(const std::string& spec);

/// The specs build_model understands, for help texts.
std::string model_specs_help();

}  // namespace ag::models
