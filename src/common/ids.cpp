#include "common/ids.h"

#include <cstdint>
#include <random>

#include "common/crypto.h"

namespace yunfn {

std::string new_request_id() {
  // Request ids are unique, not secret: a generator per thread, seeded from
  // the system's random source, spares a call into it per request.
  thread_local std::mt19937_64 random = [] {
    std::string seed = crypto::random_bytes(sizeof(uint64_t) * 4);
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  uint64_t hi = random(), lo = random();
  hi = (hi & ~0xf000ull) | 0x4000ull;                            // version 4
  lo = (lo & ~(0xc0ull << 56)) | (0x80ull << 56);                // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(36, '-');
  size_t pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
    const uint64_t word = i < 16 ? hi : lo;
    id[pos++] = kHex[(word >> (60 - 4 * (i % 16))) & 0xf];
  }
  return id;
}

std::string request_id_from(std::string_view seed) {
  const std::string h = crypto::sha256_hex(seed);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

}  // namespace yunfn
