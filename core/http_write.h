#pragma once

#include "core/exchange.h"

#include <string>
#include <string_view>

namespace tt {

// The standard reason phrase of a status ("OK", "Too Many Requests", ...), or "Unknown".
std::string_view reasonPhrase(int status);

// Appends `METHOD target HTTP/1.1\r\n`, each header line, and the blank line.
void appendRequestHead(std::string& out, std::string_view method, std::string_view target,
                       const Headers& headers);

// Appends `HTTP/1.1 status reason\r\n`, each header line, and the blank line.
void appendResponseHead(std::string& out, int status, const Headers& headers);

// Appends one chunk of a chunked body (nothing for empty data: that would end the body).
void appendChunk(std::string& out, std::string_view data);

// Appends the last chunk that ends a chunked body: `0\r\n\r\n`.
void appendLastChunk(std::string& out);

} // namespace tt
