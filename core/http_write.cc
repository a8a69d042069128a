#include "core/http_write.h"

#include <array>
#include <charconv>

namespace tt {
namespace {

void appendHeaders(std::string& out, const Headers& headers) {
  for (const auto& [name, value] : headers) {
    appendHeader(out, name, value);
  }
  appendHeadEnd(out);
}

// The standard reason phrase of a status ("OK", "Too Many Requests", ...), or "Unknown".
std::string_view reasonPhrase(int status) {
  static constexpr std::array<std::pair<int, std::string_view>, 22> kPhrases = {{
      {100, "Continue"},
      {101, "Switching Protocols"},
      {200, "OK"},
      {204, "No Content"},
      {304, "Not Modified"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {413, "Payload Too Large"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Entity"},
      {424, "Failed Dependency"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {502, "Bad Gateway"},
      {503, "Service Unavailable"},
      {504, "Gateway Timeout"},
  }};
  for (const auto& [code, phrase] : kPhrases) {
    if (code == status) {
      return phrase;
    }
  }
  return "Unknown";
}

} // namespace

void appendRequestLine(std::string& out, std::string_view method, std::string_view prefix,
                       std::string_view target) {
  out += method;
  out += ' ';
  out += prefix;
  out += target;
  out += " HTTP/1.1\r\n";
}

void appendStatusLine(std::string& out, int status, std::string_view reason) {
  out += "HTTP/1.1 ";
  char digits[16];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), status);
  out.append(digits, end);
  out += ' ';
  out += reason;
  out += "\r\n";
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void appendHeadEnd(std::string& out) {
  out += "\r\n";
}

void appendResponseHead(std::string& out, int status, const Headers& headers) {
  appendStatusLine(out, status, reasonPhrase(status));
  appendHeaders(out, headers);
}

void appendChunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;
  }
  char size[16];
  const auto [end, ec] = std::to_chars(size, size + sizeof(size), data.size(), 16);
  out.append(size, end);
  out += "\r\n";
  out += data;
  out += "\r\n";
}

void appendLastChunkLine(std::string& out) {
  out += "0\r\n";
}

void appendLastChunk(std::string& out) {
  appendLastChunkLine(out);
  appendHeadEnd(out);
}

} // namespace tt
