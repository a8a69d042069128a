#include "tgisim/step_recorder.h"

#include "core/enum_names.h"

#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <stdexcept>

namespace tt::tgisim {
namespace {

constexpr std::array kForwardKindNames{
    std::pair{sim::ForwardKind::Prefill, std::string_view{"prefill"}},
    std::pair{sim::ForwardKind::Mixed, std::string_view{"mixed"}},
    std::pair{sim::ForwardKind::Decode, std::string_view{"decode"}},
};

} // namespace

StepRecorder::StepRecorder(const std::string& path) : file_(std::fopen(path.c_str(), "w")) {
  if (file_ == nullptr) {
    throw std::runtime_error("--steps-out: cannot create " + path + ": " + std::strerror(errno));
  }
  std::fputs("start_us,end_us,kind,batch,decode_seqs,prefill_tokens,kv_tokens,graph_batch,tokens\n",
             file_);
}

StepRecorder::~StepRecorder() {
  std::fclose(file_);
}

void StepRecorder::onForward(const sim::ForwardRecord& r, int64_t /*intendedNs*/,
                             int64_t /*firedNs*/, std::span<const sim::TokenEvent> events) {
  const std::string_view kind = nameOf(kForwardKindNames, r.kind);
  std::fprintf(file_,
               "%" PRId64 ",%" PRId64 ",%.*s,%d,%d,%" PRId64 ",%" PRId64 ",%" PRId64 ",%zu\n",
               r.startUs, r.startUs + r.durationUs, static_cast<int>(kind.size()), kind.data(),
               r.batchSize, r.decodeSeqs, r.prefillTokens, r.kvTokens, r.graphBatch, events.size());
}

} // namespace tt::tgisim
