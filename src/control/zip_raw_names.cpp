#include "control/zip_raw_names.h"

#include <cstdint>

namespace yunfn::control {
namespace {

// Zip record signatures and sizes (APPNOTE.TXT 4.3).
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralEntry = 0x02014b50;
constexpr size_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kCentralEntrySize = 46;
constexpr size_t kMaxCommentSize = 65535;

// Little-endian reads; the caller checks bounds.
struct Bytes {
  std::string_view data;
  uint64_t at(size_t pos, int width) const {
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(data[pos + i]);
    return v;
  }
  bool fits(uint64_t pos, uint64_t size) const { return pos <= data.size() && size <= data.size() - pos; }
};

std::optional<size_t> find_end_record(const Bytes& z) {
  if (z.data.size() < kEndSize) return std::nullopt;
  size_t last = z.data.size() - kEndSize;
  size_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  for (size_t i = last + 1; i-- > first;) {
    if (z.at(i, 4) == kEndOfCentralDirectory) return i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> find_entry_name_with_nul(std::string_view zip) {
  Bytes z{zip};
  auto end = find_end_record(z);
  if (!end) return std::nullopt;
  uint64_t count = z.at(*end + 10, 2);
  uint64_t offset = z.at(*end + 16, 4);
  if (count == 0xFFFF || offset == 0xFFFFFFFF) {
    // Zip64: the locator just before the end record points at the zip64 one.
    if (*end < kLocatorSize || z.at(*end - kLocatorSize, 4) != kZip64EndLocator) return std::nullopt;
    uint64_t record = z.at(*end - kLocatorSize + 8, 8);
    if (!z.fits(record, kZip64EndSize) || z.at(record, 4) != kZip64End) return std::nullopt;
    count = z.at(record + 32, 8);
    offset = z.at(record + 48, 8);
  }
  uint64_t pos = offset;
  for (uint64_t n = 0; n < count; ++n) {
    if (!z.fits(pos, kCentralEntrySize) || z.at(pos, 4) != kCentralEntry) return std::nullopt;
    uint64_t name_size = z.at(pos + 28, 2), extra = z.at(pos + 30, 2), comment = z.at(pos + 32, 2);
    if (!z.fits(pos + kCentralEntrySize, name_size)) return std::nullopt;
    std::string_view name = zip.substr(pos + kCentralEntrySize, name_size);
    if (name.find('\0') != std::string_view::npos) return std::string(name);
    pos += kCentralEntrySize + name_size + extra + comment;
  }
  return std::nullopt;
}

}  // namespace yunfn::control
