#pragma once
// The workload of the tune benchmarks: the whole Azure LLM 2023 conversation trace (one hour,
// 19,366 requests), or the Azure-format file named by the first argument.
#include "replay/import.h"
#include "tune/load_run.h"
#include "tune/what_if.h"

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

namespace tt::bench {

// The trace as a what-if workload; nothing (and a line on stderr) when it cannot be read.
inline std::optional<tune::WhatIfTrace> azureHour(int argc, char** argv, const char* bench) {
  const std::string path = argc > 1
                               ? argv[1]
                               : std::string(TT_SHARED_DIR) +
                                     "/traces/azure-llm-2023-conv/AzureLLMInferenceTrace_conv.csv";
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "%s: cannot read %s\n", bench, path.c_str());
    return std::nullopt;
  }
  auto imported = replay::importTrace(in, {.format = "azure"});
  return tune::whatIfTrace(std::move(imported.exchanges), 1.0, 0);
}

} // namespace tt::bench
