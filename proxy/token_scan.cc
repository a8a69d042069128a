#include "proxy/token_scan.h"

#include "core/json_reader.h"

namespace tt::proxy {
namespace {

// A member the decision reads: whether it was seen and the kind of its value.
struct Member {
  bool seen = false;
  JsonKind kind = JsonKind::None;
};

// The first choice's object (at '{'): its finish_reason member is noted in `reason`.
bool firstChoice(JsonReader& r, Member& reason) {
  return r.object(2, [&](std::string_view key, bool escaped, size_t) {
    if (escaped || key == "finish_reason") {
      if (escaped || reason.seen) {
        return false; // an escaped or repeated key could be the one that counts
      }
      reason.seen = true;
      return r.value(2, &reason.kind);
    }
    JsonKind kind = JsonKind::None;
    return r.value(2, &kind);
  });
}

} // namespace

bool isTokenEvent(std::string_view data) {
  JsonReader r(data);
  r.skipSpace();
  // The members classifyTgiEvent reads at the top, and the first choice's finish_reason.
  Member error;
  Member token;
  Member generatedText;
  Member choices;
  Member reason;
  JsonKind first = JsonKind::None;
  const bool read = r.object(0, [&](std::string_view key, bool escaped, size_t) {
    if (escaped) {
      return false;
    }
    Member* slot = key == "error"            ? &error
                   : key == "token"          ? &token
                   : key == "generated_text" ? &generatedText
                   : key == "choices"        ? &choices
                                             : nullptr;
    if (slot == nullptr) {
      JsonKind kind = JsonKind::None;
      return r.value(0, &kind);
    }
    if (slot->seen) {
      return false; // with repeated members the last one counts: not worth following
    }
    slot->seen = true;
    if (slot != &choices || !r.peek('[')) {
      return r.value(0, &slot->kind);
    }
    slot->kind = JsonKind::Array;
    return r.array(1, [&](size_t index) {
      JsonKind kind = JsonKind::None;
      if (index > 0) {
        return r.value(1, &kind);
      }
      if (r.peek('{')) {
        first = JsonKind::Object;
        return firstChoice(r, reason);
      }
      return r.value(1, &first);
    });
  });
  r.skipSpace();
  if (!read || !r.atEnd()) {
    return false;
  }
  if (error.seen && error.kind != JsonKind::Null) {
    return false;
  }
  if (token.seen && token.kind == JsonKind::Object) {
    return !(generatedText.seen && (generatedText.kind == JsonKind::String ||
                                    generatedText.kind == JsonKind::EmptyString));
  }
  if (choices.seen && choices.kind == JsonKind::Array) {
    return first == JsonKind::Object && reason.kind != JsonKind::String;
  }
  return false;
}

} // namespace tt::proxy
