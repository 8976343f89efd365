// ObjectStore's bucket listing: keyset pagination over the (bucket, key)
// primary key. A common prefix is listed once and then skipped over with one
// index seek past every key under it, so a delimiter listing costs one seek
// per common prefix, not one row per key.
#include "cos/object_store.h"

namespace yunfn::cos {
namespace {

constexpr int kBatch = 256;

// The smallest string greater than every string that starts with `prefix`;
// nullopt when there is none (all bytes 0xff).
std::optional<std::string> successor(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

}  // namespace

Result<ListResult> ObjectStore::list_objects(const std::string& bucket, const ListQuery& q) {
  std::lock_guard lock(mu_);
  if (!bucket_exists_locked(bucket))
    return Error{"NoSuchBucket", "The specified bucket does not exist"};
  ListResult out;
  // The next key to look at: >= bound (inclusive) or > bound.
  std::string bound = q.prefix;
  bool inclusive = true;
  if (!q.after.empty() && q.after >= q.prefix) {
    bound = q.after;
    inclusive = false;
  }
  int count = 0;
  while (true) {
    store::Statement st(
        *db_, inclusive ? "SELECT key, size, etag, last_modified_ms, file "
                          "FROM objects WHERE bucket=?1 AND key>=?2 ORDER BY key LIMIT ?3"
                        : "SELECT key, size, etag, last_modified_ms, file "
                          "FROM objects WHERE bucket=?1 AND key>?2 ORDER BY key LIMIT ?3");
    st.bind(1, bucket).bind(2, bound).bind(3, kBatch);
    int rows = 0;
    bool reseek = false;
    while (!reseek && st.step()) {
      ++rows;
      std::string key = st.text(0);
      if (key.compare(0, q.prefix.size(), q.prefix) != 0) return out;  // past the prefix
      if (!q.delimiter.empty()) {
        const auto pos = key.find(q.delimiter, q.prefix.size());
        if (pos != std::string::npos) {
          std::string cp = key.substr(0, pos + q.delimiter.size());
          if (q.after.empty() || cp > q.after) {
            if (count == q.max_keys) {
              out.truncated = true;
              return out;
            }
            out.common_prefixes.push_back(cp);
            out.next_marker = cp;
            ++count;
          }
          auto next = successor(cp);
          if (!next) return out;
          bound = *next;
          inclusive = true;
          reseek = true;
          continue;
        }
      }
      if (count == q.max_keys) {
        out.truncated = true;
        return out;
      }
      ObjectInfo info{bucket, key, st.int64(1), st.text(2), {}, st.int64(3), st.text(4)};
      out.objects.push_back(std::move(info));
      out.next_marker = key;
      ++count;
      bound = std::move(key);
      inclusive = false;
    }
    if (!reseek && rows < kBatch) return out;
  }
}

}  // namespace yunfn::cos
