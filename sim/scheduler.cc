#include "sim/scheduler.h"

#include "sim/prompt_identity.h"

#include <algorithm>
#include <cmath>

namespace tt::sim {
namespace {

int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

} // namespace

Scheduler::Scheduler(SchedulerConfig config, CostModel model, SchedulerOptions options)
    : config_(std::move(config)), model_(model), options_(options), rng_(options.seed),
      allocator_(config_.maxBatchTotalTokens, config_.blockSize, config_.prefixCaching) {}

Admission Scheduler::submit(const RequestSpec& spec, int64_t nowUs) {
  (void)nowUs; // the queue time of a job is the order it is in; validation takes no time here
  Admission out;
  out.id = nextId_++;
  if (inFlight_ >= config_.maxConcurrentRequests) {
    out.status = Submitted::Overloaded;
    out.error = "Model is overloaded";
    return out;
  }
  const ValidationResult v = validateRequest(config_, spec.params, spec.inputTokens);
  if (!v.request) {
    out.status = Submitted::Invalid;
    out.error = v.error;
    return out;
  }
  uint32_t slot = 0;
  if (freeSlots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  }
  slotOf_.emplace(out.id, slot);
  RequestState& r = slots_[slot];
  r = RequestState{.spec = spec};
  r.maxTotalNewTokens = v.request->maxTotalNewTokens;
  r.eosAt = spec.outputTokens;
  ++inFlight_;
  enqueue(out.id, slot, spec.inputTokens, v.request->inputLength, v.request->maxNewTokensChunk);
  return out;
}

void Scheduler::enqueue(RequestId id, uint32_t slot, int64_t promptTokens, int64_t inputLength,
                        int64_t maxNewTokens) {
  ++slots_[slot].jobs;
  queue_.push_back(Job{.id = id,
                       .slot = slot,
                       .promptTokens = promptTokens,
                       .inputLength = inputLength,
                       .maxNewTokens = maxNewTokens});
}

const Scheduler::RequestState* Scheduler::find(RequestId id) const {
  const auto it = slotOf_.find(id);
  return it == slotOf_.end() ? nullptr : &slots_[it->second];
}

std::vector<TokenRun> Scheduler::jobPrompt(const Job& job) const {
  const RequestSpec& spec = slots_[job.slot].spec;
  // With decoder_input_details TGI gives the allocator no token ids: no prefix cache.
  if (!config_.prefixCaching || spec.params.decoderInputDetails) {
    return {};
  }
  return promptRuns({.request = job.id,
                     .originalTokens = spec.inputTokens,
                     .hashes = spec.blockHashes,
                     .hashTokens = spec.hashBlockTokens,
                     .jobPromptTokens = job.promptTokens,
                     .jobInputTokens = job.inputLength});
}

void Scheduler::dropHeld(Job& job) {
  if (job.held) {
    allocator_.free(*job.held, job.heldPrompt);
    job.held.reset();
    job.heldPrompt = {};
  }
}

bool Scheduler::nextBatch(int64_t nowUs, int64_t minSize, int64_t maxSize, int64_t prefillBudget,
                          int64_t tokenBudget) {
  if (prefillBudget <= 0 || tokenBudget <= 0 || queue_.empty()) {
    return false;
  }
  if (minSize > 0 && static_cast<int64_t>(queue_.size()) < minSize) {
    return false;
  }
  if (maxSize == 0) {
    return false;
  }
  const int64_t bs = config_.blockSize;
  prefillBudget = roundUp(prefillBudget, bs);
  const size_t first = running_.size();
  int64_t prefillTokens = 0;
  int64_t decodeTokens = 0;
  while (!queue_.empty()) {
    Job job = std::move(queue_.front());
    queue_.pop_front();
    if (job.cancelled) {
      dropHeld(job); // the client went away: dropped with what it holds (sim/README.md)
      continue;
    }
    Running r;
    if (config_.router == RouterVersion::V2) {
      const int64_t prefill = roundUp(job.inputLength, bs);
      const int64_t decode = roundUp(job.maxNewTokens, bs);
      prefillTokens += prefill;
      decodeTokens += decode;
      if (prefillTokens > prefillBudget ||
          prefillTokens + decodeTokens + config_.speculate > tokenBudget) {
        queue_.push_front(std::move(job)); // head-of-line blocking
        break;
      }
      // The batch's max_tokens is the shard's figure, one token less than the router's
      // arithmetic: the first token has no past (sim/README.md).
      r.reservedTokens = roundUp(job.inputLength + job.maxNewTokens - 1 + config_.speculate, bs);
      r.nextChunk = job.inputLength;
    } else {
      r.prompt = jobPrompt(job);
      const int64_t tokens = job.inputLength + job.maxNewTokens + config_.speculate - 1;
      const auto alloc = allocator_.allocate(tokens, r.prompt);
      if (!alloc) {
        queue_.push_front(std::move(job));
        break;
      }
      r.alloc = *alloc;
      r.reservedTokens = alloc->blocks * bs;
      // At least one prompt token is computed, to get the first token's logits.
      r.computed = std::min(alloc->prefixTokens, job.inputLength - 1);
      const int64_t postfix = job.inputLength - r.computed;
      r.nextChunk = postfix;
      const bool over = prefillTokens + postfix > prefillBudget;
      if (over && (!config_.chunking || prefillBudget - prefillTokens <= 0)) {
        // The new allocation is dropped: its prompt still enters the cache (sim/README.md).
        allocator_.free(r.alloc, r.prompt);
        queue_.push_front(std::move(job));
        break;
      }
      // The entry takes the new allocation: one it held from an earlier try is dropped.
      dropHeld(job);
      if (over) {
        r.nextChunk = prefillBudget - prefillTokens;
        r.job = std::move(job);
        running_.push_back(std::move(r));
        break;
      }
      prefillTokens += postfix;
    }
    r.job = std::move(job);
    running_.push_back(std::move(r));
    if (maxSize > 0 && static_cast<int64_t>(running_.size() - first) == maxSize) {
      break;
    }
  }
  const int64_t admitted = static_cast<int64_t>(running_.size() - first);
  if (admitted == 0) {
    return false;
  }
  if (minSize > 0 && admitted < minSize) {
    // Back to the queue in their order, each entry keeping its allocation (sim/README.md).
    for (size_t i = running_.size(); i-- > first;) {
      Running& r = running_[i];
      if (config_.router == RouterVersion::V3) {
        r.job.held = r.alloc;
        r.job.heldPrompt = std::move(r.prompt);
      }
      slots_[r.job.slot].status = RequestStatus::Queued;
      queue_.push_front(std::move(r.job));
    }
    running_.resize(first);
    return false;
  }
  for (size_t i = first; i < running_.size(); ++i) {
    const Running& r = running_[i];
    batchMaxTokens_ += r.reservedTokens;
    RequestState& req = slots_[r.job.slot];
    req.status = RequestStatus::Running;
    if (req.admittedUs < 0) {
      req.admittedUs = nowUs;
    }
    req.cachedTokens += r.computed;
  }
  return true;
}

int64_t Scheduler::currentTokens() const {
  int64_t tokens = 0;
  for (const Running& r : running_) {
    tokens += r.computed < r.job.inputLength ? r.nextChunk : 1;
  }
  return tokens;
}

const ForwardRecord* Scheduler::beginForward(int64_t nowUs) {
  if (inForward_) {
    return nullptr;
  }
  const int64_t queued = static_cast<int64_t>(queue_.size());
  const size_t before = running_.size();
  switch (phase_) {
  case Phase::Idle:
    if (!nextBatch(nowUs, -1, config_.maxBatchSize.value_or(-1), config_.maxBatchPrefillTokens,
                   config_.maxBatchTotalTokens)) {
      return nullptr;
    }
    waitingTokens_ = 1;
    planForward(nowUs, ForwardKind::Prefill, 0, static_cast<int32_t>(running_.size()));
    after_ = Phase::IterationStart;
    break;
  case Phase::IterationStart: {
    const int64_t tokenBudget = std::max<int64_t>(config_.maxBatchTotalTokens - batchMaxTokens_, 0);
    const int64_t batchSize = static_cast<int64_t>(running_.size());
    int64_t minSize = -1;
    int64_t maxSize = -1;
    int64_t prefillBudget = config_.maxBatchPrefillTokens;
    if (config_.chunking) {
      prefillBudget = std::max<int64_t>(prefillBudget - currentTokens(), 0);
    } else {
      if (waitingTokens_ < config_.maxWaitingTokens) {
        // In single precision, as TGI computes it (sim/README.md): floor(90 * 0.7) is 63 in f32
        // and 62 in double.
        const float ratio = static_cast<float>(config_.waitingServedRatio);
        minSize = static_cast<int64_t>(std::floor(static_cast<float>(batchSize) * ratio));
      }
      if (config_.maxBatchSize) {
        maxSize = std::max<int64_t>(*config_.maxBatchSize - batchSize, 0);
      }
    }
    if (nextBatch(nowUs, minSize, maxSize, prefillBudget, tokenBudget)) {
      waitingTokens_ = 1;
      const auto admitted = static_cast<int32_t>(running_.size() - before);
      if (config_.chunking) {
        planForward(nowUs, ForwardKind::Mixed, 0, admitted);
      } else {
        planForward(nowUs, ForwardKind::Prefill, before, admitted); // the batch is paused
      }
      after_ = Phase::DecodeDue;
    } else {
      planForward(nowUs, ForwardKind::Decode, 0, 0);
      ++waitingTokens_;
      after_ = Phase::IterationStart;
    }
    break;
  }
  case Phase::DecodeDue:
    planForward(nowUs, ForwardKind::Decode, 0, 0);
    ++waitingTokens_;
    after_ = Phase::IterationStart;
    break;
  }
  record_.queueLength = static_cast<int32_t>(queued);
  inForward_ = true;
  return &record_;
}

void Scheduler::planForward(int64_t nowUs, ForwardKind kind, size_t first, int32_t admitted) {
  ForwardShape s;
  for (size_t i = first; i < running_.size(); ++i) {
    const Running& r = running_[i];
    if (r.computed < r.job.inputLength) {
      s.prefillTokens += r.nextChunk;
      s.prefillAttention +=
          static_cast<double>(r.nextChunk) *
          (static_cast<double>(r.computed) + static_cast<double>(r.nextChunk) / 2);
    } else {
      const int64_t context = r.job.inputLength + r.generated;
      ++s.decodeSeqs;
      s.kvTokens += context;
      s.maxContext = std::max(s.maxContext, context);
    }
  }
  if (s.prefillTokens == 0) {
    s.graphBatch = graphBatchFor(config_.cudaGraphs, s.decodeSeqs);
  }
  double ms = model_.forwardMs(s);
  if (options_.timeJitter > 0) {
    std::normal_distribution<double> noise(1.0, options_.timeJitter);
    ms *= std::max(noise(rng_), 0.05);
  }
  forwardFirst_ = first;
  record_ = ForwardRecord{};
  record_.startUs = nowUs;
  record_.durationUs = std::max<int64_t>(std::llround(ms * 1000.0), 1);
  record_.kind = kind;
  record_.batchSize = static_cast<int32_t>(running_.size() - first);
  record_.prefillTokens = s.prefillTokens;
  record_.decodeSeqs = static_cast<int32_t>(s.decodeSeqs);
  record_.kvTokens = s.kvTokens;
  record_.graphBatch = s.graphBatch;
  record_.blocksInUse = config_.router == RouterVersion::V3 ? allocator_.blocksInUse()
                                                            : batchMaxTokens_ / config_.blockSize;
  record_.cachedBlocks = config_.router == RouterVersion::V3 ? allocator_.cachedBlocks() : 0;
  record_.admitted = admitted;
}

void Scheduler::computeNextChunks(size_t first) {
  // The shard's rule (flash_causal_lm.generate_token): the batch is walked newest first and
  // the budget counts every request of the forward, finished ones included (sim/README.md).
  int64_t budget =
      config_.maxBatchPrefillTokens - (static_cast<int64_t>(running_.size() - first) - 1);
  for (size_t i = running_.size(); i-- > first;) {
    Running& r = running_[i];
    if (r.finished || r.computed >= r.job.inputLength) {
      continue;
    }
    const int64_t remaining = r.job.inputLength - r.computed;
    r.nextChunk = std::max<int64_t>(std::min(remaining, budget), 1);
    budget -= r.nextChunk;
  }
}

std::span<const TokenEvent> Scheduler::endForward() {
  events_.clear();
  if (!inForward_) {
    return events_;
  }
  inForward_ = false;
  for (size_t i = forwardFirst_; i < running_.size(); ++i) {
    Running& r = running_[i];
    if (r.computed < r.job.inputLength) {
      r.computed += r.nextChunk;
      if (r.computed < r.job.inputLength) {
        continue; // still prefilling: no token yet
      }
    }
    if (r.dropped) {
      // Its token finds the client gone: counted as dropped, treated as stopped (sim/README.md).
      r.finished = true;
      continue;
    }
    RequestState& req = slots_[r.job.slot];
    ++r.generated;
    ++req.generated;
    TokenEvent event{.id = r.job.id};
    // The shard checks the length before EOS (sim/README.md).
    if (r.generated >= r.job.maxNewTokens) {
      r.finished = true;
      r.reason = FinishReason::Length;
    } else if (req.eosAt > 0 && req.generated >= req.eosAt) {
      r.finished = true;
      r.reason = FinishReason::EosToken;
    }
    if (r.finished) {
      event.reason = r.reason;
      event.last = true;
      if (r.reason == FinishReason::Length && req.generated < req.maxTotalNewTokens) {
        // Continuation (sim/README.md): the generated text joins the prompt and is validated
        // again; EOS on the job's last slot is special (not in the text) and comes again.
        const bool eosHere = req.eosAt > 0 && req.generated == req.eosAt;
        const int64_t prompt = req.spec.inputTokens + req.generated - (eosHere ? 1 : 0);
        const ValidationResult v = validateRequest(config_, req.spec.params, prompt);
        if (v.request) {
          if (eosHere) {
            ++req.eosAt;
          }
          event.last = false;
          r.nextPrompt = prompt;
          r.nextInput = v.request->inputLength;
          r.nextMaxNewTokens = v.request->maxNewTokensChunk;
        }
      }
    }
    events_.push_back(event);
  }
  if (config_.chunking) {
    computeNextChunks(forwardFirst_);
  }
  size_t kept = 0;
  for (size_t i = 0; i < running_.size(); ++i) {
    if (running_[i].finished) {
      finishJob(running_[i]);
    } else {
      if (kept != i) {
        running_[kept] = std::move(running_[i]);
      }
      ++kept;
    }
  }
  running_.resize(kept);
  phase_ = running_.empty() ? Phase::Idle : after_;
  return events_;
}

void Scheduler::finishJob(Running& r) {
  if (config_.router == RouterVersion::V3) {
    allocator_.free(r.alloc, r.prompt);
  }
  batchMaxTokens_ -= r.reservedTokens;
  if (r.dropped) {
    return; // the permit went back at cancel()
  }
  if (r.nextPrompt > 0) {
    enqueue(r.job.id, r.job.slot, r.nextPrompt, r.nextInput, r.nextMaxNewTokens);
    slots_[r.job.slot].status = RequestStatus::Queued;
  } else {
    slots_[r.job.slot].status = RequestStatus::Finished;
    --inFlight_; // the stream ends: the permit goes back
  }
}

bool Scheduler::cancel(RequestId id) {
  RequestState* found = find(id);
  if (found == nullptr) {
    return false;
  }
  RequestState& req = *found;
  if (req.status == RequestStatus::Queued) {
    for (Job& job : queue_) {
      if (job.id == id && !job.cancelled) {
        job.cancelled = true;
        break;
      }
    }
  } else if (req.status == RequestStatus::Running) {
    for (Running& r : running_) {
      if (r.job.id == id && !r.dropped) {
        r.dropped = true;
        break;
      }
    }
  } else {
    return false;
  }
  req.status = RequestStatus::Cancelled;
  --inFlight_; // the handler holding the permit is gone
  return true;
}

RequestStatus Scheduler::status(RequestId id) const {
  const RequestState* r = find(id);
  return r != nullptr ? r->status : RequestStatus::Unknown;
}

bool Scheduler::release(RequestId id) {
  const auto it = slotOf_.find(id);
  if (it == slotOf_.end()) {
    return false;
  }
  RequestState& r = slots_[it->second];
  if (r.status != RequestStatus::Finished && r.status != RequestStatus::Cancelled) {
    return false;
  }
  r.spec.blockHashes = {}; // the only heap memory of a request: gone until the slot is reused
  freeSlots_.push_back(it->second);
  slotOf_.erase(it);
  return true;
}

} // namespace tt::sim
