// Boost.Serialization records for the payload. Each record class has a
// BOOST_CLASS_VERSION and an explicit save/load split; it writes only
// fixed-width integers, doubles and raw bytes (never size_t or long, whose
// width differs between 32- and 64-bit builds), and on load checks every
// length against the bytes that remain before it allocates.
#include "checkpoint/archive.h"

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/split_member.hpp>
#include <boost/serialization/tracking.hpp>
#include <boost/serialization/version.hpp>
#include <bit>
#include <limits>

#include "checkpoint/format.h"
#include "kernels/kernels.h"
#include "tensor/long_lived_buffer.h"

static_assert(std::endian::native == std::endian::little,
              "the checkpoint format is little-endian; a big-endian port must swap bytes in archive.cpp");

namespace ag::checkpoint {

/// Context shared by the records of one save (out) or one load (in, owner).
struct RecordIo {
  PayloadWriter* out = nullptr;
  PayloadReader* in = nullptr;
};

// `loaded` is set by load() (begin_load); see Note [Back-references].
#define AG_RECORD_SAVE_LOAD                                  \
  bool loaded = false;                                         \
  template <class A> void save(A& ar, unsigned version) const; \
  template <class A> void load(A& ar, unsigned version);       \
  BOOST_SERIALIZATION_SPLIT_MEMBER()

/// A tensor: u8 dtype, u8 ndim, i64 sizes, u64 byte count, u8 padding count,
/// padding, raw little-endian bytes (aligned to kDataAlignment in the file).
struct TensorRecord {
  const Tensor* src = nullptr;
  Tensor* dst = nullptr;
  const std::string* what = nullptr;  // "section 'model' entry 'fc1.weight'"
  RecordIo io;
  AG_RECORD_SAVE_LOAD
};

/// A StateDict: u32 count, then per entry: name, u8 kind, value.
struct StateDictRecord {
  const StateDict* src = nullptr;
  StateDict* dst = nullptr;
  const std::string* what = nullptr;  // "section 'model'"
  RecordIo io;
  AG_RECORD_SAVE_LOAD
};

/// CheckpointMeta: strings, int64s, then the two maps with u32 counts.
struct MetaRecord {
  const CheckpointMeta* src = nullptr;
  CheckpointMeta* dst = nullptr;
  RecordIo io;
  AG_RECORD_SAVE_LOAD
};

/// The whole payload: metadata, u32 section count, then (name, StateDict) pairs.
struct CheckpointRecord {
  const CheckpointMeta* meta = nullptr;  // save: the metadata as stamped by save_checkpoint
  const std::map<std::string, StateDict>* sections = nullptr;
  Checkpoint* dst = nullptr;
  RecordIo io;
  AG_RECORD_SAVE_LOAD
};

}  // namespace ag::checkpoint

// Note [Record versions]: a record's version comes from the file; a version
// newer than the one declared here means a newer allgrad wrote the record in a
// way this one cannot read, so load refuses it instead of guessing. Records
// are written by value, never through pointers: no object tracking.
#define AG_CHECKPOINT_RECORD(T, V)          \
  BOOST_CLASS_VERSION(ag::checkpoint::T, V) \
  BOOST_CLASS_TRACKING(ag::checkpoint::T, boost::serialization::track_never)
AG_CHECKPOINT_RECORD(TensorRecord, 1)
AG_CHECKPOINT_RECORD(StateDictRecord, 1)
AG_CHECKPOINT_RECORD(MetaRecord, 1)
AG_CHECKPOINT_RECORD(CheckpointRecord, 1)

namespace ag::checkpoint {

using OArchive = boost::archive::binary_oarchive;
using IArchive = boost::archive::binary_iarchive;

namespace {

constexpr unsigned kArchiveFlags = boost::archive::no_header | boost::archive::no_codecvt;

// The only types the payload holds besides raw bytes.
template <class T>
constexpr bool kWireType = std::is_same_v<T, uint8_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, int64_t> ||
                           std::is_same_v<T, uint64_t> || std::is_same_v<T, double>;

template <class T> void put(OArchive& ar, T v) {
  static_assert(kWireType<T>, "write fixed-width integers (never size_t or long) or doubles");
  ar << v;
}

template <class T> T get(IArchive& ar, PayloadReader& in, const std::string& what) {
  static_assert(kWireType<T>);
  in.require(sizeof(T), what);
  T v;
  ar >> v;
  return v;
}

// A length or count, as u32.
void put_count(OArchive& ar, size_t n, const std::string& what) {
  if (n > std::numeric_limits<uint32_t>::max())
    throw std::length_error("save_checkpoint: " + what + " (" + std::to_string(n) + ") does not fit the format's 32 bits");
  put<uint32_t>(ar, static_cast<uint32_t>(n));
}

void put_string(OArchive& ar, const std::string& s, const std::string& what) {
  put_count(ar, s.size(), "length of " + what);
  ar.save_binary(s.data(), s.size());
}

std::string get_string(IArchive& ar, PayloadReader& in, const std::string& what) {
  uint32_t n = get<uint32_t>(ar, in, what + " length");
  return in.read_string(n, what);
}

// The first thing every load() does: checks the record's version (Note
// [Record versions]) and marks the record as read (Note [Back-references]).
template <class T> void begin_load(T& rec, PayloadReader& in, const char* record, unsigned version) {
  const unsigned known = boost::serialization::version<T>::value;
  if (version == 0 || version > known)
    in.fail_here(std::string(record) + " record version " + std::to_string(version) + " is not one this allgrad reads (1.." +
                 std::to_string(known) + ")");
  rec.loaded = true;
}

// Note [Back-references]: the file, not this code, says whether Boost tracks
// a record class (the tracking byte of the class's first record). A file that
// claims tracking can then make a later record a reference to an earlier
// object, and Boost skips load() for it: a tensor would stay undefined or a
// section empty, with the CRC intact. allgrad never writes tracked records, so
// a record whose load() did not run is refused where it was expected.
template <class R> void read_record(IArchive& ar, R& rec, PayloadReader& in, const std::string& what) {
  ar >> rec;
  if (!rec.loaded) in.fail_here(what + ": the archive refers back to an earlier record instead of holding one");
}

// dtype codes in the file; independent of ScalarType's numbering.
uint8_t dtype_code(ScalarType t) {
  switch (t) {
    case kFloat32: return 0;
    case kFloat64: return 1;
    case kInt64: return 2;
    case kBool: return 3;
  }
  throw std::logic_error("checkpoint: unknown dtype");
}

}  // namespace

template <class A> void TensorRecord::save(A& ar, unsigned) const {
  Tensor c = io.out->counting() ? *src : kernels::contiguous(*src);  // a dry run only needs the sizes
  put<uint8_t>(ar, dtype_code(c.dtype()));
  put<uint8_t>(ar, static_cast<uint8_t>(c.dim()));
  for (int64_t s : c.sizes()) put<int64_t>(ar, s);
  put<uint64_t>(ar, c.nbytes());
  uint64_t data_at = kHeaderBytes + io.out->position() + 1;  // after the padding count
  uint8_t pad = static_cast<uint8_t>((kDataAlignment - data_at % kDataAlignment) % kDataAlignment);
  put<uint8_t>(ar, pad);
  static const char zeros[kDataAlignment] = {};
  ar.save_binary(zeros, pad);
  if (c.nbytes() > 0) ar.save_binary(c.data_ptr(), c.nbytes());
}

template <class A> void TensorRecord::load(A& ar, unsigned version) {
  PayloadReader& in = *io.in;
  const std::string& w = *what;
  begin_load(*this, in, "tensor", version);
  uint8_t code = get<uint8_t>(ar, in, w + " dtype");
  static constexpr ScalarType kTypes[] = {kFloat32, kFloat64, kInt64, kBool};
  if (code >= 4) in.fail_here(w + ": unknown dtype code " + std::to_string(code) + " (0..3 are float32, float64, int64, bool)");
  ScalarType dtype = kTypes[code];
  uint8_t ndim = get<uint8_t>(ar, in, w + " rank");
  if (ndim > kMaxDims)
    in.fail_here(w + ": " + std::to_string(ndim) + " dimensions, more than allgrad's " + std::to_string(kMaxDims));
  Dims shape;
  for (uint8_t d = 0; d < ndim; ++d) {
    int64_t s = get<int64_t>(ar, in, w + " size");
    if (s < 0) in.fail_here(w + ": negative size " + std::to_string(s) + " in dimension " + std::to_string(d));
    shape.push_back(s);
  }
  uint64_t numel = 0;
  try {
    numel = static_cast<uint64_t>(checked_numel(shape, w));
  } catch (const std::invalid_argument& e) {
    in.fail_here(e.what());
  }
  uint64_t esize = element_size(dtype);
  uint64_t nbytes = get<uint64_t>(ar, in, w + " byte count");
  if (numel > std::numeric_limits<uint64_t>::max() / esize || nbytes != numel * esize)
    in.fail_here(w + ": byte count " + std::to_string(nbytes) + " does not match shape " + to_string(shape) + " of " +
                 dtype_name(dtype));
  uint8_t pad = get<uint8_t>(ar, in, w + " padding count");
  if (pad >= kDataAlignment) in.fail_here(w + ": padding of " + std::to_string(pad) + " bytes (at most 63)");
  char padding[kDataAlignment];
  in.read_into(padding, pad, w + " padding");
  if (in.file_offset() % kDataAlignment != 0) in.fail_here(w + ": tensor data is not 64-byte aligned");
  const std::string data_what = w + " data (" + to_string(shape) + " " + dtype_name(dtype) + ")";
  in.require(nbytes, data_what);  // before the allocation
  // Each tensor its own memory, so an optimizer can take its moments over
  // (Optimizer::load_state_dict) and the rest is freed once copied.
  std::shared_ptr<void> memory = detail::allocate_long_lived(static_cast<size_t>(nbytes));
  auto* data = static_cast<char*>(memory.get());
  in.read_into(data, nbytes, data_what);
  if (dtype == kBool)
    for (uint64_t i = 0; i < nbytes; ++i)
      if (static_cast<unsigned char>(data[i]) > 1)
        fail(in.path(), w + ": bool value " + std::to_string(static_cast<unsigned char>(data[i])) + " at byte " +
                            std::to_string(in.file_offset() - nbytes + i));
  *dst = from_blob(data, shape, dtype, std::move(memory));
}

template <class A> void StateDictRecord::save(A& ar, unsigned) const {
  put_count(ar, src->size(), "entry count of " + *what);
  for (const StateDict::Entry& e : src->entries()) {
    put_string(ar, e.name, "entry name");
    put<uint8_t>(ar, static_cast<uint8_t>(e.kind()));
    switch (e.kind()) {
      case StateKind::Tensor: ar << TensorRecord{&std::get<Tensor>(e.value), nullptr, nullptr, io}; break;
      case StateKind::Int: put<int64_t>(ar, std::get<int64_t>(e.value)); break;
      case StateKind::Double: put<double>(ar, std::get<double>(e.value)); break;
      case StateKind::String: put_string(ar, std::get<std::string>(e.value), "string value of " + e.name); break;
    }
  }
}

template <class A> void StateDictRecord::load(A& ar, unsigned version) {
  PayloadReader& in = *io.in;
  begin_load(*this, in, "state dict", version);
  uint32_t count = get<uint32_t>(ar, in, *what + " entry count");
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = get_string(ar, in, *what + " entry name");
    std::string w = *what + " entry '" + name + "'";
    if (dst->contains(name)) in.fail_here(w + " appears twice");
    uint8_t kind = get<uint8_t>(ar, in, w + " kind");
    switch (kind) {
      case static_cast<uint8_t>(StateKind::Tensor): {
        Tensor t;
        TensorRecord rec{nullptr, &t, &w, io};
        read_record(ar, rec, in, w);
        dst->set(name, std::move(t));
        break;
      }
      case static_cast<uint8_t>(StateKind::Int): dst->set_int(name, get<int64_t>(ar, in, w)); break;
      case static_cast<uint8_t>(StateKind::Double): dst->set_double(name, get<double>(ar, in, w)); break;
      case static_cast<uint8_t>(StateKind::String): dst->set_string(name, get_string(ar, in, w)); break;
      default: in.fail_here(w + ": unknown value kind " + std::to_string(kind));
    }
  }
}

template <class A> void MetaRecord::save(A& ar, unsigned) const {
  const CheckpointMeta& m = *src;
  put_string(ar, m.allgrad_version, "allgrad version");
  put<int64_t>(ar, m.created_unix_ms);
  put<int64_t>(ar, m.world_size);
  put_string(ar, m.model_spec, "model spec");
  put<int64_t>(ar, m.epoch);
  put<int64_t>(ar, m.global_step);
  put_count(ar, m.user.size(), "user key count");
  for (const auto& [k, v] : m.user) {
    put_string(ar, k, "user key");
    put_string(ar, v, "user value");
  }
  put_count(ar, m.metrics.size(), "metric count");
  for (const auto& [k, v] : m.metrics) {
    put_string(ar, k, "metric name");
    put<double>(ar, v);
  }
}

template <class A> void MetaRecord::load(A& ar, unsigned version) {
  PayloadReader& in = *io.in;
  begin_load(*this, in, "metadata", version);
  CheckpointMeta& m = *dst;
  m.allgrad_version = get_string(ar, in, "metadata: allgrad version");
  m.created_unix_ms = get<int64_t>(ar, in, "metadata: creation time");
  m.world_size = get<int64_t>(ar, in, "metadata: world size");
  m.model_spec = get_string(ar, in, "metadata: model spec");
  m.epoch = get<int64_t>(ar, in, "metadata: epoch");
  m.global_step = get<int64_t>(ar, in, "metadata: global step");
  uint32_t n_user = get<uint32_t>(ar, in, "metadata: user key count");
  for (uint32_t i = 0; i < n_user; ++i) {
    std::string k = get_string(ar, in, "metadata: user key");
    std::string v = get_string(ar, in, "metadata: value of user key '" + k + "'");
    if (!m.user.emplace(std::move(k), std::move(v)).second) in.fail_here("metadata: a user key appears twice");
  }
  uint32_t n_metrics = get<uint32_t>(ar, in, "metadata: metric count");
  for (uint32_t i = 0; i < n_metrics; ++i) {
    std::string k = get_string(ar, in, "metadata: metric name");
    double v = get<double>(ar, in, "metadata: value of metric '" + k + "'");
    if (!m.metrics.emplace(std::move(k), v).second) in.fail_here("metadata: a metric appears twice");
  }
}

template <class A> void CheckpointRecord::save(A& ar, unsigned) const {
  ar << MetaRecord{meta, nullptr, io};
  put_count(ar, sections->size(), "section count");
  for (const auto& [name, dict] : *sections) {
    put_string(ar, name, "section name");
    std::string what = "section '" + name + "'";
    ar << StateDictRecord{&dict, nullptr, &what, io};
  }
}

template <class A> void CheckpointRecord::load(A& ar, unsigned version) {
  PayloadReader& in = *io.in;
  begin_load(*this, in, "checkpoint", version);
  MetaRecord meta{nullptr, &dst->meta, io};
  read_record(ar, meta, in, "metadata");
  uint32_t count = get<uint32_t>(ar, in, "section count");
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = get_string(ar, in, "section name");
    std::string what = "section '" + name + "'";
    if (dst->sections.count(name)) in.fail_here(what + " appears twice");
    StateDictRecord rec{nullptr, &dst->sections[name], &what, io};
    read_record(ar, rec, in, what);
  }
}

void write_payload(const CheckpointMeta& meta, const std::map<std::string, StateDict>& sections, PayloadWriter& out) {
  for (const auto& [name, dict] : sections)
    if (name.empty()) throw std::invalid_argument("save_checkpoint: a section has an empty name");
  OArchive ar(out, kArchiveFlags);
  ar << CheckpointRecord{&meta, &sections, nullptr, RecordIo{&out, nullptr}};
}

Checkpoint read_payload(PayloadReader& in, uint32_t archive_version) {
  Checkpoint ckpt;
  try {
    IArchive ar(in, kArchiveFlags);
    ar.set_library_version(boost::serialization::library_version_type(static_cast<uint16_t>(archive_version)));
    CheckpointRecord rec{nullptr, nullptr, &ckpt, RecordIo{nullptr, &in}};
    read_record(ar, rec, in, "checkpoint");
  } catch (const boost::archive::archive_exception& e) {
    in.fail_here(std::string("malformed archive (Boost.Serialization: ") + e.what() + ")");
  }
  if (in.remaining() != 0)
    in.fail_here(std::to_string(in.remaining()) + " unexpected bytes after the end of the archive");
  return ckpt;
}

}  // namespace ag::checkpoint

