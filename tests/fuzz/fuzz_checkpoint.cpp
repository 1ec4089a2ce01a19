// Fuzz target: the checkpoint loader. The first input byte picks the mode:
//   0: the rest is a whole file (header checks);
//   1: the rest is a payload behind a valid header with a correct CRC, so
//      mutations reach the archive parser;
//   2: as 1, but the second byte is the Boost archive version the header
//      claims, which steers Boost into its code paths for older archives.
#include <cstdint>
#include <string>

#include "ag/checkpoint.h"
#include "checkpoint/checkpoint_io.h"
#include "checkpoint/crc32c.h"
#include "checkpoint/format.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ag::checkpoint;
  if (size == 0) return 0;
  std::string file;
  const uint8_t mode = data[0] % 3;
  if (mode == 0) {
    file.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    size_t skip = mode == 1 ? 1 : 2;
    if (size < skip) return 0;
    ag::CheckpointHeader h;
    h.format_version = ag::kCheckpointFormatVersion;
    h.payload_bytes = size - skip;
    h.payload_crc32c = crc32c(data + skip, size - skip);
    h.archive_version = mode == 1 ? writer_archive_version() : data[1];
    unsigned char header[kHeaderBytes];
    encode_header(h, header);
    file.assign(reinterpret_cast<const char*>(header), kHeaderBytes);
    file.append(reinterpret_cast<const char*>(data + skip), size - skip);
  }
  ag::fuzz::expect_clean<ag::CheckpointError>([&] {
    ag::Checkpoint c = parse_checkpoint_bytes(file.data(), file.size(), ag::fuzz::kInputName);
    for (const auto& [name, dict] : c.sections)
      for (const auto& e : dict.entries())
        if (e.kind() == ag::StateKind::Tensor) ag::fuzz::touch(std::get<ag::Tensor>(e.value));
  });
  return 0;
}
