#pragma once

#include "core/exchange.h"
#include "replay/plan.h"
#include "schema/store.h"
#include "sim/engine.h"

#include <cstdint>
#include <span>
#include <vector>

// A what-if run: a stored trace, scheduled by a replay plan, through the simulated TGI in
// virtual time, turned back into exchanges that analysis reads like a replay's.
namespace tt::tune {

// Prompt tokens of a recorded request: as recorded (imports), else TGI's x-prompt-tokens, else
// the prompt's bytes / 4, the usual ratio for English text with Llama-family tokenizers.
int64_t promptTokensOf(const Exchange& e);
// Tokens a recorded request got: as recorded, else its token events.
int64_t generatedTokensOf(const Exchange& e);

// Prompt tokens per prefix hash id of a stored trace (its parameters' block_tokens), 0 for none.
int64_t blockTokensOf(const TraceInfo& trace);

// The arrival of each source exchange on its trace's axis, with its session numbered.
std::vector<replay::PlanSource> planSources(std::span<const Exchange> source);

// One engine request per planned request, asking for the max_new_tokens a replay sends; its
// answer stops early only where the trace says the recorded one did (sim/README.md, "How long
// an answer is"). `blockTokens` is the prompt tokens each prefix hash id stands for (0: the
// trace has none).
std::vector<sim::EngineRequest> engineRequests(std::span<const Exchange> source,
                                               const replay::Plan& plan, int64_t blockTokens);

// The engine's result for a request as an exchange pointing to its source; the token times move
// into it.
Exchange simulatedExchange(const Exchange& source, sim::RequestResult&& result);

} // namespace tt::tune
