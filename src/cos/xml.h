// The little XML the bucket service speaks: escaping for the answers it writes,
// and a small parser for the bodies clients send (CompleteMultipartUpload,
// Delete, CreateBucketConfiguration). Elements, text and the five predefined
// and numeric entities; attributes, comments, the XML declaration and
// processing instructions are skipped; no DTDs. Pure; any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yunfn::cos {

// Escapes & < > " ' for element text.
std::string xml_escape(std::string_view text);

struct XmlNode {
  std::string name;  // local name (any "prefix:" dropped)
  std::string text;  // the text directly inside the element, entities decoded
  std::vector<XmlNode> children;

  // The first child with this name, or null.
  const XmlNode* child(std::string_view child_name) const;
  // The text of the first child with this name, or nullopt.
  std::optional<std::string> child_text(std::string_view child_name) const;
};

// Parses one document; error MalformedXML when it is not well formed (or
// nested deeper than 32 levels).
Result<XmlNode> parse_xml(std::string_view doc);

}  // namespace yunfn::cos
