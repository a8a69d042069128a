#include "core/http_write.h"

#include <array>
#include <charconv>

namespace tt {
namespace {

void appendHeaders(std::string& out, const Headers& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
}

} // namespace

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

void appendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const Headers& headers) {
  out += method;
  out += ' ';
  out += target;
  out += " HTTP/1.1\r\n";
  appendHeaders(out, headers);
}

void appendResponseHead(std::string& out, int status, const Headers& headers) {
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reasonPhrase(status);
  out += "\r\n";
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

void appendLastChunk(std::string& out) {
  out += "0\r\n\r\n";
}

} // namespace tt
