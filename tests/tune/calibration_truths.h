#pragma once

// The models calibration is tested against: the built-in profiles, and one of other
// coefficients.
#include "sim/builtin_profiles.h"
#include "sim/cost_model.h"
#include "sim/profile.h"
#include "sim/profile_source.h"

#include <catch2/catch.hpp>

#include <string>

namespace tt::test {

inline sim::Profile builtinRows(const std::string& name) {
  for (const auto& builtin : sim::builtinProfiles()) {
    if (builtin.name == name) {
      return sim::parseProfile(builtin.csv, name);
    }
  }
  FAIL("no built-in profile " << name);
  return {};
}

// A larger model on a slower GPU than llama's profile: its coefficients 1.5-2.5 times as large.
inline sim::CostModel otherCoefficientsModel() {
  sim::CostCoefficients k = sim::resolveProfile("h100-llama3-8b").model.coefficients();
  k.graphBaseMs *= 1.8;
  k.graphSeqMs *= 2;
  k.prefillFloorMs *= 1.5;
  k.decodeFloorMs *= 1.5;
  k.eagerBaseMs *= 1.5;
  k.tokenMs *= 2.2;
  k.attnMs *= 2;
  k.kvMs *= 2.5;
  k.ctxMs *= 2.5;
  k.eagerKvMs *= 2.5;
  return sim::CostModel(k);
}

} // namespace tt::test
