#pragma once

#include "core/exchange.h"

#include <string>
#include <string_view>

namespace tt {

// Every HTTP/1.1 byte the programs write (proxy, replay, tgi-sim, the admin endpoint) is written
// here: message heads line by line, chunked bodies.

// Appends `METHOD prefix target HTTP/1.1\r\n` (the target after a path prefix, e.g. an
// upstream's, with nothing between them).
void appendRequestLine(std::string& out, std::string_view method, std::string_view prefix,
                       std::string_view target);

// Appends `HTTP/1.1 status reason\r\n`.
void appendStatusLine(std::string& out, int status, std::string_view reason);

// Appends `name: value\r\n`.
void appendHeader(std::string& out, std::string_view name, std::string_view value);

// Appends the blank line that ends a head or a chunked body's trailers.
void appendHeadEnd(std::string& out);

// Appends `HTTP/1.1 status reason\r\n` with the standard reason phrase ("Unknown" for a status
// without one), each header line, and the blank line.
void appendResponseHead(std::string& out, int status, const Headers& headers);

// Appends one chunk of a chunked body (nothing for empty data: that would end the body).
void appendChunk(std::string& out, std::string_view data);

// Appends the last chunk of a chunked body, `0\r\n`; its trailers and appendHeadEnd follow.
void appendLastChunkLine(std::string& out);

// Appends the last chunk that ends a chunked body without trailers: `0\r\n\r\n`.
void appendLastChunk(std::string& out);

} // namespace tt
