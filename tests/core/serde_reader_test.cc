// serde's words for a body it cannot read: Rust's numbers, positions, typed reads.
#include "core/json_position.h"
#include "core/rust_number.h"
#include "core/serde_reader.h"

#include <catch2/catch.hpp>

using namespace tt;

TEST_CASE("Rust's Display for f64: shortest text, no exponent, no .0") {
  CHECK(rustNumber(1.0) == "1");
  CHECK(rustNumber(0.5) == "0.5");
  CHECK(rustNumber(1e-7) == "0.0000001");
}

TEST_CASE("serde positions: scalar ends, containers' openings, missing fields at the brace") {
  const std::string body = "{\"a\": {\"b\": [1, \"xy\"]},\n \"c\": true}";
  CHECK(serdePosition(body, {{"a", 0}, {"b", 0}, {"", 1}}, false) == "line 1 column 20");
  CHECK(serdePosition(body, {{"c", 0}}, false) == "line 2 column 10");
  CHECK(serdePosition(body, {{"a", 0}}, true) == "line 1 column 22");
  CHECK(serdePosition(body, {}, true) == "line 2 column 11");
}

TEST_CASE("a serde reader keeps the first error and reads on") {
  const std::string body = R"({"a": 1.5, "b": -3})";
  const TgiJson doc = TgiJson::parse(body);
  SerdeReader r(body);
  CHECK_FALSE(r.unsignedInt({{"a", 0}}, doc["a"], "u32", UINT32_MAX));
  CHECK_FALSE(r.unsignedInt({{"b", 0}}, doc["b"], "u32", UINT32_MAX));
  CHECK(r.signedInt({{"b", 0}}, doc["b"], "i32") == -3);
  REQUIRE(r.rejection());
  CHECK(r.rejection()->status == 422);
  CHECK(r.rejection()->body ==
        "Failed to deserialize the JSON body into the target type: a: "
        "invalid type: floating point `1.5`, expected u32 at line 1 column 9");
  CHECK(jsonSyntaxRejection("{\"a\":").body ==
        "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 5");
}
