#include "replay/json_fields.h"
#include "replay/row_parser.h"

namespace tt::replay {
namespace {

// {"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [...]}
class MooncakeParser final : public RowParser {
public:
  std::string parseRow(std::string_view line, std::vector<Exchange>& out) override {
    nlohmann::json row;
    if (auto why = parseObject(line, row); !why.empty()) {
      return why;
    }
    std::optional<int64_t> atUs;
    std::optional<int64_t> input;
    std::optional<int64_t> output;
    std::vector<int64_t> hashIds;
    for (const auto& why :
         {readMs(row, "timestamp", true, atUs), readInt(row, "input_length", true, 1, input),
          readInt(row, "output_length", true, 0, output), readIntArray(row, "hash_ids", hashIds)}) {
      if (!why.empty()) {
        return why;
      }
    }
    Exchange e = importedExchange(*atUs, input, output);
    e.prefixHashIds = std::move(hashIds);
    out.push_back(std::move(e));
    return "";
  }
};

} // namespace

RowParserPtr makeMooncakeParser() {
  return std::make_unique<MooncakeParser>();
}

} // namespace tt::replay
