// --data specs → training and test datasets shaped for the model.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ag/data.h"

namespace ag::tools {

struct DataSource {
  data::DatasetRef train;
  std::optional<data::DatasetRef> test;
  std::string description;  // for the start-up line
  std::string train_name, test_name;  // the files (or source) of each split, for messages
  bool variable_length = false;  // sequences (SequenceDataset): batches carry lengths, no fixed input shape
};

/// The --data specs, for --help: "fashion-mnist[:DIR] | idx:DIR | ...".
std::string data_specs_help();
/// Checks `spec`'s form without opening anything; throws UsageError.
void check_data_spec(const std::string& spec);

/// Opens `spec` (fashion-mnist[:DIR] | idx:DIR | csv:FILE[:label=COL] | synthetic[:N]) for a
/// model whose examples have `input_shape` and, when classes > 0, int64 labels in [0, classes);
/// classes == 0 means the target is the input (autoencoder). Every split's examples are
/// checked against `input_shape` here, before training; an empty test split counts as none
/// (the description says so). Throws std::runtime_error with one clear line naming the file
/// (a missing folder names the Debian package to install).
/// For a language model (`language_model`), the spec must be text:... or tokens:...
/// (and only then): input_shape is {context}, classes the vocabulary, and the examples
/// are TokenWindows (int64 [context] inputs and next-token targets).
DataSource open_data(const std::string& spec, const std::vector<int64_t>& input_shape, int64_t classes, uint64_t seed,
                     bool language_model = false);
/// Whether `spec` names language-model data (text:, tokens:).
bool is_token_data(const std::string& spec);

}  // namespace ag::tools
