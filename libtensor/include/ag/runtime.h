// Process-wide settings: threads, BLAS kernel selection, denormal handling.
#pragma once
#include <string>

namespace ag {

/// Threads used by OpenBLAS and allgrad's own parallel loops together.
/// Default: the number of cores (AG_NUM_THREADS overrides).
void set_num_threads(int n);
int get_num_threads();

/// Flush subnormal floats to zero on this thread and on allgrad's worker
/// threads (torch.set_flush_denormal). Returns false if the CPU cannot.
bool set_flush_denormal(bool on);

/// The OpenBLAS core type best suited to this CPU ("SkylakeX", "Haswell", ...),
/// from the CPU's own feature flags; empty if none is better than OpenBLAS's choice.
std::string preferred_blas_core();
/// The core OpenBLAS is running now ("Prescott", "Haswell", ...).
std::string active_blas_core();

/// Call first thing in main(argc, argv), if the program may be restarted. OpenBLAS
/// picks its kernels when it is loaded, before main, and does not recognise CPUs
/// newer than itself; this re-executes the program (execv of /proc/self/exe with the
/// same argv) once with OPENBLAS_CORETYPE set to the best core the CPU supports,
/// unless the user already set it, and marks the choice with AG_BLAS_CHOSEN=1; both
/// stay in the environment, inherited by child processes. Should the chosen kernels
/// fail a self-test, it re-executes once more without them (AG_BLAS_REJECTED=1).
/// Does nothing when the running core is already the preferred one. Returns only if
/// no re-exec happened. Nothing else in the library re-executes or exits the process.
void ensure_best_blas_kernels(int argc, char** argv);

/// One line for --version and start-up logs: "OpenBLAS core SkylakeX (chosen by allgrad), 2 threads".
std::string blas_report();

/// Checks one small sgemm against a plain loop; false means the kernels compute wrong results.
bool blas_self_test();

}  // namespace ag
