#pragma once

#include <optional>
#include <string_view>

namespace tt::replay {

// The trace files `tracetune import` reads (docs/replay.md describes each).
enum class TraceFormat {
  Mooncake,  // Mooncake FAST'25 JSONL: timestamp (ms), input_length, output_length, hash_ids
  Azure,     // Azure LLM inference 2023 CSV: TIMESTAMP, ContextTokens, GeneratedTokens
  Aiperf,    // AIPerf single_turn JSONL (text) and its mooncake_trace form
  Weka,      // WEKA Claude Code sessions, requests_flat.csv (per-session relative times)
  Tracetune, // tracetune's own JSONL export
};

std::string_view traceFormatName(TraceFormat format);
std::optional<TraceFormat> traceFormatFromName(std::string_view name);

// Prompt tokens per prefix hash id, where a format defines it (Mooncake and AIPerf 512, WEKA 64).
int blockTokensFor(TraceFormat format);

} // namespace tt::replay
