// Known-answer and round-trip tests for common/crypto.h.
#include "common/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace yunfn::crypto {
namespace {

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256("abc").size(), 32u);
  EXPECT_EQ(hex(sha256("abc")), sha256_hex("abc"));
}

TEST(HmacSha256Test, Rfc4231Cases) {
  // Test case 1: 20-byte key of 0x0b.
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: short key.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: key longer than the block size is hashed first.
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HexTest, EncodesLowercase) {
  EXPECT_EQ(hex(""), "");
  EXPECT_EQ(hex(std::string("\x00\x01\xab\xff", 4)), "0001abff");
}

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
}

TEST(Base64Test, DecodesRfc4648Vectors) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64Test, RoundTripsAllByteValuesAndLengths) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    std::string raw = all.substr(0, len);
    EXPECT_EQ(base64_decode(base64_encode(raw)), raw) << "length " << len;
  }
  std::string random = random_bytes(1000);
  EXPECT_EQ(base64_decode(base64_encode(random)), random);
}

TEST(Base64Test, IgnoresWhitespaceAndLineBreaks) {
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\n"), "foobar");
  EXPECT_EQ(base64_decode("  Zm9v\r\nYm E=\t"), "fooba");
  EXPECT_EQ(base64_decode("Zg=\n="), "f");
  EXPECT_EQ(base64_decode("\n \t"), "");
}

TEST(Base64Test, AcceptsMissingPadding) {
  EXPECT_EQ(base64_decode("Zg"), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
}

TEST(Base64Test, RejectsNonBase64Text) {
  EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt);   // not in the alphabet
  EXPECT_EQ(base64_decode("Zm9v-_"), std::nullopt);  // URL-safe alphabet
  EXPECT_EQ(base64_decode("hello world, not base64"), std::nullopt);
  EXPECT_EQ(base64_decode(std::string("Zm\0v", 4)), std::nullopt);
  EXPECT_EQ(base64_decode("\xc3\xa9t\xc3\xa9"), std::nullopt);  // UTF-8 text
}

TEST(Base64Test, RejectsBadPadding) {
  EXPECT_EQ(base64_decode("Z"), std::nullopt);  // a lone digit encodes no byte
  EXPECT_EQ(base64_decode("Zm9vY"), std::nullopt);
  EXPECT_EQ(base64_decode("="), std::nullopt);
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);      // too much padding
  EXPECT_EQ(base64_decode("Zm9v="), std::nullopt);     // padding after a full group
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);       // incomplete padding
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // data after padding
  EXPECT_EQ(base64_decode("Zm=9"), std::nullopt);
}

TEST(RandomBytesTest, ReturnsRequestedLengthAndDiffers) {
  EXPECT_EQ(random_bytes(0), "");
  std::string a = random_bytes(32);
  std::string b = random_bytes(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
}

TEST(EqualConstantTimeTest, ComparesContentAndLength) {
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time("abcdef", "abcdef"));
  EXPECT_FALSE(equal_constant_time("abcdef", "abcdeg"));
  EXPECT_FALSE(equal_constant_time("abcdef", "bbcdef"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
  EXPECT_FALSE(equal_constant_time("", "a"));
}

}  // namespace
}  // namespace yunfn::crypto
