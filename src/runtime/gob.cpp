#include "runtime/gob.h"

namespace yunfn::runtime::gob {
namespace {

// Nesting deeper than this is refused: no message of the protocol comes close.
constexpr int kMaxDepth = 32;
// Buffer capacity kept between messages.
constexpr size_t kKeepBytes = 256 * 1024;

// The predefined types that describe types (Go's wireType and its parts).
constexpr int64_t kArrayType = 17;
constexpr int64_t kCommonType = 18;
constexpr int64_t kSliceType = 19;
constexpr int64_t kStructType = 20;
constexpr int64_t kFieldType = 21;
constexpr int64_t kFieldTypeSlice = 22;
constexpr int64_t kMapType = 23;
constexpr int64_t kGobEncoderType = 24;

Error bad(const std::string& what) { return make_error(errc::kInternalError, "gob: " + what); }

const Value kNoValue;

}  // namespace

void append_uint(std::string& out, uint64_t v) {
  if (v < 128) {
    out.push_back(static_cast<char>(v));
    return;
  }
  char be[8];
  int n = 0;
  for (uint64_t x = v; x != 0; x >>= 8) be[7 - n++] = static_cast<char>(x & 0xff);
  out.push_back(static_cast<char>(-n));
  out.append(be + 8 - n, static_cast<size_t>(n));
}

void append_int(std::string& out, int64_t v) {
  const uint64_t u = v < 0 ? (~static_cast<uint64_t>(v) << 1) | 1 : static_cast<uint64_t>(v) << 1;
  append_uint(out, u);
}

void append_bytes(std::string& out, std::string_view s) {
  append_uint(out, s.size());
  out.append(s);
}

std::string struct_type_message(int64_t id, std::string_view name,
                                const std::vector<FieldDef>& fields) {
  // wireType{StructT: &structType{CommonType{Name, Id}, Field: []*fieldType{...}}}
  std::string body;
  append_int(body, -id);
  append_uint(body, 3);  // wireType.StructT, field 2
  append_uint(body, 1);  // structType.CommonType, field 0
  append_uint(body, 1);  // CommonType.Name
  append_bytes(body, name);
  append_uint(body, 1);  // CommonType.Id
  append_int(body, id);
  append_uint(body, 0);  // end of CommonType
  if (!fields.empty()) {
    append_uint(body, 1);  // structType.Field, field 1
    append_uint(body, fields.size());
    for (const auto& f : fields) {
      append_uint(body, 1);  // fieldType.Name
      append_bytes(body, f.name);
      append_uint(body, 1);  // fieldType.Id
      append_int(body, f.type);
      append_uint(body, 0);
    }
  }
  append_uint(body, 0);  // end of structType
  append_uint(body, 0);  // end of wireType
  std::string out;
  append_uint(out, body.size());
  out += body;
  return out;
}

void StructWriter::field(int index) {
  append_uint(body_, static_cast<uint64_t>(index - last_.back()));
  last_.back() = index;
}

void StructWriter::uint_field(int index, uint64_t v) {
  if (v == 0) return;
  field(index);
  append_uint(body_, v);
}

void StructWriter::int_field(int index, int64_t v) {
  if (v == 0) return;
  field(index);
  append_int(body_, v);
}

void StructWriter::bytes_field(int index, std::string_view v) {
  if (v.empty()) return;
  field(index);
  append_bytes(body_, v);
}

void StructWriter::begin_struct(int index) {
  field(index);
  last_.push_back(-1);
}

void StructWriter::end() {
  append_uint(body_, 0);
  if (last_.size() > 1) last_.pop_back();
}

std::string StructWriter::message(int64_t type_id) const {
  std::string body;
  append_int(body, type_id);
  body += body_;
  append_uint(body, 0);  // ends the top-level struct
  std::string out;
  append_uint(out, body.size());
  out += body;
  return out;
}

const Value& Value::field(std::string_view name) const {
  auto it = fields.find(name);
  return it == fields.end() ? kNoValue : it->second;
}

// Bounds-checked reads over one message.
class Decoder::Reader {
 public:
  Reader(const char* p, size_t n) : p_(reinterpret_cast<const unsigned char*>(p)), end_(p_ + n) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }

  Result<uint64_t> uint() {
    if (p_ == end_) return bad("message ends inside a number");
    const unsigned char b = *p_++;
    if (b < 128) return uint64_t{b};
    const int n = -static_cast<signed char>(b);
    if (n > 8) return bad("number longer than 8 bytes");
    if (left() < static_cast<size_t>(n)) return bad("message ends inside a number");
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) v = (v << 8) | *p_++;
    return v;
  }

  Result<int64_t> sint() {
    YUNFN_TRY(u, uint());
    return (u & 1) != 0 ? static_cast<int64_t>(~(u >> 1)) : static_cast<int64_t>(u >> 1);
  }

  Result<std::string> bytes() {
    YUNFN_TRY(n, uint());
    if (n > left()) return bad("a string or byte slice is longer than its message");
    std::string s(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
    p_ += n;
    return s;
  }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
};

Decoder::Decoder() {
  using K = WireType::Kind;
  // Go's own descriptions of types, so a definition decodes like any struct.
  types_[kWireType] = {K::kStruct,
                       {{"ArrayT", kArrayType},
                        {"SliceT", kSliceType},
                        {"StructT", kStructType},
                        {"MapT", kMapType},
                        {"GobEncoderT", kGobEncoderType},
                        {"BinaryMarshalerT", kGobEncoderType},
                        {"TextMarshalerT", kGobEncoderType}}};
  types_[kArrayType] = {K::kStruct, {{"CommonType", kCommonType}, {"Elem", kInt}, {"Len", kInt}}};
  types_[kCommonType] = {K::kStruct, {{"Name", kString}, {"Id", kInt}}};
  types_[kSliceType] = {K::kStruct, {{"CommonType", kCommonType}, {"Elem", kInt}}};
  types_[kStructType] = {K::kStruct, {{"CommonType", kCommonType}, {"Field", kFieldTypeSlice}}};
  types_[kFieldType] = {K::kStruct, {{"Name", kString}, {"Id", kInt}}};
  types_[kFieldTypeSlice] = {K::kSlice, {}, kFieldType};
  types_[kMapType] = {K::kStruct, {{"CommonType", kCommonType}, {"Key", kInt}, {"Elem", kInt}}};
  types_[kGobEncoderType] = {K::kStruct, {{"CommonType", kCommonType}}};
}

void Decoder::feed(const char* data, size_t n) {
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
    // Give back what a large reply needed: an idle instance stays small.
    if (buf_.capacity() > kKeepBytes) buf_.shrink_to_fit();
  }
  buf_.append(data, n);
}

Result<std::optional<Value>> Decoder::next() {
  for (;;) {
    // The byte count: a whole number must be there before it can be read.
    const size_t avail = buf_.size() - pos_;
    if (avail == 0) return std::optional<Value>();
    const auto first = static_cast<unsigned char>(buf_[pos_]);
    const size_t count_bytes =
        first < 128 ? 1 : 1 + static_cast<size_t>(-static_cast<signed char>(first));
    if (avail < count_bytes) return std::optional<Value>();
    Reader head(buf_.data() + pos_, count_bytes);
    YUNFN_TRY(size, head.uint());
    if (size > kMaxMessageBytes)
      return bad("message of " + std::to_string(size) + " bytes is too long");
    if (avail - count_bytes < size) return std::optional<Value>();
    Reader r(buf_.data() + pos_ + count_bytes, static_cast<size_t>(size));
    pos_ += count_bytes + static_cast<size_t>(size);
    YUNFN_TRY(id, r.sint());
    if (id < 0) {
      YUNFN_TRY(wire, value_of(r, kWireType, 0));
      YUNFN_TRY_STATUS(define(-id, wire));
    } else {
      auto t = types_.find(id);
      if (t == types_.end() || t->second.kind != WireType::Kind::kStruct) {
        // A top-level value that is not a struct comes after a 0 field delta.
        YUNFN_TRY(delta, r.uint());
        if (delta != 0) return bad("a single value does not start with field 0");
      }
      YUNFN_TRY(v, value_of(r, id, 0));
      if (r.left() != 0) return bad("extra bytes after a value");
      return std::optional<Value>(std::move(v));
    }
    if (r.left() != 0) return bad("extra bytes after a type definition");
  }
}

Result<Ok> Decoder::define(int64_t id, const Value& wire) {
  using K = WireType::Kind;
  if (id < kFirstUserId) return bad("type id " + std::to_string(id) + " is reserved");
  if (types_.contains(id)) return bad("type " + std::to_string(id) + " defined twice");
  WireType t;
  if (const Value& s = wire.field("StructT"); s.kind == Value::Kind::kStruct) {
    t.kind = K::kStruct;
    for (const Value& f : s.field("Field").items) {
      t.fields.emplace_back(f.field("Name").bytes, f.field("Id").as_int());
    }
  } else if (const Value& sl = wire.field("SliceT"); sl.kind == Value::Kind::kStruct) {
    t.kind = K::kSlice;
    t.elem = sl.field("Elem").as_int();
  } else if (const Value& a = wire.field("ArrayT"); a.kind == Value::Kind::kStruct) {
    t.kind = K::kArray;
    t.elem = a.field("Elem").as_int();
  } else if (const Value& m = wire.field("MapT"); m.kind == Value::Kind::kStruct) {
    t.kind = K::kMap;
    t.key = m.field("Key").as_int();
    t.elem = m.field("Elem").as_int();
  } else {
    t.kind = K::kOpaque;  // a type that encodes itself: its value is a byte string
  }
  types_[id] = std::move(t);
  return Ok{};
}

Result<Value> Decoder::struct_of(Reader& r, const WireType& t, int depth) const {
  Value v;
  v.kind = Value::Kind::kStruct;
  int64_t field = -1;
  for (;;) {
    YUNFN_TRY(delta, r.uint());
    if (delta == 0) return v;
    if (delta > t.fields.size() ||
        field + static_cast<int64_t>(delta) >= static_cast<int64_t>(t.fields.size())) {
      return bad("field number out of range");
    }
    field += static_cast<int64_t>(delta);
    const auto& [name, type] = t.fields[static_cast<size_t>(field)];
    YUNFN_TRY(fv, value_of(r, type, depth + 1));
    v.fields[name] = std::move(fv);
  }
}

Result<Value> Decoder::value_of(Reader& r, int64_t type, int depth) const {
  if (depth > kMaxDepth) return bad("values nested too deeply");
  Value v;
  switch (type) {
    case kBool:
    case kUint:
    case kFloat: {  // a float's bits are not needed: kept as a number
      YUNFN_TRY(u, r.uint());
      v.kind = type == kBool ? Value::Kind::kBool : Value::Kind::kUint;
      v.u = u;
      return v;
    }
    case kInt: {
      YUNFN_TRY(i, r.sint());
      v.kind = Value::Kind::kInt;
      v.i = i;
      return v;
    }
    case kBytes:
    case kString: {
      YUNFN_TRY(s, r.bytes());
      v.kind = Value::Kind::kBytes;
      v.bytes = std::move(s);
      return v;
    }
    case kComplex: {
      YUNFN_TRY(re, r.uint());
      YUNFN_TRY(im, r.uint());
      (void)re;
      (void)im;
      v.kind = Value::Kind::kUint;
      return v;
    }
    case kInterface:
      return bad("interface values are not supported");
    default:
      break;
  }
  auto it = types_.find(type);
  if (it == types_.end()) return bad("value of undefined type " + std::to_string(type));
  const WireType& t = it->second;
  using K = WireType::Kind;
  switch (t.kind) {
    case K::kStruct:
      return struct_of(r, t, depth);
    case K::kOpaque: {
      YUNFN_TRY(s, r.bytes());
      v.kind = Value::Kind::kBytes;
      v.bytes = std::move(s);
      return v;
    }
    case K::kSlice:
    case K::kArray:
    case K::kMap: {
      YUNFN_TRY(n, r.uint());
      // Every element takes at least one byte: a count beyond that is a lie.
      const uint64_t items = t.kind == K::kMap ? 2 * n : n;
      if (n > r.left() || items > r.left()) return bad("more elements than bytes");
      v.kind = Value::Kind::kList;
      v.items.reserve(static_cast<size_t>(items));
      for (uint64_t k = 0; k < n; ++k) {
        if (t.kind == K::kMap) {
          YUNFN_TRY(key, value_of(r, t.key, depth + 1));
          v.items.push_back(std::move(key));
        }
        YUNFN_TRY(elem, value_of(r, t.elem, depth + 1));
        v.items.push_back(std::move(elem));
      }
      return v;
    }
  }
  return bad("unknown type kind");
}

}  // namespace yunfn::runtime::gob
