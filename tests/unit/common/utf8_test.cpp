// Tests for common/utf8.h: well-formed UTF-8 passes unchanged, every byte of an
// ill-formed sequence becomes U+FFFD.
#include "common/utf8.h"

#include <gtest/gtest.h>

namespace yunfn {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8Test, WellFormedTextIsUnchanged) {
  for (std::string text : {std::string(), std::string("plain ascii\n"), std::string("中文 ünï \xF0\x9F\x98\x80"),
                           std::string("nul \0 inside", 12)}) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
    EXPECT_EQ(valid_utf8(text), text);
  }
}

TEST(Utf8Test, EachBadByteBecomesOneReplacementCharacter) {
  EXPECT_EQ(valid_utf8("bad \xFF\xFE bytes"), "bad " + kFffd + kFffd + " bytes");
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8Test, MalformedSequencesAreReplaced) {
  EXPECT_EQ(valid_utf8("\xC0\xAF"), kFffd + kFffd);              // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // UTF-16 surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // > U+10FFFF
  EXPECT_EQ(valid_utf8("a\xE4\xB8"), "a" + kFffd + kFffd);       // cut short at the end
  EXPECT_EQ(valid_utf8("\x80x"), kFffd + "x");                   // lone continuation byte
}

TEST(Utf8Test, ResultIsAlwaysValid) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_FALSE(is_valid_utf8(all));
  EXPECT_TRUE(is_valid_utf8(valid_utf8(all)));
}

}  // namespace
}  // namespace yunfn
