// Flush-to-zero for the calling thread: the floating-point control state is
// per thread, so the caller and each pool worker set their own.
#pragma once

namespace ag::kernels {

/// Flushes subnormal results and inputs to zero on this thread (or stops); false
/// where the CPU cannot, or on an architecture allgrad has no switch for.
bool set_thread_flush_denormal(bool on);

}  // namespace ag::kernels
