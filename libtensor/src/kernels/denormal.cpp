// set_thread_flush_denormal: the MXCSR bits on x86; elsewhere unsupported.
#include "kernels/denormal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#define AG_DENORMAL_X86 1
#endif

namespace ag::kernels {

bool set_thread_flush_denormal(bool on) {
#ifdef AG_DENORMAL_X86
  if (!__builtin_cpu_supports("sse3")) return false;  // denormals-are-zero needs it
  _MM_SET_FLUSH_ZERO_MODE(on ? _MM_FLUSH_ZERO_ON : _MM_FLUSH_ZERO_OFF);
  _MM_SET_DENORMALS_ZERO_MODE(on ? _MM_DENORMALS_ZERO_ON : _MM_DENORMALS_ZERO_OFF);
  return true;
#else
  (void)on;
  return false;
#endif
}

}  // namespace ag::kernels
