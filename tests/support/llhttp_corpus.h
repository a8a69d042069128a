#pragma once
// A reader for llhttp's Markdown test corpus (shared/corpora/llhttp, format in its README):
// the cases, their input bytes and the messages llhttp 9 expects. Shared by the parser's corpus
// test (tests/core) and the proxy's (tests/proxy); extracted from tests/core/llhttp_corpus_test.cc.
#include "core/http_headers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tt::test::llhttp_corpus {

namespace fs = std::filesystem;

struct Message {
  std::string method;
  std::string url;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool operator==(const Message&) const = default;
};

struct Expected {
  std::vector<Message> messages; // completed messages
  bool rejected = false;         // an error line with a code other than 21/22/23
  bool upgrade = false;          // code 22: CONNECT/Upgrade hand-off
  bool h2Preface = false;        // code 23: PRI * HTTP/2.0
  std::optional<int> finish;     // request-finish/response-finish: llhttp's finish state
};

struct Case {
  std::string id; // file:line of the ```http fence
  std::string name;
  bool request = true;
  bool finish = false;
  bool skipBody = false;
  std::string input;
  Expected expected;
};

inline void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

inline bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The README's rules 1-3 and 5: join continued lines, CRLF between lines, then escapes, UTF-8.
inline std::string decodeInput(const std::vector<std::string>& lines) {
  std::vector<std::string> joined;
  std::string pending;
  bool continuing = false;
  for (const std::string& line : lines) {
    std::string l = continuing ? pending + line : line;
    continuing = !l.empty() && l.back() == '\\';
    if (continuing) {
      l.pop_back();
      pending = l;
      continue;
    }
    joined.push_back(l);
  }
  if (continuing) {
    joined.push_back(pending);
  }
  std::string raw;
  for (size_t i = 0; i < joined.size(); ++i) {
    raw += joined[i];
    if (i + 1 < joined.size()) {
      raw += "\r\n";
    }
  }
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out.push_back(c);
      continue;
    }
    const char n = raw[i + 1];
    if (n == 'r' || n == 'n' || n == 't' || n == 'f') {
      out.push_back(n == 'r' ? '\r' : n == 'n' ? '\n' : n == 't' ? '\t' : '\f');
      ++i;
    } else if (n == 'x' && i + 2 < raw.size() && isHex(raw[i + 2])) {
      size_t j = i + 2;
      uint32_t cp = 0;
      while (j < raw.size() && isHex(raw[j])) {
        cp = cp * 16 + static_cast<uint32_t>(std::stoi(std::string(1, raw[j]), nullptr, 16));
        ++j;
      }
      appendUtf8(out, cp);
      i = j - 1;
    } else if (n >= '0' && n <= '7') {
      size_t j = i + 1;
      uint32_t cp = 0;
      while (j < raw.size() && j < i + 4 && raw[j] >= '0' && raw[j] <= '7') {
        cp = cp * 8 + static_cast<uint32_t>(raw[j] - '0');
        ++j;
      }
      appendUtf8(out, cp);
      i = j - 1;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A span value as printed in a log line: raw between the outer quotes, \t and \f for TAB, FF.
inline std::string spanValue(const std::string& line) {
  if (line.ends_with("]=cr")) {
    return "\r";
  }
  if (line.ends_with("]=lf")) {
    return "\n";
  }
  const size_t open = line.find("=\"");
  const size_t close = line.rfind('"');
  std::string v = line.substr(open + 2, close - open - 2);
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == 't' || v[i + 1] == 'f')) {
      out.push_back(v[i + 1] == 't' ? '\t' : '\f');
      ++i;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

inline Expected decodeLog(const std::vector<std::string>& lines) {
  Expected e;
  Message cur;
  std::string lastSpan;
  for (const std::string& line : lines) {
    const size_t span = line.find(" span[");
    if (span != std::string::npos) {
      const size_t end = line.find(']', span);
      const std::string kind = line.substr(span + 6, end - span - 6);
      const std::string value = spanValue(line);
      if (kind == "method") {
        cur.method += value;
      } else if (kind == "url") {
        cur.url += value;
      } else if (kind == "header_field") {
        if (lastSpan != "header_field") {
          cur.headers.emplace_back();
        }
        cur.headers.back().first += value;
      } else if (kind == "header_value") {
        cur.headers.back().second += value;
      } else if (kind == "body") {
        cur.body += value;
      }
      lastSpan = kind;
      continue;
    }
    if (line.find(" header_field complete") != std::string::npos) {
      lastSpan = "field-done";
    }
    const size_t status = line.find("headers complete status=");
    if (status != std::string::npos) {
      cur.status = std::stoi(line.substr(status + 24));
    }
    if (line.find(" message begin") != std::string::npos) {
      cur = Message{};
      lastSpan.clear();
    } else if (line.find(" message complete") != std::string::npos) {
      for (auto& h : cur.headers) {
        h.second = std::string(trimOws(h.second));
      }
      e.messages.push_back(cur);
    } else if (line.find(" error code=") != std::string::npos) {
      const int code = std::stoi(line.substr(line.find("code=") + 5));
      e.upgrade = code == 22;
      e.h2Preface = code == 23;
      e.rejected = code != 21 && code != 22 && code != 23;
    } else if (line.starts_with("off=NULL finish=")) {
      e.finish = std::stoi(line.substr(16));
    }
  }
  return e;
}

inline std::vector<Case> loadCases(const fs::path& file, const std::string& label, int& skipped) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    lines.push_back(l);
  }
  std::vector<Case> cases;
  std::string heading;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.starts_with("#")) {
      heading = l.substr(l.find_first_not_of("# "));
    } else if (i + 1 < lines.size() && lines[i + 1].starts_with("===")) {
      heading = l;
    }
    if (!l.starts_with("<!-- meta=")) {
      continue;
    }
    const std::string metaText = l.substr(10, l.rfind("-->") - 10);
    const nlohmann::json meta = nlohmann::json::parse(metaText);
    size_t j = i + 1;
    while (lines[j] != "```http") {
      ++j;
    }
    const size_t fence = j;
    std::vector<std::string> http;
    for (++j; lines[j] != "```"; ++j) {
      http.push_back(lines[j]);
    }
    while (lines[j] != "```log") {
      ++j;
    }
    std::vector<std::string> log;
    for (++j; lines[j] != "```"; ++j) {
      log.push_back(lines[j]);
    }
    i = j;
    const std::string type = meta.value("type", "");
    // Lenient flags and pauses test llhttp's API, not input validity; skipBody on a request is
    // an API option our request parser does not offer (responses map it to setHeadRequest).
    const bool requestSkipBody = type.starts_with("request") && meta.value("skipBody", false);
    if (type.find("-lenient-") != std::string::npos || meta.contains("pause") || requestSkipBody) {
      ++skipped;
      continue;
    }
    Case c;
    c.id = label + ":" + std::to_string(fence + 1);
    c.name = heading;
    c.request = type.starts_with("request");
    c.finish = type.ends_with("-finish");
    c.skipBody = meta.value("skipBody", false);
    c.input = decodeInput(http);
    c.expected = decodeLog(log);
    cases.push_back(std::move(c));
  }
  return cases;
}

// Cases where we knowingly differ from llhttp 9.4.2, each with the reason. All are stricter:
// llhttp 8.1.0 refuses them and so do we (README groups C and the PRI preface), or our framing
// rules do (docs/proxy.md, "Framing": Transfer-Encoding is a single `chunked` or refused).
inline const std::map<std::string, std::string>& knownStricter() {
  static const std::map<std::string, std::string> m = {
      {"request/content-length.md:320", "tabs around Content-Length: 8.1.0 refuses (group C)"},
      {"request/method.md:485", "QUERY method is new in llhttp 9.2 (group C)"},
      {"request/method.md:461", "PRI * HTTP/2.0 preface: we refuse HTTP/2 on this listener"},
      {"request/transfer-encoding.md:754", "a coding before `chunked`: a single `chunked` only"},
      {"request/transfer-encoding.md:796", "a coding before `chunked`: a single `chunked` only"},
      {"request/transfer-encoding.md:241", "quoted chunk extensions: 8.1.0 refuses (group C)"},
      {"request/transfer-encoding.md:369", "quoted chunk extensions: 8.1.0 refuses (group C)"},
      {"response/content-length.md:171", "tabs around Content-Length: 8.1.0 refuses (group C)"},
      {"response/transfer-encoding.md:46", "a coding after `chunked`: a single `chunked` only"},
      {"response/transfer-encoding.md:77", "a coding after `chunked`: a single `chunked` only"},
      {"response/transfer-encoding.md:115", "`chunkedchunked`: a single `chunked` only"},
      {"response/sample.md:43", "RTSP response is new in llhttp 9.3 (group C)"},
      {"response/sample.md:63", "ICE response is new in llhttp 9.3 (group C)"},
  };
  return m;
}

// Every case of head/request and head/response, sorted by file; `skipped` counts the lenient,
// pause and request-skipBody cases left out.
inline std::vector<Case> loadAll(const fs::path& root, int& skipped) {
  std::vector<fs::path> files;
  for (const auto* dir : {"request", "response"}) {
    for (const auto& entry : fs::directory_iterator(root / dir)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<Case> cases;
  for (const fs::path& f : files) {
    const std::string label = f.parent_path().filename().string() + "/" + f.filename().string();
    auto more = loadCases(f, label, skipped);
    cases.insert(cases.end(), more.begin(), more.end());
  }
  return cases;
}

} // namespace tt::test::llhttp_corpus
