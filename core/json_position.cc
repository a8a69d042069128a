#include "core/json_position.h"

namespace tt {
namespace {

size_t skipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
    ++i;
  }
  return i;
}

size_t skipString(std::string_view s, size_t i) {
  ++i; // opening quote
  while (i < s.size() && s[i] != '"') {
    i += s[i] == '\\' ? 2 : 1;
  }
  return i < s.size() ? i + 1 : s.size();
}

// The offset just past the value starting at `i`.
size_t skipValue(std::string_view s, size_t i) {
  if (i >= s.size()) {
    return s.size();
  }
  if (s[i] == '"') {
    return skipString(s, i);
  }
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = skipString(s, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) {
          return i + 1;
        }
      }
      ++i;
    }
    return s.size();
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t') {
    ++i;
  }
  return i;
}

// The start of the member value named `key` in the object at `i`, or npos; `end` gets the
// offset of the object's closing brace.
size_t findMember(std::string_view s, size_t i, std::string_view key, size_t* end) {
  size_t found = std::string_view::npos;
  i = skipWs(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    const size_t keyEnd = skipString(s, i);
    const std::string_view name = s.substr(i + 1, keyEnd - i - 2);
    i = skipWs(s, keyEnd);
    i = skipWs(s, i + 1); // ':'
    if (name == key && found == std::string_view::npos) {
      found = i;
    }
    i = skipWs(s, skipValue(s, i));
    if (i < s.size() && s[i] == ',') {
      i = skipWs(s, i + 1);
    }
  }
  *end = i;
  return found;
}

size_t findElement(std::string_view s, size_t i, size_t index) {
  i = skipWs(s, i + 1);
  for (size_t n = 0; i < s.size() && s[i] != ']'; ++n) {
    if (n == index) {
      return i;
    }
    i = skipWs(s, skipValue(s, i));
    if (i < s.size() && s[i] == ',') {
      i = skipWs(s, i + 1);
    }
  }
  return std::string_view::npos;
}

} // namespace

std::string lineColumn(std::string_view body, size_t offset) {
  size_t line = 1;
  size_t lineStart = 0;
  for (size_t i = 0; i < offset && i < body.size(); ++i) {
    if (body[i] == '\n') {
      ++line;
      lineStart = i + 1;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(offset - lineStart);
}

std::string serdePosition(std::string_view body, const std::vector<JsonStep>& path,
                          bool missingField) {
  size_t i = skipWs(body, 0);
  for (const auto& step : path) {
    if (i >= body.size()) {
      break;
    }
    size_t end = 0;
    const size_t next = step.key.empty() ? findElement(body, i, step.index)
                                         : (body[i] == '{' ? findMember(body, i, step.key, &end)
                                                           : std::string_view::npos);
    if (next == std::string_view::npos) {
      return lineColumn(body, body.size());
    }
    i = next;
  }
  if (i >= body.size()) {
    return lineColumn(body, body.size());
  }
  if (missingField) {
    size_t end = 0;
    findMember(body, i, "\x01", &end);
    return lineColumn(body, end + 1);
  }
  if (body[i] == '{' || body[i] == '[') {
    return lineColumn(body, i + 1);
  }
  return lineColumn(body, skipValue(body, i));
}

} // namespace tt
