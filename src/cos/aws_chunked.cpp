#include "cos/aws_chunked.h"

#include <charconv>

namespace yunfn::cos {
namespace {

constexpr size_t kMaxLine = 4096;

Error bad_framing(const char* why) {
  return Error{"IncompleteBody", std::string("The aws-chunked body is malformed: ") + why};
}

}  // namespace

Status AwsChunkedDecoder::feed(std::string_view in,
                               const std::function<Status(std::string_view)>& out) {
  while (!in.empty()) {
    switch (state_) {
      case State::kSizeLine: {
        const auto nl = in.find('\n');
        line_.append(in.substr(0, nl == std::string_view::npos ? in.size() : nl + 1));
        in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
        if (line_.size() > kMaxLine) return bad_framing("chunk header too long");
        if (line_.empty() || line_.back() != '\n') break;
        const auto end = line_.find_first_of(";\r\n");
        uint64_t size = 0;
        auto [p, ec] = std::from_chars(line_.data(), line_.data() + end, size, 16);
        if (ec != std::errc() || p != line_.data() + end || end == 0)
          return bad_framing("bad chunk size");
        line_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
        auto wrote = out(in.substr(0, n));
        if (!wrote.ok()) return wrote;
        in.remove_prefix(n);
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        // The "\r\n" after a chunk's data.
        line_.push_back(in.front());
        in.remove_prefix(1);
        if (line_.back() == '\n') {
          if (line_ != "\r\n" && line_ != "\n")
            return bad_framing("chunk data not followed by CRLF");
          line_.clear();
          state_ = State::kSizeLine;
        } else if (line_.size() > 2) {
          return bad_framing("chunk data not followed by CRLF");
        }
        break;
      }
      case State::kTrailer:
      case State::kDone:
        // Trailers and the final CRLF carry nothing the object needs.
        state_ = State::kDone;
        in = {};
        break;
    }
  }
  return ok_status();
}

}  // namespace yunfn::cos
