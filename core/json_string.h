#pragma once

#include <string>
#include <string_view>

namespace tt {

// Appends `text` to `out` as a JSON string literal, quotes included. Bytes that are not
// well-formed UTF-8 (header values need not be) become U+FFFD, as nlohmann::json's
// error_handler_t::replace does, so any byte string gives valid JSON. Used on the capture
// writer's hot path, where building a json value per header costs more than the insert.
void appendJsonString(std::string& out, std::string_view text);

} // namespace tt
