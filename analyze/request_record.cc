#include "analyze/request_record.h"

namespace tt::analyze {

std::optional<double> RequestRecord::ttftUs() const {
  if (!firstTokenUs) {
    return std::nullopt;
  }
  return static_cast<double>(*firstTokenUs - sentUs);
}

std::optional<double> RequestRecord::e2eUs() const {
  if (!endUs) {
    return std::nullopt;
  }
  return static_cast<double>(*endUs - sentUs);
}

std::optional<double> RequestRecord::tpotUs() const {
  if (!firstTokenUs || !endUs || outputTokens < 2) {
    return std::nullopt;
  }
  return static_cast<double>(*endUs - *firstTokenUs) / static_cast<double>(outputTokens - 1);
}

std::optional<double> RequestRecord::ttftFromIntendedUs() const {
  if (!firstTokenUs) {
    return std::nullopt;
  }
  return static_cast<double>(*firstTokenUs - intendedUs.value_or(sentUs));
}

std::optional<double> RequestRecord::e2eFromIntendedUs() const {
  if (!endUs) {
    return std::nullopt;
  }
  return static_cast<double>(*endUs - intendedUs.value_or(sentUs));
}

std::optional<double> RequestRecord::sendLagUs() const {
  if (!intendedUs) {
    return std::nullopt;
  }
  return static_cast<double>(sentUs - *intendedUs);
}

std::optional<double> RequestRecord::perceivedTtftUs(bool fromIntended) const {
  const int64_t start = fromIntended ? intendedUs.value_or(sentUs) : sentUs;
  if (firstTokenUs) {
    return static_cast<double>(*firstTokenUs - start);
  }
  if (endUs) {
    return static_cast<double>(*endUs - start);
  }
  return std::nullopt;
}

RequestRecord recordFromExchange(const Exchange& e) {
  RequestRecord r;
  r.id = e.id;
  r.sourceRequestId = e.sourceRequestId;
  r.intendedUs = e.intendedUs;
  r.sentUs = e.sentUs;
  if (!e.tokenTimesUs.empty()) {
    r.firstTokenUs = e.tokenTimesUs.front();
  }
  r.endUs = e.endUs;
  r.inputTokens = e.inputTokens ? e.inputTokens : e.tgi.promptTokens;
  r.tokenEvents = static_cast<int64_t>(e.tokenTimesUs.size());
  r.outputTokens = e.outputTokens.value_or(e.tgi.generatedTokens.value_or(r.tokenEvents));
  r.tgiQueueUs = e.tgi.queueUs;
  r.outcome = e.outcome;
  return r;
}

} // namespace tt::analyze
