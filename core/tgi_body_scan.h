#pragma once

#include "core/tgi_request.h"
#include "core/tgi_response.h"

#include <optional>
#include <string_view>

namespace tt {

// The capture writer reads every request and answer body for a handful of fields. These scans
// read them without building a JSON document (about 10x cheaper on TGI's small bodies) and give
// nullopt whenever they cannot be sure of nlohmann's answer: a body that is not an object, escaped
// or repeated keys among those read, non-integer counts, escaped texts they would have to decode,
// numbers beyond a double, deep nesting. parseTgiRequest and parseTgiResponse then build the
// document.
//
// `parameters` is the body's own text of the member (for OpenAI routes, the body's text less the
// prompt member); the document path writes the same members out again in the same order. The two
// differ in spelling only: spaces, escapes and number forms, and repeated names, which the text
// keeps as the client wrote them and the document reduces to the last.
std::optional<TgiRequestFields> scanTgiRequest(Endpoint endpoint, std::string_view body);
std::optional<TgiResponseInfo> scanTgiResponse(std::string_view body);

} // namespace tt
