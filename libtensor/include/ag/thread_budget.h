// How the default thread count is spent (the count itself: ag::set_num_threads and
// ag::get_num_threads in ag/runtime.h).
//
// Under the default (the cores; under mpirun cores / ranks on the node) the count is a
// budget each op may use or not: elementwise loops split only above
// kernels::kParallelGrain elements; matrix products of 33.5M multiply-adds or more share
// one setting, one thread or N, timed on blocks of whole steps and re-timed now and
// then (kernels/gemm_threads.cpp); smaller products run on one thread. So the default
// should never make a run slower than one thread. Where OpenBLAS gives other bits on N
// threads than on one (probed once per large product shape), every product stays on one
// thread, so that results never depend on timing and resumed runs stay bitwise. ag::set_num_threads(n), AG_NUM_THREADS and `allgrad train --threads n`
// force n on every product instead.
#pragma once

namespace ag {

/// Sets the budget like set_num_threads but keeps the per-op choice (what
/// ag::dist::Communicator does with cores / ranks on the node).
void set_default_num_threads(int n);

/// True when the count was forced (set_num_threads, AG_NUM_THREADS).
bool num_threads_forced();

}  // namespace ag
