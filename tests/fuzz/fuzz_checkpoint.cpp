// Fuzz target: the checkpoint loader. The first input byte picks the mode:
// even = the rest is a whole file (header checks); odd = the rest is a payload
// behind a valid header with a correct CRC, so mutations reach the archive parser.
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
  if (data[0] % 2 == 0) {
    file.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    ag::CheckpointHeader h;
    h.format_version = ag::kCheckpointFormatVersion;
    h.payload_bytes = size - 1;
    h.payload_crc32c = crc32c(data + 1, size - 1);
    h.archive_version = 18;  // Boost 1.74's; the reader accepts older versions too
    unsigned char header[kHeaderBytes];
    encode_header(h, header);
    file.assign(reinterpret_cast<const char*>(header), kHeaderBytes);
    file.append(reinterpret_cast<const char*>(data + 1), size - 1);
  }
  ag::fuzz::expect_clean<ag::CheckpointError>([&] {
    ag::Checkpoint c = parse_checkpoint_bytes(file.data(), file.size(), ag::fuzz::kInputName);
    for (const auto& [name, dict] : c.sections)
      for (const auto& e : dict.entries())
        if (e.kind() == ag::StateKind::Tensor) ag::fuzz::touch(std::get<ag::Tensor>(e.value));
  });
  return 0;
}
