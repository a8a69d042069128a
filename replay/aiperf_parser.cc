#include "replay/json_fields.h"
#include "replay/row_parser.h"

namespace tt::replay {
namespace {

// AIPerf custom datasets (docs/replay.md, "Import formats"), one JSON object per line:
// - single_turn: {"text": str | "texts": [str], "timestamp"|"delay": ms, "output_length"?, ...}
// - mooncake_trace: {"input_length": n | "text_input": str, "output_length"?, "hash_ids"?,
//   "timestamp"|"delay": ms, "session_id"?}
// A row with `timestamp` arrives at it; otherwise `delay` (default 0) after the previous row.
class AiperfParser final : public RowParser {
public:
  std::string parseRow(std::string_view line, std::vector<Exchange>& out) override {
    nlohmann::json row;
    if (auto why = parseObject(line, row); !why.empty()) {
      return why;
    }
    std::optional<int64_t> atUs;
    std::optional<int64_t> delayUs;
    std::optional<int64_t> input;
    std::optional<int64_t> output;
    std::optional<std::string> session;
    std::vector<int64_t> hashIds;
    for (const auto& why :
         {readMs(row, "timestamp", false, atUs), readMs(row, "delay", false, delayUs),
          readInt(row, "input_length", false, 1, input),
          readInt(row, "output_length", false, 0, output), readIntArray(row, "hash_ids", hashIds),
          readString(row, "session_id", session)}) {
      if (!why.empty()) {
        return why;
      }
    }
    std::optional<std::string> text;
    if (auto why = promptText(row, text); !why.empty()) {
      return why;
    }
    if (!text && !input) {
      return "needs text, texts, text_input or input_length";
    }
    if (text && input) {
      return "input_length and a text field are mutually exclusive";
    }
    if (!hashIds.empty() && !input) {
      return "hash_ids needs input_length";
    }
    const int64_t arrival = atUs ? *atUs : lastUs_ + delayUs.value_or(0);
    lastUs_ = arrival;
    Exchange e = importedExchange(arrival, input, output);
    e.prefixHashIds = std::move(hashIds);
    e.session = std::move(session);
    if (text) {
      nlohmann::json body = {{"inputs", *text}};
      if (output) {
        body["parameters"] = {{"max_new_tokens", *output}};
      }
      e.requestHeaders = {{"content-type", "application/json"}};
      e.requestBody = body.dump();
      e.requestBodyBytes = static_cast<int64_t>(e.requestBody.size());
      e.inputBytes = static_cast<int64_t>(text->size());
    }
    out.push_back(std::move(e));
    return "";
  }

private:
  static std::string promptText(const nlohmann::json& row, std::optional<std::string>& text) {
    for (const char* name : {"text", "text_input"}) {
      if (auto why = readString(row, name, text); !why.empty() || text) {
        return why;
      }
    }
    const auto it = row.find("texts");
    if (it == row.end() || it->is_null()) {
      return "";
    }
    if (!it->is_array() || it->empty()) {
      return "texts is not a non-empty array";
    }
    std::string joined;
    for (const auto& t : *it) {
      if (!t.is_string()) {
        return "texts holds a value that is not a string";
      }
      joined += (joined.empty() ? "" : "\n") + t.get<std::string>();
    }
    text = std::move(joined);
    return "";
  }

  int64_t lastUs_ = 0;
};

} // namespace

RowParserPtr makeAiperfParser() {
  return std::make_unique<AiperfParser>();
}

} // namespace tt::replay
