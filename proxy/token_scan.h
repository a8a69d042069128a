#pragma once

#include <string_view>

namespace tt::proxy {

// True only when core/tgi_stream.h classifyTgiEvent(data) says TgiEventKind::Token: a
// /generate_stream token event or an OpenAI chunk whose first choice has no finish_reason.
// It validates the JSON as nlohmann does without building a document, so that the event loop
// does not parse every token event. False means "not sure": classify the event the slow way
// (final, error, usage, [DONE], comments-only data, anything unusual: escaped keys, duplicate
// members it reads, numbers beyond a double, deep nesting).
bool isTokenEvent(std::string_view data);

} // namespace tt::proxy
