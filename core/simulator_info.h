#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace tt {

// The `simulator` member tgi-sim adds to its /info (docs/replay.md, "The server's time"): not
// TGI's, and ignored by TGI's clients. tgi-sim writes it and schema's ServerInfo reads it through
// this one type, so that the two cannot drift.
struct SimulatorInfo {
  std::string name = "tgi-sim";
  double timeScale = 1; // --time-scale: how much faster than real time the answers come

  nlohmann::ordered_json toJson() const;
  // A member that is not an object, or a time scale that is not a positive number, reads as the
  // defaults.
  static SimulatorInfo fromJson(const nlohmann::json& member);
};

} // namespace tt
