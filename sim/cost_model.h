#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace tt::sim {

// What one forward pass computes, as the cost model sees it.
struct ForwardShape {
  int64_t prefillTokens = 0;   // prompt tokens computed (sum of the chunks in the forward)
  double prefillAttention = 0; // causal attention work of the chunks: sum of chunk*(before+chunk/2)
  int64_t decodeSeqs = 0;      // sequences generating one token each
  int64_t kvTokens = 0;        // KV tokens the decoding sequences attend over, summed
  int64_t maxContext = 0;      // the longest of those contexts
  int64_t graphBatch = 0;      // > 0: a CUDA graph padded to this batch size; 0: eager
};

// The coefficients of the functional form below, in milliseconds. Each profile file gets its own
// values, fitted by fitProfile(). smax_k(a, b) = (a^k + b^k)^(1/k) is a smooth maximum whose
// sharpness is fitted too (floorSharpness for the eager launch floor, sharpness for the rest):
// the regimes of a GPU blend into each other rather than switch.
//
//   attention = smax(ctxMs * maxContext, kvMs * kvTokens)
//       one decoding sequence cannot use the whole memory bandwidth: its attention time grows
//       with its own context (ctxMs) until enough sequences run side by side that the total KV
//       read (kvMs per token) is the bound;
//   graph forward = smax(graphBaseMs + graphSeqMs * graphBatch, tokenMs * graphBatch) + attention
//       the weights are read once per forward (memory bound) until the batch is large enough for
//       the GEMMs to become compute bound at tokenMs per token;
//   eager forward = smax_floor(floor, eagerBaseMs + tokenMs * tokens + attnMs * prefillAttention
//                                 + eagerKvMs * kvTokens)
//       (without graphs, decode attention pays eagerKvMs per KV token: the kernels for a mixed
//       batch are not the tuned decode path);
//       eager forwards are launch bound below a few hundred tokens: the floor is prefillFloorMs
//       for a forward of prompts only, decodeFloorMs when decoding sequences are in it (their
//       attention kernels are extra launches).
struct CostCoefficients {
  double prefillFloorMs = 0;
  double decodeFloorMs = 0;
  double eagerBaseMs = 0;
  double tokenMs = 0;
  double attnMs = 0;
  double kvMs = 0;
  double ctxMs = 0;
  double graphBaseMs = 0;
  double graphSeqMs = 0;
  double eagerKvMs = 0;
  double sharpness = 8;
  double floorSharpness = 8;

  static constexpr int kCount = 12;
  std::array<double, kCount> toArray() const;
  static CostCoefficients fromArray(const std::array<double, kCount>& values);
};

// Time of one forward pass. Stateless and cheap: called once per simulated step.
class CostModel {
public:
  CostModel() = default;
  explicit CostModel(const CostCoefficients& coefficients) : c_(coefficients) {}

  double forwardMs(const ForwardShape& shape) const;
  const CostCoefficients& coefficients() const { return c_; }
  // The model of a GPU `factor` times as slow: every time coefficient scaled (smax is
  // homogeneous, so every forward's time is scaled by exactly `factor`).
  CostModel scaled(double factor) const;

private:
  CostCoefficients c_;
};

// The decode batch a forward of `seqs` decoding sequences runs at: the smallest captured CUDA
// graph size >= seqs, or 0 (eager) beyond the largest. `sizes` is sorted ascending.
template <typename Sizes> int64_t graphBatchFor(const Sizes& sizes, int64_t seqs) {
  for (const auto size : sizes) {
    if (size >= seqs) {
      return size;
    }
  }
  return 0;
}

} // namespace tt::sim
