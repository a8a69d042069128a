#include "core/tgi_body_scan.h"

#include "core/json_reader.h"

#include <array>
#include <utility>

namespace tt {
namespace {

bool skipValue(JsonReader& r, int depth) {
  JsonKind kind = JsonKind::None;
  return r.value(depth, &kind);
}

// An object (at '{'; its members at `depth`) whose members named in `wanted` are read by
// readWanted(index), each at most once (with repeated members nlohmann keeps the last: not worth
// following), the others skipped. Escaped keys refuse the document: they could spell a wanted name.
template <size_t N, class ReadWanted>
bool readObject(JsonReader& r, int depth, const std::array<std::string_view, N>& wanted,
                ReadWanted&& readWanted) {
  std::array<bool, N> seen{};
  return r.object(depth, [&](std::string_view key, bool escaped, size_t) {
    if (escaped) {
      return false;
    }
    for (size_t i = 0; i < N; ++i) {
      if (key == wanted[i]) {
        if (seen[i]) {
          return false;
        }
        seen[i] = true;
        return readWanted(i);
      }
    }
    return skipValue(r, depth);
  });
}

// A count (`max_new_tokens`, `generated_tokens`...): an int64 integer; absent for a value of any
// other kind, as nlohmann's is_number_integer reads it. A number that is not such an integer
// refuses the document.
bool readCount(JsonReader& r, int depth, std::optional<int64_t>* out) {
  if (!r.atNumber()) {
    return skipValue(r, depth);
  }
  int64_t value = 0;
  if (!r.integer(&value)) {
    return false;
  }
  *out = value;
  return true;
}

// A text nlohmann would hand over as a string; an escaped one refuses the document (it would need
// decoding), a value of another kind leaves `out` empty.
bool readText(JsonReader& r, int depth, std::optional<std::string>* out) {
  if (!r.peek('"')) {
    return skipValue(r, depth);
  }
  std::string_view raw;
  bool escaped = false;
  if (!r.string(&raw, &escaped) || escaped) {
    return false;
  }
  *out = std::string(raw);
  return true;
}

// The decoded size of a string; a value of another kind leaves `out` as it is.
bool readTextBytes(JsonReader& r, int depth, std::optional<int64_t>* out) {
  if (!r.peek('"')) {
    return skipValue(r, depth);
  }
  std::string_view raw;
  bool escaped = false;
  size_t bytes = 0;
  if (!r.string(&raw, &escaped, &bytes)) {
    return false;
  }
  *out = static_cast<int64_t>(bytes);
  return true;
}

// The total size of the strings of an array (at '['; its elements at `depth`), or of the
// `textKey` strings of its objects when textKey is given.
bool readTextsBytes(JsonReader& r, int depth, std::string_view textKey, int64_t* total) {
  return r.array(depth, [&](size_t) {
    std::optional<int64_t> bytes;
    bool ok = true;
    if (textKey.empty()) {
      ok = readTextBytes(r, depth, &bytes);
    } else if (r.peek('{')) {
      ok = readObject<1>(r, depth + 1, {textKey},
                         [&](size_t) { return readTextBytes(r, depth + 1, &bytes); });
    } else {
      ok = skipValue(r, depth);
    }
    *total += bytes.value_or(0);
    return ok;
  });
}

// Chat messages (at '['): the size of their string contents and of the `text` parts of content
// arrays.
bool readMessagesBytes(JsonReader& r, std::optional<int64_t>* out) {
  int64_t total = 0;
  const bool ok = r.array(1, [&](size_t) {
    if (!r.peek('{')) {
      return skipValue(r, 1);
    }
    return readObject<1>(r, 2, {"content"}, [&](size_t) {
      if (!r.peek('[')) {
        std::optional<int64_t> bytes;
        const bool read = readTextBytes(r, 2, &bytes);
        total += bytes.value_or(0);
        return read;
      }
      return readTextsBytes(r, 3, "text", &total);
    });
  });
  *out = total;
  return ok;
}

// The prompt member: chat messages, a completions prompt (a string or an array of strings) or
// TGI's `inputs`.
bool readPromptBytes(JsonReader& r, Endpoint endpoint, std::optional<int64_t>* out) {
  if (endpoint == Endpoint::Chat && r.peek('[')) {
    return readMessagesBytes(r, out);
  }
  if (endpoint == Endpoint::Completions && r.peek('[')) {
    int64_t total = 0;
    const bool ok = readTextsBytes(r, 1, {}, &total);
    *out = total;
    return ok;
  }
  return readTextBytes(r, 0, out);
}

struct ResponseMembers {
  std::optional<std::string> error; // when it is a string
  std::optional<std::string> errorType;
  bool generatedText = false;
  std::optional<std::string> detailsReason;
  std::optional<int64_t> detailsTokens;
  bool choices = false; // an array
  std::optional<std::string> choiceReason;
  std::optional<int64_t> completionTokens;
  std::optional<int64_t> promptTokens;
};

bool readResponse(JsonReader& r, int depth, ResponseMembers& m) {
  constexpr std::array<std::string_view, 6> kWanted = {"error",   "error_type", "generated_text",
                                                       "details", "choices",    "usage"};
  const int inner = depth + 1;
  return readObject(r, depth, kWanted, [&](size_t i) {
    switch (i) {
    case 0:
      return readText(r, depth, &m.error);
    case 1:
      return readText(r, depth, &m.errorType);
    case 2:
      m.generatedText = true;
      return skipValue(r, depth);
    case 3:
      return !r.peek('{')
                 ? skipValue(r, depth)
                 : readObject<2>(r, inner, {"finish_reason", "generated_tokens"}, [&](size_t j) {
                     return j == 0 ? readText(r, inner, &m.detailsReason)
                                   : readCount(r, inner, &m.detailsTokens);
                   });
    case 4:
      m.choices = r.peek('[');
      return !m.choices ? skipValue(r, depth) : r.array(inner, [&](size_t index) {
        if (index > 0 || !r.peek('{')) {
          return skipValue(r, inner);
        }
        return readObject<1>(r, inner + 1, {"finish_reason"},
                             [&](size_t) { return readText(r, inner + 1, &m.choiceReason); });
      });
    default:
      return !r.peek('{')
                 ? skipValue(r, depth)
                 : readObject<2>(r, inner, {"completion_tokens", "prompt_tokens"}, [&](size_t j) {
                     return readCount(r, inner, j == 0 ? &m.completionTokens : &m.promptTokens);
                   });
    }
  });
}

} // namespace

std::optional<TgiRequestFields> scanTgiRequest(Endpoint endpoint, std::string_view body) {
  if (endpoint == Endpoint::Other) {
    return std::nullopt;
  }
  const bool openAi = endpoint == Endpoint::Chat || endpoint == Endpoint::Completions;
  const std::string_view promptKey = endpoint == Endpoint::Chat          ? "messages"
                                     : endpoint == Endpoint::Completions ? "prompt"
                                                                         : "inputs";
  JsonReader r(body);
  r.skipSpace();
  const size_t begin = r.offset();
  if (!r.peek('{')) {
    return std::nullopt;
  }
  TgiRequestFields out;
  std::array<bool, 5> seen{}; // prompt, stream, parameters, max_tokens, max_completion_tokens
  bool streamTrue = false;
  std::optional<int64_t> maxTokens;
  std::optional<int64_t> maxCompletionTokens;
  std::string_view parameters;
  // The prompt member with the comma beside it (the one before it, or for the first member the
  // one after), cut out of an OpenAI body to leave its parameters.
  size_t valueEnd = begin + 1; // where the last member read ends
  size_t cutBegin = 0;
  size_t cutEnd = 0;
  bool cutToNextKey = false;
  const bool read = r.object(0, [&](std::string_view key, bool escaped, size_t keyOffset) {
    if (escaped) {
      return false;
    }
    if (cutToNextKey) {
      cutEnd = keyOffset;
      cutToNextKey = false;
    }
    const size_t valueBegin = r.offset();
    const size_t slot = key == promptKey                           ? 0
                        : key == "stream"                          ? 1
                        : !openAi && key == "parameters"           ? 2
                        : openAi && key == "max_tokens"            ? 3
                        : openAi && key == "max_completion_tokens" ? 4
                                                                   : seen.size();
    if (slot < seen.size() && std::exchange(seen[slot], true)) {
      return false;
    }
    bool ok = true;
    switch (slot) {
    case 0:
      ok = readPromptBytes(r, endpoint, &out.inputBytes);
      cutBegin = valueEnd == begin + 1 ? keyOffset : valueEnd;
      cutToNextKey = valueEnd == begin + 1;
      cutEnd = r.offset();
      break;
    case 1:
      streamTrue = r.peek('t');
      ok = skipValue(r, 0);
      break;
    case 2:
      if (!r.peek('{')) {
        ok = skipValue(r, 0);
        break;
      }
      ok = readObject<1>(r, 1, {"max_new_tokens"},
                         [&](size_t) { return readCount(r, 1, &out.maxNewTokens); });
      parameters = body.substr(valueBegin, r.offset() - valueBegin);
      break;
    case 3:
      ok = readCount(r, 0, &maxTokens);
      break;
    case 4:
      ok = readCount(r, 0, &maxCompletionTokens);
      break;
    default:
      ok = skipValue(r, 0);
    }
    valueEnd = r.offset();
    return ok;
  });
  const size_t end = r.offset();
  r.skipSpace();
  if (!read || !r.atEnd()) {
    return std::nullopt;
  }
  out.valid = true;
  if (openAi) {
    out.stream = streamTrue;
    out.maxNewTokens = maxTokens ? maxTokens : maxCompletionTokens;
    out.parameters = body.substr(begin, end - begin);
    if (seen[0]) {
      out.parameters.erase(cutBegin - begin, cutEnd - cutBegin);
    }
  } else {
    out.stream =
        endpoint == Endpoint::GenerateStream || (endpoint == Endpoint::Compat && streamTrue);
    out.parameters = parameters;
  }
  return out;
}

std::optional<TgiResponseInfo> scanTgiResponse(std::string_view body) {
  JsonReader r(body);
  r.skipSpace();
  ResponseMembers m;
  bool read = false;
  if (r.peek('[')) { // `/` wraps the GenerateResponse in an array
    bool one = false;
    read = r.array(0, [&](size_t index) {
      one = index == 0 && r.peek('{');
      return one && readResponse(r, 1, m);
    });
    read = read && one;
  } else if (r.peek('{')) {
    read = readResponse(r, 0, m);
  }
  r.skipSpace();
  if (!read || !r.atEnd()) {
    return std::nullopt;
  }
  TgiResponseInfo info;
  if (m.error) {
    info.valid = true;
    info.errorMessage = m.error;
    info.errorType = m.errorType;
  } else if (m.generatedText) {
    info.valid = true;
    info.finishReason = m.detailsReason; // both stay empty unless `details` is an object
    info.generatedTokens = m.detailsTokens;
  } else if (m.choices) {
    info.valid = true;
    info.finishReason = m.choiceReason;
    info.generatedTokens = m.completionTokens;
    info.promptTokens = m.promptTokens;
  }
  return info;
}

} // namespace tt
