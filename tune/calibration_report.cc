#include "tune/calibration_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace tt::tune {
namespace {

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", share * 100);
  return text;
}

std::string range(const SizeRange& r) {
  if (r.empty()) {
    return "none";
  }
  return r.lo == r.hi ? std::to_string(r.lo) : std::to_string(r.lo) + "-" + std::to_string(r.hi);
}

nlohmann::json rangeJson(const SizeRange& r) {
  return r.empty() ? nlohmann::json(nullptr) : nlohmann::json::array({r.lo, r.hi});
}

// Name and value of each coefficient, in CostCoefficients' order.
std::vector<std::pair<std::string, double>> coefficients(const sim::CostModel& model) {
  const auto& c = model.coefficients();
  return {{"prefill_floor_ms", c.prefillFloorMs},
          {"decode_floor_ms", c.decodeFloorMs},
          {"eager_base_ms", c.eagerBaseMs},
          {"token_ms", c.tokenMs},
          {"attn_ms", c.attnMs},
          {"kv_ms", c.kvMs},
          {"ctx_ms", c.ctxMs},
          {"graph_base_ms", c.graphBaseMs},
          {"graph_seq_ms", c.graphSeqMs},
          {"eager_kv_ms", c.eagerKvMs},
          {"sharpness", c.sharpness},
          {"floor_sharpness", c.floorSharpness}};
}

int64_t rowsOf(const sim::Profile& p, sim::ProfileRow::Phase phase) {
  return std::count_if(p.rows.begin(), p.rows.end(),
                       [phase](const sim::ProfileRow& r) { return r.phase == phase; });
}

double worst(const std::vector<double>& errors) {
  double w = 0;
  for (const double e : errors) {
    w = std::max(w, std::abs(e));
  }
  return w;
}

double rms(const std::vector<double>& errors) {
  double sum = 0;
  for (const double e : errors) {
    sum += e * e;
  }
  return errors.empty() ? 0 : std::sqrt(sum / static_cast<double>(errors.size()));
}

// "decode forwards 7.95 ms on average in 17 scrape intervals (1234 forwards, by TGI's histogram);
// recovered from the token times 7.80 ms (-1.9%, 1100 measured)", or why there is nothing.
std::string metricsLine(const Calibration& c) {
  if (!c.metrics) {
    return "none: no decode histogram scraped beside the streams (tracetune proxy "
           "--scrape-interval)";
  }
  const MetricsEvidence& m = *c.metrics;
  char text[256];
  std::snprintf(text, sizeof text,
                "decode forwards %.2f ms on average in %lld scrape intervals (%lld forwards, by "
                "TGI's histogram); recovered from the token times %.2f ms (%+.1f%%, %lld measured)",
                m.serverMs, static_cast<long long>(m.intervals),
                static_cast<long long>(m.serverForwards), m.recoveredMs,
                (m.recoveredMs / m.serverMs - 1) * 100,
                static_cast<long long>(m.recoveredForwards));
  return text;
}

// How the prompts without a count were sized.
std::string estimateSource(const Calibration& c) {
  if (c.ratioFrom == 0) {
    return "from their characters / 4 (no request had both a count and a size to learn from)";
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "from their size at %.3f tokens a byte, learned from the %lld requests with both",
                c.tokensPerByte, static_cast<long long>(c.ratioFrom));
  return text;
}

// "120 from the server's counts, 280 from the server's /tokenize (40 chat, templated by its
// /chat_tokenize), 0 estimated ...", and how many had no prompt to send.
std::string promptSources(const Calibration& c) {
  std::string line = std::to_string(c.promptsCounted) + " from the server's counts, ";
  if (c.tokenize) {
    line += std::to_string(c.promptsTokenized) + " from the server's /tokenize";
    if (c.tokenize->chat > 0) {
      line += " (" + std::to_string(c.tokenize->chat) + " chat, templated by its /chat_tokenize)";
    }
    line += ", ";
  }
  line += std::to_string(c.promptsEstimated) + " estimated " + estimateSource(c);
  if (c.tokenize && c.tokenize->noPrompt > 0) {
    line += "; " + std::to_string(c.tokenize->noPrompt) +
            " had no prompt to send to the server (no body kept, or several prompts)";
  }
  return line;
}

} // namespace

void printCalibration(const Calibration& c, const std::string& profilePath, std::ostream& out) {
  using Phase = sim::ProfileRow::Phase;
  out << "Calibration of trace #" << c.traceId << " (" << c.modelId << ")";
  if (c.timeScale != 1) {
    out << ", tgi-sim ran " << c.timeScale << " times faster than real time: read in its own time";
  }
  out << "\n";
  out << "requests      " << c.requests << " generation, " << c.streamed << " streamed\n";
  out << "prompt sizes  " << promptSources(c) << "\n";
  out << "forwards      " << c.schedule.forwards.size() << " recovered (tokens within "
      << std::lround(c.schedule.toleranceUs) << " us of a forward's first), "
      << c.measuredDecode + c.measuredMixed + c.measuredPrefill << " measured: " << c.measuredDecode
      << " decode, " << c.measuredMixed << " mixed, " << c.measuredPrefill << " prefill\n";
  out << "rows          " << c.measured.rows.size() << " measured (decode "
      << rowsOf(c.measured, Phase::Decode) << ", mixed " << rowsOf(c.measured, Phase::Mixed)
      << ", prefill " << rowsOf(c.measured, Phase::Prefill) << "), " << c.rowsLeftOut
      << " left out as far off a first fit; " << c.profile.rows.size()
      << " written (the fitted model at covered shapes; refitted within "
      << percent(c.fitted.maxAbsError()) << ")\n";
  out << "fit error     rows: worst " << percent(worst(c.rowErrors)) << ", RMS "
      << percent(rms(c.rowErrors)) << "; each measured forward: median "
      << percent(c.forwardError.median) << ", p90 " << percent(c.forwardError.p90) << ", p99 "
      << percent(c.forwardError.p99) << "\n";
  out << "covered       decode batch " << range(c.coverage.decodeBatch) << " at context "
      << range(c.coverage.decodeContext) << "; prompts of " << range(c.coverage.mixedChunk)
      << " tokens beside " << range(c.coverage.mixedBatch) << " streams; prompts alone "
      << range(c.coverage.prefillTokens) << " tokens\n";
  out << "server        " << metricsLine(c) << "\n";
  out << "coefficients ";
  for (const auto& [name, value] : coefficients(c.fitted.model)) {
    out << " " << name << "=" << value;
  }
  out << "\nextrapolates\n";
  for (const auto& line : c.extrapolations) {
    out << "  " << line << "\n";
  }
  if (!profilePath.empty()) {
    out << "profile written to " << profilePath << " (use it with --profile " << profilePath
        << ")\n";
  }
}

namespace {

std::string ms(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

std::string signedPercent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f%%", share * 100);
  return text;
}

// The measured rows of `phases`, ordered by `key`, as measured against the model: the model's
// time is the measured one moved by the robust fit's error on that row.
analyze::TextTable measuredAgainstModel(const Calibration& c, std::string title,
                                        std::vector<sim::ProfileRow::Phase> phases) {
  analyze::TextTable t;
  t.title = std::move(title);
  t.columns = {"phase", "batch", "context", "prompt tokens", "measured ms", "model ms", "error"};
  t.numeric = {false, true, true, true, true, true, true};
  std::vector<size_t> order;
  for (size_t i = 0; i < c.measured.rows.size() && i < c.rowErrors.size(); ++i) {
    if (std::find(phases.begin(), phases.end(), c.measured.rows[i].phase) != phases.end()) {
      order.push_back(i);
    }
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& x = c.measured.rows[a];
    const auto& y = c.measured.rows[b];
    return std::tie(x.tokens, x.batch, x.context) < std::tie(y.tokens, y.batch, y.context);
  });
  for (const size_t i : order) {
    const sim::ProfileRow& row = c.measured.rows[i];
    t.rows.push_back({std::string(sim::phaseName(row.phase)), std::to_string(row.batch),
                      std::to_string(row.context), std::to_string(row.tokens), ms(row.ms),
                      ms(row.ms * (1 + c.rowErrors[i])), signedPercent(c.rowErrors[i])});
  }
  if (t.rows.empty()) {
    t.notes.push_back("no such forward was measured");
  }
  return t;
}

} // namespace

std::vector<analyze::TextTable> calibrationTables(const Calibration& c) {
  using Phase = sim::ProfileRow::Phase;
  analyze::TextTable summary;
  summary.title = "Calibration of trace #" + std::to_string(c.traceId) + " (" + c.modelId + ")";
  summary.columns = {"what", "value"};
  summary.numeric = {false, false};
  summary.rows = {
      {"requests",
       std::to_string(c.requests) + " generation, " + std::to_string(c.streamed) + " streamed"},
      {"prompt sizes", promptSources(c)},
      {"forwards", std::to_string(c.schedule.forwards.size()) + " recovered, " +
                       std::to_string(c.measuredDecode + c.measuredMixed + c.measuredPrefill) +
                       " measured"},
      {"fit error on each measured forward", "median " + percent(c.forwardError.median) + ", p90 " +
                                                 percent(c.forwardError.p90) + ", p99 " +
                                                 percent(c.forwardError.p99)},
      {"the server's /metrics", metricsLine(c)},
      {"covered", "decode batch " + range(c.coverage.decodeBatch) + " at context " +
                      range(c.coverage.decodeContext) + "; prompts alone " +
                      range(c.coverage.prefillTokens) + " tokens"}};
  summary.notes = c.extrapolations;
  summary.notes.push_back("tracetune calibrate --db FILE --trace " + std::to_string(c.traceId) +
                          " --out FILE writes the model as a profile for --profile");
  return {summary,
          measuredAgainstModel(c, "Decode forwards: measured step times against the model",
                               {Phase::Decode}),
          measuredAgainstModel(c,
                               "Forwards with prompts: measured against the model, by prompt size",
                               {Phase::Prefill, Phase::Mixed})};
}

nlohmann::json calibrationJson(const Calibration& c, const std::string& profilePath) {
  nlohmann::ordered_json coeffs;
  for (const auto& [name, value] : coefficients(c.fitted.model)) {
    coeffs[name] = value;
  }
  nlohmann::json j;
  j["trace"] = c.traceId;
  j["model_id"] = c.modelId;
  j["time_scale"] = c.timeScale;
  j["requests"] = c.requests;
  j["streamed"] = c.streamed;
  j["prompt_tokens"] = {{"counted", c.promptsCounted},
                        {"tokenized", c.promptsTokenized},
                        {"chat_tokenized", c.tokenize ? c.tokenize->chat : 0},
                        {"estimated", c.promptsEstimated},
                        {"tokens_per_byte", c.tokensPerByte},
                        {"ratio_learned_from", c.ratioFrom}};
  j["forwards"] = {{"recovered", c.schedule.forwards.size()},
                   {"tolerance_us", c.schedule.toleranceUs},
                   {"measured_decode", c.measuredDecode},
                   {"measured_mixed", c.measuredMixed},
                   {"measured_prefill", c.measuredPrefill}};
  j["measured_rows"] = c.measured.rows.size();
  j["measured_rows_left_out"] = c.rowsLeftOut;
  j["profile_rows"] = c.profile.rows.size();
  j["profile_refit_worst"] = c.fitted.maxAbsError();
  j["fit"] = {{"rows_worst", worst(c.rowErrors)},    {"rows_rms", rms(c.rowErrors)},
              {"forwards", c.forwardError.forwards}, {"forwards_median", c.forwardError.median},
              {"forwards_p90", c.forwardError.p90},  {"forwards_p99", c.forwardError.p99}};
  j["coefficients"] = coeffs;
  j["covered"] = {{"decode_batch", rangeJson(c.coverage.decodeBatch)},
                  {"decode_context", rangeJson(c.coverage.decodeContext)},
                  {"mixed_batch", rangeJson(c.coverage.mixedBatch)},
                  {"mixed_context", rangeJson(c.coverage.mixedContext)},
                  {"mixed_prompt_tokens", rangeJson(c.coverage.mixedChunk)},
                  {"prefill_tokens", rangeJson(c.coverage.prefillTokens)}};
  j["extrapolates"] = c.extrapolations;
  if (c.metrics) {
    j["server_metrics"] = {{"intervals", c.metrics->intervals},
                           {"server_decode_forwards", c.metrics->serverForwards},
                           {"server_decode_ms", c.metrics->serverMs},
                           {"recovered_decode_forwards", c.metrics->recoveredForwards},
                           {"recovered_decode_ms", c.metrics->recoveredMs}};
  } else {
    j["server_metrics"] = nullptr;
  }
  if (c.tokenize) {
    j["tokenize_left"] = {{"no_prompt", c.tokenize->noPrompt}};
  }
  j["profile"] = profilePath.empty() ? nlohmann::json(nullptr) : nlohmann::json(profilePath);
  return j;
}

} // namespace tt::tune
