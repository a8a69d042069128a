#pragma once

#include <string>
#include <string_view>

namespace tt {

struct Utf8Sequence {
  size_t length; // bytes it spans: the whole sequence, or its maximal well-formed prefix
  bool wellFormed;
};

// The UTF-8 sequence starting at the byte text[i] >= 0x80 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). An ill-formed one spans its maximal subpart, which
// becomes one U+FFFD (Unicode's recommended practice, and nlohmann::json's).
Utf8Sequence utf8Sequence(std::string_view text, size_t i);

// Appends `text` to `out` as a JSON string literal, quotes included. Bytes that are not
// well-formed UTF-8 (header values need not be) become U+FFFD, as nlohmann::json's
// error_handler_t::replace does, so any byte string gives valid JSON. Used on the capture
// writer's hot path, where building a json value per header costs more than the insert.
void appendJsonString(std::string& out, std::string_view text);

} // namespace tt
