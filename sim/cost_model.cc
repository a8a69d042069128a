#include "sim/cost_model.h"

#include <algorithm>
#include <cmath>

namespace tt::sim {

std::array<double, CostCoefficients::kCount> CostCoefficients::toArray() const {
  return {prefillFloorMs, decodeFloorMs, eagerBaseMs, tokenMs,   attnMs,    kvMs,
          ctxMs,          graphBaseMs,   graphSeqMs,  eagerKvMs, sharpness, floorSharpness};
}

CostCoefficients CostCoefficients::fromArray(const std::array<double, kCount>& v) {
  return {.prefillFloorMs = v[0],
          .decodeFloorMs = v[1],
          .eagerBaseMs = v[2],
          .tokenMs = v[3],
          .attnMs = v[4],
          .kvMs = v[5],
          .ctxMs = v[6],
          .graphBaseMs = v[7],
          .graphSeqMs = v[8],
          .eagerKvMs = v[9],
          .sharpness = v[10],
          .floorSharpness = v[11]};
}

namespace {

// (a^k + b^k)^(1/k) for a, b >= 0, computed relative to the larger term so it cannot overflow.
double smoothMax(double a, double b, double k) {
  a = std::max(a, 0.0);
  b = std::max(b, 0.0);
  const double hi = std::max(a, b);
  if (hi <= 0) {
    return 0;
  }
  const double lo = std::min(a, b);
  return hi * std::pow(1.0 + std::pow(lo / hi, k), 1.0 / k);
}

} // namespace

CostModel CostModel::scaled(double factor) const {
  CostCoefficients c = c_;
  for (double* ms : {&c.prefillFloorMs, &c.decodeFloorMs, &c.eagerBaseMs, &c.tokenMs, &c.attnMs,
                     &c.kvMs, &c.ctxMs, &c.graphBaseMs, &c.graphSeqMs, &c.eagerKvMs}) {
    *ms *= factor;
  }
  return CostModel(c);
}

double CostModel::forwardMs(const ForwardShape& s) const {
  if (s.graphBatch > 0) {
    const double k = c_.sharpness;
    const double attention = smoothMax(c_.ctxMs * static_cast<double>(s.maxContext),
                                       c_.kvMs * static_cast<double>(s.kvTokens), k);
    const double batch = static_cast<double>(s.graphBatch);
    return smoothMax(c_.graphBaseMs + c_.graphSeqMs * batch, c_.tokenMs * batch, k) + attention;
  }
  const double tokens = static_cast<double>(s.prefillTokens + s.decodeSeqs);
  const double floor = s.decodeSeqs > 0 ? c_.decodeFloorMs : c_.prefillFloorMs;
  return smoothMax(floor,
                   c_.eagerBaseMs + c_.tokenMs * tokens + c_.attnMs * s.prefillAttention +
                       c_.eagerKvMs * static_cast<double>(s.kvTokens),
                   c_.floorSharpness);
}

} // namespace tt::sim
