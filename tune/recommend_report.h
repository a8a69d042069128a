#pragma once

#include "analyze/report_table.h"
#include "analyze/slo.h"
#include "schema/server_info.h"
#include "tune/model_choice.h"
#include "tune/recommendation.h"
#include "tune/validation.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tt::tune {

// Who the recommendation is for: the trace, the model's name and TGI's version (from the
// server's /info where the trace has it), the objectives and the cost model.
struct ReportContext {
  int64_t traceId = 0;
  std::string modelId = "<your model>";
  std::string tgiVersion = "3.3.6";
  std::string profile;    // the cost model's name
  std::string modelError; // how close it came to what it was fitted to, e.g. "16% worst error"
  double timeScale = 1;   // the trace was read in the server's time, scaled by this
  double attainment = 0.95;
  std::string slo; // "ttft=2s,itl=100ms"
};

// The context of a recommendation for trace `traceId` predicted with `model`, naming the model
// and TGI version the trace's server showed in its /info (`info`) where it showed them.
ReportContext reportContext(int64_t traceId, const ModelChoice& model, double timeScale,
                            double attainment, const analyze::Slo& slo, const ServerInfo& info);

// The recommendation as terminal tables, in reading order: the workload, current against
// recommended, the launch line, alternatives, sensitivity, what was left alone, the search.
std::vector<analyze::TextTable> recommendTables(const Recommendation& r,
                                                const ReportContext& context);
nlohmann::json recommendJson(const Recommendation& r, const ReportContext& context);

// Predicted against measured, per setting: each load of the sweep and the capacities.
analyze::TextTable validationTable(const std::vector<SettingValidation>& validations,
                                   double attainment);
nlohmann::json validationJson(const std::vector<SettingValidation>& validations);

} // namespace tt::tune
