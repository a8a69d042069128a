#pragma once

#include "core/json_position.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// Members in the body's order, so that a member written out again reads as the client wrote it.
using TgiJson = nlohmann::ordered_json;

// A body axum's extractors refuse before TGI's handler runs (docs/tgi.md, "Error bodies"): the
// status and the text/plain answer.
struct TgiRejection {
  int status = 400;
  std::string body;
};

// The 400 for a body that is not JSON, with serde_json's message and position.
TgiRejection jsonSyntaxRejection(std::string_view body);

// Reads typed values out of a parsed body the way serde does, and keeps the first error as the
// 422 axum answers. Each read gives nullopt for a value serde would refuse.
class SerdeReader {
public:
  explicit SerdeReader(std::string_view body) : body_(body) {}

  const std::optional<TgiRejection>& rejection() const { return error_; }

  void fail(const std::vector<JsonStep>& at, const std::string& message, bool missing);
  void typeError(const std::vector<JsonStep>& at, const TgiJson& v, std::string_view expected);
  void missingField(const std::vector<JsonStep>& at, std::string_view name);

  // An unsigned integer of at most `max`; `name` is its Rust type.
  std::optional<uint64_t> unsignedInt(const std::vector<JsonStep>& at, const TgiJson& v,
                                      std::string_view name, uint64_t max);
  std::optional<int64_t> signedInt(const std::vector<JsonStep>& at, const TgiJson& v,
                                   std::string_view name);
  std::optional<double> floating(const std::vector<JsonStep>& at, const TgiJson& v);
  std::optional<bool> boolean(const std::vector<JsonStep>& at, const TgiJson& v);
  std::optional<std::string> string(const std::vector<JsonStep>& at, const TgiJson& v);
  // A sequence of strings; the elements that are strings, in order, even after an error.
  std::vector<std::string> strings(const std::vector<JsonStep>& at, const TgiJson& v);

private:
  std::string_view body_;
  std::optional<TgiRejection> error_;
};

// `at` with one more step: a member's key, or an element's index.
std::vector<JsonStep> stepInto(const std::vector<JsonStep>& at, std::string_view key);
std::vector<JsonStep> stepInto(const std::vector<JsonStep>& at, size_t index);

} // namespace tt
