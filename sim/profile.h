#pragma once

#include "sim/cost_model.h"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tt::sim {

// One measured forward of a profile file (format: sim/README.md, "Profile files").
struct ProfileRow {
  enum class Phase { Decode, Prefill, Mixed };
  Phase phase = Phase::Decode;
  int64_t batch = 0;
  int64_t context = 0;
  int64_t tokens = 0;
  double ms = 0;
  int line = 0; // 1-based line in the file, for messages
};

// A phase as a profile file and calibration's reports write it: decode, prefill, mixed.
std::string_view phaseName(ProfileRow::Phase phase);

struct Profile {
  std::string name; // the built-in name or the file path
  std::vector<ProfileRow> rows;
};

// A profile that cannot be used; what() is one line: "<source>:<line>: <reason>".
class ProfileError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Parses the CSV text of a profile. `source` names it in error messages. Throws ProfileError.
Profile parseProfile(std::string_view text, const std::string& source);

// The forward a profile row measured, in the cost model's terms.
ForwardShape shapeOf(const ProfileRow& row);

// A cost model fitted to a profile, with its relative error on every row.
struct FittedProfile {
  std::string name;
  CostModel model;
  std::vector<double> rowErrors; // (model - measured) / measured, one per row
  double maxAbsError() const;
  double rmsError() const;
};

// A forward's shape and its measured time: what a fit of the cost model sees.
struct FitPoint {
  ForwardShape shape;
  double ms = 0;
};

// A starting point read off the points (roofline reasoning), so a fit starts in the right basin.
// Decode points are graph forwards without prompts, prefill points have no decoding sequences.
CostCoefficients initialGuess(const std::vector<FitPoint>& points);

// Least-squares fit of the relative error (Levenberg-Marquardt) from `start`, then
// `reweightedPasses` passes that reweight towards the worst points (Lawson's method) and fit again.
CostCoefficients fitPoints(const std::vector<FitPoint>& points, const CostCoefficients& start,
                           int reweightedPasses);

// fitPoints of the rows' shapes from initialGuess, with 11 reweighted passes that shrink the worst
// rows' error. Throws ProfileError when the rows cannot determine the
// model (no decode, prefill or mixed rows).
FittedProfile fitProfile(const Profile& profile);

} // namespace tt::sim
