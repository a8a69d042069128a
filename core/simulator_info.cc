#include "core/simulator_info.h"

#include <nlohmann/json.hpp>

namespace tt {

nlohmann::ordered_json SimulatorInfo::toJson() const {
  return {{"name", name}, {"time_scale", timeScale}};
}

SimulatorInfo SimulatorInfo::fromJson(const nlohmann::json& member) {
  SimulatorInfo out;
  if (!member.is_object()) {
    return out;
  }
  if (const auto name = member.find("name"); name != member.end() && name->is_string()) {
    out.name = name->get<std::string>();
  }
  const auto scale = member.find("time_scale");
  if (scale != member.end() && scale->is_number() && scale->get<double>() > 0) {
    out.timeScale = scale->get<double>();
  }
  return out;
}

} // namespace tt
