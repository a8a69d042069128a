#include "core/serde_reader.h"

#include "core/rust_number.h"

#include <cstdint>

namespace tt {
namespace {

// Records where a syntax error is, without exceptions.
struct SyntaxProbe : nlohmann::json_sax<nlohmann::json> {
  size_t position = 0;
  bool atEnd = false;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string& token,
                   const nlohmann::detail::exception&) override {
    position = pos;
    atEnd = token.empty() || token == "<end of input>";
    return false;
  }
};

// serde's words for the value it did not expect.
std::string unexpected(const TgiJson& v) {
  switch (v.type()) {
  case TgiJson::value_t::string:
    return "string " + TgiJson(v.get<std::string>()).dump();
  case TgiJson::value_t::number_integer:
  case TgiJson::value_t::number_unsigned:
    return "integer `" + v.dump() + "`";
  case TgiJson::value_t::number_float: {
    std::string text = rustNumber(v.get<double>());
    if (text.find('.') == std::string::npos) {
      text += ".0";
    }
    return "floating point `" + text + "`";
  }
  case TgiJson::value_t::boolean:
    return std::string("boolean `") + (v.get<bool>() ? "true" : "false") + "`";
  case TgiJson::value_t::null:
    return "null";
  case TgiJson::value_t::array:
    return "sequence";
  case TgiJson::value_t::object:
    return "map";
  default:
    return "value";
  }
}

} // namespace

TgiRejection jsonSyntaxRejection(std::string_view body) {
  SyntaxProbe probe;
  nlohmann::json::sax_parse(body, &probe, nlohmann::json::input_format_t::json, false);
  std::string what;
  size_t offset = probe.position > 0 ? probe.position - 1 : 0;
  if (offset >= body.size() || probe.atEnd) {
    what = "EOF while parsing a value";
    offset = body.size();
  } else {
    what = "expected value";
    offset += 1;
  }
  return {400,
          "Failed to parse the request body as JSON: " + what + " at " + lineColumn(body, offset)};
}

void SerdeReader::fail(const std::vector<JsonStep>& at, const std::string& message, bool missing) {
  if (error_) {
    return;
  }
  std::string path;
  for (const auto& step : at) {
    if (step.key.empty()) {
      path += "[" + std::to_string(step.index) + "]";
    } else {
      path += (path.empty() ? "" : ".") + step.key;
    }
  }
  error_ = TgiRejection{422, "Failed to deserialize the JSON body into the target type: " +
                                 (path.empty() ? "" : path + ": ") + message + " at " +
                                 serdePosition(body_, at, missing)};
}

void SerdeReader::typeError(const std::vector<JsonStep>& at, const TgiJson& v,
                            std::string_view expected) {
  fail(at, "invalid type: " + unexpected(v) + ", expected " + std::string(expected), false);
}

void SerdeReader::missingField(const std::vector<JsonStep>& at, std::string_view name) {
  fail(at, "missing field `" + std::string(name) + "`", true);
}

std::optional<uint64_t> SerdeReader::unsignedInt(const std::vector<JsonStep>& at, const TgiJson& v,
                                                 std::string_view name, uint64_t max) {
  if (v.is_number_unsigned() && v.get<uint64_t>() <= max) {
    return v.get<uint64_t>();
  }
  if (v.is_number_integer()) {
    fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
    return std::nullopt;
  }
  typeError(at, v, name);
  return std::nullopt;
}

std::optional<int64_t> SerdeReader::signedInt(const std::vector<JsonStep>& at, const TgiJson& v,
                                              std::string_view name) {
  if (!v.is_number_integer()) {
    typeError(at, v, name);
    return std::nullopt;
  }
  const int64_t n = v.get<int64_t>();
  const bool tooLarge =
      v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT32_MAX);
  if (tooLarge || n < INT32_MIN || n > INT32_MAX) {
    fail(at, "invalid value: integer `" + v.dump() + "`, expected " + std::string(name), false);
    return std::nullopt;
  }
  return n;
}

std::optional<double> SerdeReader::floating(const std::vector<JsonStep>& at, const TgiJson& v) {
  if (v.is_number()) {
    return v.get<double>();
  }
  typeError(at, v, "f32");
  return std::nullopt;
}

std::optional<bool> SerdeReader::boolean(const std::vector<JsonStep>& at, const TgiJson& v) {
  if (v.is_boolean()) {
    return v.get<bool>();
  }
  typeError(at, v, "a boolean");
  return std::nullopt;
}

std::optional<std::string> SerdeReader::string(const std::vector<JsonStep>& at, const TgiJson& v) {
  if (v.is_string()) {
    return v.get<std::string>();
  }
  typeError(at, v, "a string");
  return std::nullopt;
}

std::vector<std::string> SerdeReader::strings(const std::vector<JsonStep>& at, const TgiJson& v) {
  std::vector<std::string> out;
  if (!v.is_array()) {
    typeError(at, v, "a sequence");
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (auto s = string(stepInto(at, i), v[i])) {
      out.push_back(std::move(*s));
    }
  }
  return out;
}

std::vector<JsonStep> stepInto(const std::vector<JsonStep>& at, std::string_view key) {
  auto out = at;
  out.push_back({.key = std::string(key), .index = 0});
  return out;
}

std::vector<JsonStep> stepInto(const std::vector<JsonStep>& at, size_t index) {
  auto out = at;
  out.push_back({.key = {}, .index = index});
  return out;
}

} // namespace tt
