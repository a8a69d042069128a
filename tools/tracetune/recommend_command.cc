#include "tools/tracetune/recommend_command.h"

#include "analyze/analysis.h"
#include "analyze/reader.h"
#include "analyze/report_html.h"
#include "analyze/slo.h"
#include "analyze/text_table.h"
#include "core/url.h"
#include "schema/server_info.h"
#include "schema/store.h"
#include "tune/launched_server.h"
#include "tune/model_choice.h"
#include "tune/recommend_chart.h"
#include "tune/recommend_report.h"
#include "tune/validation.h"
#include "tune/what_if.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace tt::cli {
namespace {

// The fewest generation requests from which a capacity means anything: with fewer, one request
// more or less moves the attainment by more than the tolerance of the search.
constexpr int64_t kMinRequests = 20;

} // namespace

void setupRecommend(CLI::App& app, Runner& runner) {
  auto o = std::make_shared<RecommendOptions>();
  CLI::App* sub = app.add_subcommand(
      "recommend", "Recommend TGI launcher settings for a trace under SLOs, with the evidence");
  sub->add_option("--db", o->db, "Database file")->required();
  sub->add_option("--trace", o->trace, "Trace to tune for (a capture or an import)")->required();
  sub->add_option("--slo", o->slo, "Objectives every request must meet, e.g. ttft=2s,itl=100ms")
      ->required();
  sub->add_option("--attainment", o->attainment,
                  "Share of requests that must meet every objective (429s and 422s miss)")
      ->check(CLI::Range(0.5, 1.0))
      ->capture_default_str();
  sub->add_flag("--validate", o->validate,
                "Replay the workload against a server launched with the current and the "
                "recommended settings, around each predicted capacity");
  sub->add_option("--launch", o->launch,
                  "Server command for --validate, with {port} and {flags} (default: tgi-sim with "
                  "the same cost model, 10x faster than real time)");
  sub->add_option("--target", o->targetUrl,
                  "With --validate: a server you launched with the settings of --setting, "
                  "instead of launching servers");
  sub->add_option("--setting", o->setting,
                  "With --target: the settings that server runs, current or recommended")
      ->check(CLI::IsMember({"current", "recommended"}))
      ->capture_default_str();
  sub->add_option("--html", o->html,
                  "Also write an HTML report: the recommendation, the trace's analysis and, "
                  "with --validate, the validation replays' curves");
  sub->add_option("--format", o->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  addLauncherFlags(*sub, o->flags, /*fromEnvironment=*/false);
  sub->callback([o, sub, &runner] {
    for (const CLI::Option* option : sub->get_options()) {
      if (option->count() > 0) {
        o->given.insert(option->get_name());
      }
    }
    runner = [o] { return runRecommend(*o, std::cout); };
  });
}

int runRecommend(const RecommendOptions& o, std::ostream& out) {
  tune::RecommendOptions options;
  try {
    options.slo = analyze::parseSlo(o.slo);
  } catch (const analyze::SloError& e) {
    throw UsageError(std::string("--slo: ") + e.what());
  }
  options.capacity.attainment = o.attainment;
  if (!o.launch.empty() && o.launch.find("{port}") == std::string::npos) {
    throw UsageError("--launch must say where the server listens with {port}");
  }
  if (!o.targetUrl.empty() && (!o.validate || !o.launch.empty())) {
    throw UsageError("--target is for --validate against a server you launched, without --launch");
  }
  const UrlResult target = o.targetUrl.empty() ? UrlResult{} : parseHttpUrl(o.targetUrl);
  if (!o.targetUrl.empty() && !target.url) {
    throw UsageError("--target " + o.targetUrl + ": " + target.error);
  }
  Store store(o.db, Store::Access::Read);
  const auto trace = store.findTrace(o.trace);
  if (!trace) {
    throw StoreError("no trace " + std::to_string(o.trace) + " in " + o.db +
                     ": list them with tracetune traces --db " + o.db);
  }
  const double timeScale = analyze::serverTimeScale(*trace);
  const tune::WhatIfTrace whatIf =
      tune::whatIfTrace(store.exchanges(o.trace), timeScale, tune::blockTokensOf(*trace));
  if (static_cast<int64_t>(whatIf.requests.size()) < kMinRequests) {
    throw std::runtime_error(
        "trace " + std::to_string(o.trace) + " has " + std::to_string(whatIf.requests.size()) +
        " generation requests: a recommendation needs at least " + std::to_string(kMinRequests) +
        " (capture longer, or import a public trace)");
  }

  std::string error;
  auto current = o.flags.resolve(&error);
  if (!current) {
    throw UsageError(error);
  }
  const ServerInfo info = ServerInfo::read(trace->serverInfoJson);
  tune::applyServerInfo(info, o.given, *current);
  const sim::ResolvedConfig resolved = sim::resolveConfig(*current);
  if (!resolved.config) {
    throw UsageError("the current settings are not valid for TGI: " + resolved.error);
  }
  const tune::ModelChoice model =
      tune::chooseModel(store, *trace, o.flags.profile, o.given.contains("--profile"), *current);
  const sim::FittedProfile& profile = model.profile;
  std::cerr << model.note << "\n";

  const tune::Workload workload = tune::describeWorkload(whatIf.requests, 1.0);
  const tune::Recommendation r =
      tune::recommend(whatIf, workload, *current, profile.model, options);
  const tune::ReportContext context =
      tune::reportContext(o.trace, model, timeScale, o.attainment, options.slo, info);
  // The recommendation is printed before the validation, which takes minutes with a real server.
  auto tables = tune::recommendTables(r, context);
  if (o.format == "table") {
    analyze::printTables(tables, out);
    out.flush();
  }
  std::vector<tune::SettingValidation> validations;
  if (o.validate) {
    const tune::ValidationRequest request{
        .db = o.db,
        .traceId = o.trace,
        .launch = o.launch,
        .target = target.url,
        .setting = o.setting,
        .tgiSimPath =
            (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "tgi-sim").string(),
        .profileName = o.flags.profile,
        .calibratedProfile = model.profileFile,
        .slo = options.slo,
        .attainment = o.attainment};
    try {
      validations = tune::validate(store, whatIf, r, profile.model, request, std::cerr);
    } catch (const tune::LaunchError& e) {
      std::cerr << "tracetune: --validate: " << e.what() << "\n";
      return kExitRuntimeError;
    }
    tables.push_back(tune::validationTable(validations, o.attainment));
    if (o.format == "table") {
      out << "\n";
      analyze::printTables({tables.back()}, out);
    }
  }
  if (o.format == "json") {
    nlohmann::json report = tune::recommendJson(r, context);
    if (o.validate) {
      report["validation"] = tune::validationJson(validations);
    }
    out << report.dump(2) << "\n";
  }
  if (!o.html.empty()) {
    analyze::Selection selection{.traceIds = {o.trace}};
    if (o.validate) {
      selection.family = "validate trace " + std::to_string(o.trace);
    }
    std::ofstream html(o.html, std::ios::binary | std::ios::trunc);
    if (html) {
      analyze::writeHtml(analyze::analyzeStore(store, selection, options.slo), html,
                         {"Recommendation",
                          tables,
                          {tune::attainmentChart(whatIf, r, profile.model, options, validations)}});
    }
    if (!html || !html.flush()) {
      throw std::runtime_error("cannot write the HTML report to " + o.html +
                               ": check the directory exists and is writable");
    }
    std::cerr << "HTML report: " << o.html << "\n";
  }
  if (r.recommended.capacity.belowRange()) {
    std::cerr << "tracetune: no setting tried meets " << context.slo << " for "
              << o.attainment * 100 << "% of requests at any load down to "
              << options.capacity.minLoad << "x: the table shows the closest\n";
    return kExitRuntimeError;
  }
  return 0;
}

} // namespace tt::cli
