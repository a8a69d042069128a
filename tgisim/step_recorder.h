#pragma once

#include "tgisim/engine_driver.h"

#include <cstdio>
#include <string>

namespace tt::tgisim {

// `--steps-out FILE`: one CSV line per forward, in the server's virtual time (µs since start),
// so that a tool that recovers forwards from captured traffic can be checked against the truth:
//   start_us,end_us,kind,batch,decode_seqs,prefill_tokens,kv_tokens,graph_batch,tokens
// `kind` is prefill, mixed or decode; `tokens` is the token events the forward emitted.
// Lines are buffered and reach the file at the latest when the recorder is destroyed.
class StepRecorder : public ForwardObserver {
public:
  // Throws std::runtime_error with one line when the file cannot be created.
  explicit StepRecorder(const std::string& path);
  ~StepRecorder() override;
  StepRecorder(const StepRecorder&) = delete;
  StepRecorder& operator=(const StepRecorder&) = delete;

  void onForward(const sim::ForwardRecord& record, int64_t intendedNs, int64_t firedNs,
                 std::span<const sim::TokenEvent> events) override;

private:
  std::FILE* file_ = nullptr;
};

} // namespace tt::tgisim
