// What replay sends for a recorded request re-targeted with --endpoint: the recorded prompt, read
// from the body as the recorded route's handler read it.
#include "replay/request_builder.h"

#include "core/tgi_request.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace tt::replay {
namespace {

nlohmann::json retargeted(Endpoint from, const std::string& body, Endpoint to) {
  Exchange source;
  source.method = "POST";
  source.endpoint = from;
  source.path = std::string(endpointPath(from));
  source.requestBody = body;
  source.outputTokens = 5;
  SendOptions options;
  options.endpoint = to;
  const OutgoingRequest out = buildRequest(source, 0, options);
  CHECK_FALSE(out.synthesized);
  CHECK(out.endpoint == to);
  return nlohmann::json::parse(out.body);
}

} // namespace

TEST_CASE("a request re-targeted by replay --endpoint carries the recorded prompt") {
  // A chat's messages, string contents and text chunks alike, one message a line.
  const nlohmann::json fromChat = retargeted(
      Endpoint::Chat,
      R"({"messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":[{"type":"text","text":"Hello"},{"type":"text","text":"there"}]}]})",
      Endpoint::GenerateStream);
  CHECK(fromChat["inputs"] == "Be brief.\nHellothere"); // chunks joined as TGI joins them
  CHECK(fromChat["parameters"]["max_new_tokens"] == 5);

  const nlohmann::json fromGenerate =
      retargeted(Endpoint::Generate, R"({"inputs":"Say hi","parameters":{"max_new_tokens":5}})",
                 Endpoint::Chat);
  CHECK(fromGenerate["messages"][0]["content"] == "Say hi");
  CHECK(fromGenerate["max_tokens"] == 5);
}

} // namespace tt::replay
