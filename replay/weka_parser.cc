#include "replay/csv.h"
#include "replay/row_parser.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <queue>
#include <unordered_map>

namespace tt::replay {
namespace {

constexpr const char* kHeader = "trace_id,agent,t_s,type,model,input_tokens,output_tokens,"
                                "api_time_s,think_time_s,stop,n_blocks,"
                                "shared_prefix_blocks_with_prev";

// requests_flat.csv of the WEKA Claude Code traces. Times are relative to each session (trace)
// start and there is no global clock, so the importer lays sessions out itself: `sessions`
// slots; sessions in file order each start in the first slot to free up, and a slot is busy
// from its session's start to its last request's end (t_s + api_time_s). The session key is the
// trace_id (sub-agents move with their session). Prefix hash ids (64-token blocks) are rebuilt
// per agent stream: a request keeps the first shared_prefix_blocks_with_prev ids of the stream's
// previous request and gets fresh ids for the rest of its n_blocks.
class WekaParser final : public RowParser {
public:
  explicit WekaParser(int sessions) : sessions_(sessions) {}

  bool hasHeader() const override { return true; }
  std::string parseHeader(std::string_view line) override {
    return line == kHeader ? "" : std::string("expected the header ") + kHeader;
  }

  std::string parseRow(std::string_view line, std::vector<Exchange>& out) override {
    const auto f = splitCsv(line);
    if (!f || f->size() != 12) {
      return "expected 12 comma-separated fields";
    }
    const std::string& traceId = (*f)[0];
    const std::string& agent = (*f)[1];
    if (traceId.empty() || agent.empty()) {
      return "trace_id and agent must not be empty";
    }
    const auto t = parseDouble((*f)[2]);
    const auto input = parseInt((*f)[5]);
    const auto output = parseInt((*f)[6]);
    // api_time_s is empty on some rows (no server time observed): the request counts as instant.
    const auto apiTime = (*f)[7].empty() ? std::optional<double>(0.0) : parseDouble((*f)[7]);
    const auto blocks = parseInt((*f)[10]);
    const auto shared = parseInt((*f)[11]);
    if (!t || *t < 0) {
      return "t_s is not a non-negative number";
    }
    if (!input || *input < 1) {
      return "input_tokens is not a positive integer";
    }
    if (!output || *output < 0) {
      return "output_tokens is not a non-negative integer";
    }
    if (!apiTime || *apiTime < 0) {
      return "api_time_s is neither empty nor a non-negative number";
    }
    if (!blocks || *blocks < 0 || !shared || *shared < 0 || *shared > *blocks) {
      return "n_blocks and shared_prefix_blocks_with_prev must be integers, 0 <= shared <= "
             "n_blocks";
    }

    auto [it, added] = traceIndex_.try_emplace(traceId, durationsUs_.size());
    if (added) {
      durationsUs_.push_back(0);
    }
    const int64_t atUs = std::llround(*t * 1e6);
    durationsUs_[it->second] =
        std::max<int64_t>(durationsUs_[it->second], atUs + std::llround(*apiTime * 1e6));

    std::vector<int64_t>& chain = streams_[traceId + "/" + agent];
    chain.resize(std::min<size_t>(chain.size(), static_cast<size_t>(*shared)));
    while (chain.size() < static_cast<size_t>(*blocks)) {
      chain.push_back(nextHashId_++);
    }

    Exchange e = importedExchange(atUs, input, output);
    e.session = traceId;
    e.prefixHashIds = chain;
    out.push_back(std::move(e));
    traceOf_.push_back(it->second);
    return "";
  }

  void finish(std::vector<Exchange>& out) override {
    std::vector<int64_t> startUs(durationsUs_.size(), 0);
    std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> freeAt;
    for (int i = 0; i < sessions_; ++i) {
      freeAt.push(0);
    }
    for (size_t s = 0; s < durationsUs_.size(); ++s) {
      startUs[s] = freeAt.top();
      freeAt.pop();
      freeAt.push(startUs[s] + durationsUs_[s]);
    }
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].sentUs += startUs[traceOf_[i]];
      out[i].intendedUs = out[i].sentUs;
    }
  }

private:
  int sessions_;
  std::unordered_map<std::string, size_t> traceIndex_;
  std::vector<int64_t> durationsUs_; // per session: end of its last request
  std::vector<size_t> traceOf_;      // per appended exchange: its session's index
  std::unordered_map<std::string, std::vector<int64_t>> streams_;
  int64_t nextHashId_ = 0;
};

} // namespace

RowParserPtr makeWekaParser(int sessions) {
  return std::make_unique<WekaParser>(sessions);
}

} // namespace tt::replay
