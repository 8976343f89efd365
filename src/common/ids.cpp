#include "common/ids.h"

#include <atomic>
#include <cstdint>
#include <random>

#include "common/crypto.h"

namespace yunfn {
namespace {

// Ids are unique, not secret: a generator per thread, seeded from the system's
// random source, spares a call into it per id.
uint64_t random_word() {
  thread_local std::mt19937_64 random = [] {
    std::string seed = crypto::random_bytes(sizeof(uint64_t) * 4);
    std::seed_seq seq(seed.begin(), seed.end());
    return std::mt19937_64(seq);
  }();
  return random();
}

std::string uuid_text(uint64_t hi, uint64_t lo) {
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

uint64_t with_variant(uint64_t lo) { return (lo & ~(0xc0ULL << 56)) | (0x80ULL << 56); }  // RFC 4122

}  // namespace

std::string new_request_id() {
  static std::atomic<uint64_t> sequence{random_word()};
  const uint64_t count = sequence.fetch_add(1, std::memory_order_relaxed) & 0xffffffffffffULL;
  const uint64_t hi = (count << 16) | 0x8000ULL | (random_word() & 0xfffULL);  // version 8
  return uuid_text(hi, with_variant(random_word()));
}

std::string random_uuid() {
  const uint64_t hi = (random_word() & ~0xf000ULL) | 0x4000ULL;  // version 4
  return uuid_text(hi, with_variant(random_word()));
}

std::string request_id_from(std::string_view seed) {
  const std::string h = crypto::sha256_hex(seed);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20, 12);
}

}  // namespace yunfn
