// The small XML parser and the aws-chunked decoder.
#include "cos/xml.h"

#include <gtest/gtest.h>

#include "cos/aws_chunked.h"

namespace yunfn::cos {
namespace {

TEST(Xml, ParsesCompleteMultipartUpload) {
  auto doc = parse_xml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUpload "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><!-- c --><Part><PartNumber>1"
      "</PartNumber><ETag>&quot;abc&quot;</ETag></Part><Part><PartNumber>2</PartNumber>"
      "<ETag>\"def\"</ETag></Part></CompleteMultipartUpload>");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->name, "CompleteMultipartUpload");
  ASSERT_EQ(doc->children.size(), 2u);
  EXPECT_EQ(doc->children[0].child_text("ETag"), "\"abc\"");
  EXPECT_EQ(doc->children[1].child_text("PartNumber"), "2");
}

TEST(Xml, DecodesEntitiesAndCdata) {
  auto doc =
      parse_xml("<Delete><Object><Key>a&amp;b&#x4e2d;&#65;<![CDATA[<x>]]></Key></Object></Delete>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->child("Object")->child_text("Key"),
            "a&b\xe4\xb8\xad"
            "A<x>");
}

TEST(Xml, RejectsMalformed) {
  for (const char* bad :
       {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a></a><b></b>", "text", "<a><b></a></b>"}) {
    auto doc = parse_xml(bad);
    ASSERT_FALSE(doc.ok()) << bad;
    EXPECT_EQ(doc.error().code, "MalformedXML");
  }
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(parse_xml(deep).ok());
  EXPECT_EQ(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

TEST(AwsChunked, DecodesAcrossSplits) {
  const std::string framed =
      "5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n"
      "0;chunk-signature=cccc\r\n\r\n";
  for (size_t step : {1u, 3u, 7u, 1000u}) {
    AwsChunkedDecoder d;
    std::string out;
    for (size_t i = 0; i < framed.size(); i += step) {
      auto fed = d.feed(std::string_view(framed).substr(i, step), [&out](std::string_view s) {
        out.append(s);
        return ok_status();
      });
      ASSERT_TRUE(fed.ok());
    }
    EXPECT_TRUE(d.done());
    EXPECT_EQ(out, "hello world");
  }
  AwsChunkedDecoder bad;
  EXPECT_FALSE(bad.feed("zz;x\r\n", [](std::string_view) { return ok_status(); }).ok());
}

}  // namespace
}  // namespace yunfn::cos
