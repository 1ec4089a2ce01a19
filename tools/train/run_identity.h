// What makes two `allgrad train` processes the same run: the settings every rank
// must share (checked at start-up) and that a resumed checkpoint must have been
// written with.
#pragma once
#include <string>

#include "ag/checkpoint.h"
#include "ag/dist/same_settings.h"
#include "train/options.h"

namespace ag::tools {

/// The settings that decide what is trained and how: the model (canonical spec),
/// the data and its size, loss, optimizer and its hyper-parameters, schedule, seed,
/// batch size, shuffling, epochs and step limit, checkpointing, the NaN policy.
dist::Settings run_identity(const TrainOptions& o, const std::string& model_spec, int64_t train_examples, int64_t world);

/// The settings as stored in a checkpoint's user metadata ("setting.NAME").
void store_identity(std::map<std::string, std::string>& user, const dist::Settings& identity);

/// Throws UsageError when the checkpoint at `path` was written with other settings
/// that decide what is trained, naming each and both values. Settings that may
/// change on resume (epochs, step limit, checkpointing, logging) are not compared;
/// nor is anything in a checkpoint that stored no settings.
void require_resumable(const Checkpoint& c, const std::string& path, const dist::Settings& identity);

}  // namespace ag::tools
