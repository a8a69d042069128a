#pragma once

#include "sim/block_allocator.h"
#include "sim/config.h"
#include "sim/cost_model.h"
#include "sim/validation.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tt::sim {

using RequestId = int32_t;

// One request as the simulator needs it. The tokenizer is not modelled: the caller counts tokens.
struct RequestSpec {
  int64_t inputTokens = 0;
  GenerateParams params;    // max_new_tokens, truncate, ... (validated as TGI does)
  int64_t outputTokens = 0; // the end-of-sequence token is token number outputTokens (0: never)
  // Prefix identity: ids the trace gives the prompt's blocks of hashBlockTokens tokens (Mooncake
  // `hash_ids`, hashTokenBlocks of prefix_hash.h), the last one possibly partial. Requests with
  // the same ids share those tokens; tokens no id covers are the request's own
  // (prompt_identity.h). Empty, or hashBlockTokens 0: the whole prompt is the request's own.
  std::vector<uint64_t> blockHashes;
  int64_t hashBlockTokens = 0;
};

enum class FinishReason { Length, EosToken };

enum class Submitted { Queued, Overloaded, Invalid };

// Where a request stands, for callers that track it (status()).
enum class RequestStatus {
  Unknown,   // never submitted, rejected at submit (429 / 422), or released
  Queued,    // a job of it waits in the queue
  Running,   // a job of it is in the running batch
  Finished,  // its stream ended with a finish reason
  Cancelled, // cancel()ed before its stream ended
};

struct Admission {
  RequestId id = -1;
  Submitted status = Submitted::Queued;
  std::string error; // TGI's message for Overloaded ("Model is overloaded") and Invalid
};

enum class ForwardKind {
  Prefill, // new prompts only (a new batch, or non-chunking: the running batch is paused)
  Mixed,   // chunking: the running batch plus new prompts in one forward
  Decode,  // the running batch (with prefill chunks that continue)
};

// One forward pass: its place in time and what it held.
struct ForwardRecord {
  int64_t startUs = 0;
  int64_t durationUs = 0;
  ForwardKind kind = ForwardKind::Decode;
  int32_t batchSize = 0;     // sequences in the forward
  int64_t prefillTokens = 0; // prompt tokens computed
  int32_t decodeSeqs = 0;    // sequences generating a token from their KV
  int64_t kvTokens = 0;      // KV tokens those sequences attend over
  int64_t graphBatch = 0;    // CUDA graph size used, 0 when eager
  int64_t blocksInUse = 0;   // KV blocks reserved or cached when the forward starts
  int64_t cachedBlocks = 0;  // of those, the prefix cache's (evictable unless a job holds them)
  int32_t queueLength = 0;   // jobs waiting when the forward starts
  int32_t admitted = 0;      // jobs the forward took from the queue
};

// What a forward emitted for one request, at the forward's end.
struct TokenEvent {
  RequestId id = -1;
  bool last = false; // the request's stream ends with this token
  FinishReason reason = FinishReason::Length;
};

struct SchedulerOptions {
  double timeJitter = 0; // relative standard deviation applied to each forward time
  uint64_t seed = 0;
};

// TGI's router and shard batching, driven one forward at a time (sim/README.md).
// Real-time use: submit() each arrival; when idle call beginForward(now), run a timer for the
// returned duration, then endForward() delivers the tokens. Virtual time: see engine.h.
// An arrival submitted between beginForward and endForward takes its permit and its place in the
// queue at once and waits for the next beginForward, as in TGI; the effects of a forward (tokens,
// frees, permits, continuation jobs) happen in endForward.
class Scheduler {
public:
  Scheduler(SchedulerConfig config, CostModel model, SchedulerOptions options = {});

  // Permit (429 when max_concurrent_requests are in flight), then validation, then the queue.
  Admission submit(const RequestSpec& spec, int64_t nowUs);

  // Forms the next forward as TGI would at `nowUs`; nullptr when there is nothing to run (wait
  // for an arrival). Must be followed by endForward() before the next call.
  const ForwardRecord* beginForward(int64_t nowUs);

  // Applies the forward begun last; the span stays valid until the next beginForward.
  std::span<const TokenEvent> endForward();

  // The client of a queued or running request went away. As TGI does when the response channel
  // is closed (sim/README.md): the permit goes back at once (the handler holding it is
  // dropped); a queued job stays in the queue (queueLength() counts it, as tgi_queue_size does)
  // until next_batch pops it and skips it, without budget or blocks;
  // a running job stays in the batch and is computed until the end of the next forward that
  // would give it a token (a sequence still prefilling gives none), where it is removed and its
  // KV blocks freed (its prompt joins the prefix cache) like a finished one, emitting nothing.
  // Never mid-forward: during a forward, the effects come in endForward. No TokenEvent for the
  // request follows a cancel. Returns false (and does nothing) when the request is not queued
  // or running.
  bool cancel(RequestId id);
  RequestStatus status(RequestId id) const;

  // Forgets a request whose stream ended (Finished or Cancelled) once the caller has read what
  // it needs: its per-request state is reclaimed, so a scheduler that runs for days holds state
  // only for the requests in flight and those not released yet. Ids stay unique (they are not
  // reused); afterwards status() is Unknown and the accessors below return their defaults.
  // Returns false (and does nothing) for a request that is queued or running, or not tracked.
  // Requests rejected at submit (429 / 422) are never tracked: there is nothing to release.
  bool release(RequestId id);
  // Requests whose state is kept (submitted and queued, not released yet).
  size_t trackedRequests() const { return slotOf_.size(); }
  // Capacity of the per-request storage: the most requests tracked at once so far.
  size_t requestSlots() const { return slots_.size(); }

  size_t queueLength() const { return queue_.size(); }
  int64_t inFlight() const { return inFlight_; }
  const SchedulerConfig& config() const { return config_; }
  const BlockAllocator& allocator() const { return allocator_; }

  // Per request, for results: when its first job left the queue, how many jobs it took, how
  // many prompt tokens the prefix cache saved, tokens generated so far (-1, 0, 0, 0 for a
  // request that is not tracked).
  int64_t admittedUs(RequestId id) const {
    const RequestState* r = find(id);
    return r != nullptr ? r->admittedUs : -1;
  }
  int32_t jobs(RequestId id) const {
    const RequestState* r = find(id);
    return r != nullptr ? r->jobs : 0;
  }
  int64_t cachedTokens(RequestId id) const {
    const RequestState* r = find(id);
    return r != nullptr ? r->cachedTokens : 0;
  }
  int64_t generated(RequestId id) const {
    const RequestState* r = find(id);
    return r != nullptr ? r->generated : 0;
  }

private:
  struct RequestState {
    RequestSpec spec;
    int64_t maxTotalNewTokens = 0;
    int64_t generated = 0;
    int64_t eosAt = 0; // total generated count at which EOS comes (0: never)
    int64_t admittedUs = -1;
    int64_t cachedTokens = 0;
    int32_t jobs = 0;
    RequestStatus status = RequestStatus::Queued;
  };
  struct Job { // a queue entry
    RequestId id = -1;
    uint32_t slot = 0;        // its RequestState in slots_ (not read once cancelled)
    int64_t promptTokens = 0; // before truncation
    int64_t inputLength = 0;
    int64_t maxNewTokens = 0;
    bool cancelled = false; // the client went away: next_batch skips it
    // The allocation of a try next_batch gave up for want of min_size: TGI's entry keeps it
    // until it gets a new one or is dropped.
    std::optional<Allocation> held;
    std::vector<TokenRun> heldPrompt;
  };
  struct Running {
    Job job;
    Allocation alloc;
    std::vector<TokenRun> prompt; // the prompt's token identities (empty: no token ids)
    int64_t reservedTokens = 0;   // what the job adds to the batch's max_tokens
    int64_t computed = 0;         // prompt tokens in the KV cache
    int64_t nextChunk = 0;        // prompt tokens the next forward computes (while prefilling)
    int64_t generated = 0;        // tokens of this job
    bool finished = false;
    bool dropped = false; // cancelled: removed, silently, at its next token
    FinishReason reason = FinishReason::Length;
    int64_t nextPrompt = -1; // > 0: a continuation job follows with this prompt (and input)
    int64_t nextInput = 0;
    int64_t nextMaxNewTokens = 0;
  };
  enum class Phase { Idle, IterationStart, DecodeDue };

  bool nextBatch(int64_t nowUs, int64_t minSize, int64_t maxSize, int64_t prefillBudget,
                 int64_t tokenBudget); // appends to running_; minSize/maxSize < 0: unset
  void enqueue(RequestId id, uint32_t slot, int64_t promptTokens, int64_t inputLength,
               int64_t maxNewTokens);
  const RequestState* find(RequestId id) const;
  RequestState* find(RequestId id) {
    return const_cast<RequestState*>(std::as_const(*this).find(id));
  }
  std::vector<TokenRun> jobPrompt(const Job& job) const;
  void dropHeld(Job& job); // frees the allocation the entry holds, if any
  void planForward(int64_t nowUs, ForwardKind kind, size_t first, int32_t admitted);
  void computeNextChunks(size_t first);
  int64_t currentTokens() const;
  void finishJob(Running& r);

  SchedulerConfig config_;
  CostModel model_;
  SchedulerOptions options_;
  std::mt19937_64 rng_;
  BlockAllocator allocator_;
  // Per-request state lives in reusable slots: a job refers to its slot, callers to the id.
  // A cancelled job may outlive its request's slot (it is skipped or removed without reading
  // it), so the slot can be released at once.
  std::vector<RequestState> slots_;
  std::vector<uint32_t> freeSlots_;
  std::unordered_map<RequestId, uint32_t> slotOf_;
  RequestId nextId_ = 0;
  std::deque<Job> queue_;
  std::vector<Running> running_;
  std::vector<TokenEvent> events_;
  ForwardRecord record_;
  Phase phase_ = Phase::Idle;
  Phase after_ = Phase::Idle; // where the loop goes once the forward ends
  size_t forwardFirst_ = 0;   // running_[forwardFirst_..] are in the forward
  bool inForward_ = false;
  int64_t waitingTokens_ = 0;
  int64_t batchMaxTokens_ = 0;
  int64_t inFlight_ = 0;
};

} // namespace tt::sim
