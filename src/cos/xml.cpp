#include "cos/xml.h"

#include <cstdint>

namespace yunfn::cos {
namespace {

constexpr int kMaxDepth = 32;

Error malformed(const std::string& why) {
  return Error{"MalformedXML",
               "The XML you provided was not well-formed or did not validate: " + why};
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view doc) : s_(doc) {}

  Result<XmlNode> document() {
    if (!skip_misc()) return malformed("unterminated declaration or comment");
    if (pos_ >= s_.size() || s_[pos_] != '<') return malformed("no root element");
    auto root = element(0);
    if (!root.ok()) return root;
    if (!skip_misc() || pos_ != s_.size()) return malformed("content after the root element");
    return root;
  }

 private:
  // Skips white space, comments, <?...?> and <!DOCTYPE...>; false when one is unterminated.
  bool skip_misc() {
    while (true) {
      while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
      if (s_.substr(pos_, 4) == "<!--") {
        const auto end = s_.find("-->", pos_ + 4);
        if (end == std::string_view::npos) return false;
        pos_ = end + 3;
      } else if (s_.substr(pos_, 2) == "<?" || s_.substr(pos_, 2) == "<!") {
        const auto end = s_.find('>', pos_ + 2);
        if (end == std::string_view::npos) return false;
        pos_ = end + 1;
      } else {
        return true;
      }
    }
  }

  static std::string local_name(std::string_view name) {
    const auto colon = name.find(':');
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
  }

  Result<XmlNode> element(int depth) {
    if (depth > kMaxDepth) return malformed("nested too deeply");
    ++pos_;  // '<'
    const auto name_end = s_.find_first_of(" \t\r\n/>", pos_);
    if (name_end == std::string_view::npos || name_end == pos_) return malformed("bad tag");
    const std::string_view raw_name = s_.substr(pos_, name_end - pos_);
    XmlNode node;
    node.name = local_name(raw_name);
    const auto tag_end = find_tag_end(name_end);
    if (tag_end == std::string_view::npos) return malformed("unterminated tag");
    pos_ = tag_end + 1;
    if (s_[tag_end - 1] == '/') return node;  // <a/>
    while (true) {
      const auto lt = s_.find('<', pos_);
      if (lt == std::string_view::npos) return malformed("unterminated element " + node.name);
      auto text = decode(s_.substr(pos_, lt - pos_));
      if (!text.ok()) return text.error();
      node.text += *text;
      pos_ = lt;
      if (s_.substr(pos_, 2) == "</") {
        const auto close = s_.find('>', pos_);
        if (close == std::string_view::npos) return malformed("unterminated end tag");
        std::string_view end_name = s_.substr(pos_ + 2, close - pos_ - 2);
        while (!end_name.empty() && is_space(end_name.back())) end_name.remove_suffix(1);
        if (end_name != raw_name) return malformed("end tag does not match " + node.name);
        pos_ = close + 1;
        return node;
      }
      if (s_.substr(pos_, 9) == "<![CDATA[") {
        const auto end = s_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return malformed("unterminated CDATA");
        node.text += std::string(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
        continue;
      }
      if (s_.substr(pos_, 4) == "<!--" || s_.substr(pos_, 2) == "<?") {
        if (!skip_misc()) return malformed("unterminated comment");
        continue;
      }
      auto child = element(depth + 1);
      if (!child.ok()) return child;
      node.children.push_back(std::move(child).value());
    }
  }

  // The '>' that ends a start tag, skipping quoted attribute values.
  size_t find_tag_end(size_t from) const {
    char quote = 0;
    for (size_t i = from; i < s_.size(); ++i) {
      const char c = s_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        return i;
      }
    }
    return std::string_view::npos;
  }

  static Result<std::string> decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '&') {
        out.push_back(text[i]);
        continue;
      }
      const auto semi = text.find(';', i);
      if (semi == std::string_view::npos) return malformed("unterminated entity");
      const std::string_view ent = text.substr(i + 1, semi - i - 1);
      if (ent == "amp")
        out.push_back('&');
      else if (ent == "lt")
        out.push_back('<');
      else if (ent == "gt")
        out.push_back('>');
      else if (ent == "quot")
        out.push_back('"');
      else if (ent == "apos")
        out.push_back('\'');
      else if (ent.size() > 1 && ent[0] == '#') {
        uint32_t cp = 0;
        const bool hex = ent[1] == 'x' || ent[1] == 'X';
        const std::string_view digits = ent.substr(hex ? 2 : 1);
        if (digits.empty() || digits.size() > 8) return malformed("bad character reference");
        for (char c : digits) {
          int v = -1;
          if (c >= '0' && c <= '9')
            v = c - '0';
          else if (hex && c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
          else if (hex && c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
          if (v < 0) return malformed("bad character reference");
          cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        }
        if (cp == 0 || cp > 0x10FFFF) return malformed("bad character reference");
        append_utf8(out, cp);
      } else {
        return malformed("unknown entity &" + std::string(ent) + ";");
      }
      i = semi;
    }
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

const XmlNode* XmlNode::child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::optional<std::string> XmlNode::child_text(std::string_view child_name) const {
  const XmlNode* c = child(child_name);
  if (c == nullptr) return std::nullopt;
  return c->text;
}

Result<XmlNode> parse_xml(std::string_view doc) { return Parser(doc).document(); }

}  // namespace yunfn::cos
