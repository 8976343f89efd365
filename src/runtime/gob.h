// gob: the parts of Go's encoding/gob wire format that the Go runtime adapter
// needs to speak net/rpc with functions built on scf-go-lib
// (docs/runtime-protocol.md, "Go"). The encoder writes struct types it defines
// itself; the decoder reads any message stream of structs, slices, arrays, maps
// and basic values, as Go's encoder sends them, into a Value tree.
//
// Wire format in short: a stream is a sequence of messages, each an unsigned
// byte count and then a signed type id. A negative id defines type -id (the
// value that follows is a wireType); a positive one is a value of that type.
// Unsigned numbers under 128 take one byte, larger ones a byte holding minus
// their byte count and then the big-endian bytes; signed numbers are shifted
// left one bit with the sign (complemented) in bit 0. Strings and byte slices
// are a length and the bytes; a struct is (field number delta, value) pairs
// ended by a 0 delta, zero-valued fields left out.
//
// Plain value types and pure functions; any thread. The decoder reads bytes
// written by user code: every length is checked against what was received.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::runtime::gob {

// Type ids Go predefines.
inline constexpr int64_t kBool = 1;
inline constexpr int64_t kInt = 2;
inline constexpr int64_t kUint = 3;
inline constexpr int64_t kFloat = 4;
inline constexpr int64_t kBytes = 5;
inline constexpr int64_t kString = 6;
inline constexpr int64_t kComplex = 7;
inline constexpr int64_t kInterface = 8;
inline constexpr int64_t kWireType = 16;
// The first id a stream may define (Go refuses lower ones).
inline constexpr int64_t kFirstUserId = 64;

void append_uint(std::string& out, uint64_t v);
void append_int(std::string& out, int64_t v);
void append_bytes(std::string& out, std::string_view s);

// One field of a struct type the encoder defines.
struct FieldDef {
  std::string_view name;
  int64_t type = 0;
};

// A message defining struct type `id` with the given fields.
std::string struct_type_message(int64_t id, std::string_view name,
                                const std::vector<FieldDef>& fields);

// Writes one struct value: fields in increasing index order, zero values left
// out as Go's encoder does; nested structs between begin_struct() and end().
class StructWriter {
 public:
  void uint_field(int index, uint64_t v);
  void int_field(int index, int64_t v);
  void bytes_field(int index, std::string_view v);
  void begin_struct(int index);
  void end();  // ends the innermost open struct
  // The message carrying the finished value as type `type_id`.
  std::string message(int64_t type_id) const;

 private:
  void field(int index);
  std::string body_;
  std::vector<int> last_ = {-1};  // last field number written, per open struct
};

// A decoded value. Integers of every width arrive as kInt or kUint; a struct
// keeps its fields by the sender's field names.
struct Value {
  enum class Kind { kNone, kBool, kInt, kUint, kBytes, kStruct, kList };
  Kind kind = Kind::kNone;
  int64_t i = 0;
  uint64_t u = 0;
  std::string bytes;
  std::map<std::string, Value, std::less<>> fields;
  std::vector<Value> items;  // slice and array elements; map keys and values alternate

  // The named field, or an empty value (the sender left it out as zero).
  const Value& field(std::string_view name) const;
  int64_t as_int() const { return kind == Kind::kUint ? static_cast<int64_t>(u) : i; }
  uint64_t as_uint() const { return kind == Kind::kInt ? static_cast<uint64_t>(i) : u; }
  bool as_bool() const { return u != 0; }
};

// Reads one peer's message stream. Type definitions are kept for the life of
// the stream (a connection), as in Go.
class Decoder {
 public:
  Decoder();
  void feed(const char* data, size_t n);
  // The next value message, taking in type definitions on the way; nullopt
  // when more bytes are needed. An error leaves the stream unusable.
  Result<std::optional<Value>> next();

  // Messages longer than this are refused (the largest reply, 6 MB, fits).
  static constexpr uint64_t kMaxMessageBytes = 64ull * 1024 * 1024;

 private:
  struct WireType {
    enum class Kind { kStruct, kSlice, kArray, kMap, kOpaque };
    Kind kind = Kind::kStruct;
    std::vector<std::pair<std::string, int64_t>> fields;
    int64_t elem = 0;
    int64_t key = 0;
  };
  class Reader;
  Result<Value> value_of(Reader& r, int64_t type, int depth) const;
  Result<Value> struct_of(Reader& r, const WireType& t, int depth) const;
  Result<Ok> define(int64_t id, const Value& wire);

  std::string buf_;
  size_t pos_ = 0;
  std::map<int64_t, WireType> types_;
};

}  // namespace yunfn::runtime::gob
