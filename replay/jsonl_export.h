#pragma once

#include "core/exchange.h"

#include <string>

namespace tt::replay {

// tracetune's JSONL trace format: one request per line, what a replay needs to re-send it
// (docs/replay.md lists the keys). `tracetune export` writes it, `tracetune import tracetune`
// reads it back. A body that is not valid UTF-8 goes in "body_hex" instead of "body".
std::string exportLine(const Exchange& exchange);

} // namespace tt::replay
