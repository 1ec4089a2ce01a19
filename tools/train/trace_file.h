// --profile: the run's trace (ag::profiler) written as one Chrome trace-event file.
#pragma once
#include "train/run.h"

namespace ag::tools {

/// Starts recording when --profile is given (on every rank alike); rank 0 creates the
/// file now, so a path it cannot write fails before training.
void start_trace(Run& r);
/// Stops recording; rank 0 writes every rank's events to the --profile file, one
/// process per rank (pid = rank), times from each rank's start of recording. A
/// collective: every rank calls it.
void write_trace(Run& r);

}  // namespace ag::tools
