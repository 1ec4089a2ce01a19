// Turns MPI return codes into exceptions that name the call and the rank.
#pragma once
#include <mpi.h>

#include <stdexcept>
#include <string>

namespace ag::dist::detail {

inline std::string mpi_error_string(int code) {
  char buf[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, buf, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(buf, static_cast<size_t>(len));
}

inline void mpi_check(int code, const char* call, int rank) {
  if (code != MPI_SUCCESS)
    throw std::runtime_error(std::string(call) + " failed on rank " + std::to_string(rank) + ": " + mpi_error_string(code));
}

}  // namespace ag::dist::detail
