#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tt {

// One step of a path into a JSON document: an object key or an array index.
struct JsonStep {
  std::string key; // empty for an index
  size_t index = 0;
};

// Where serde_json would report an error about the value at `path` in the (valid) JSON text
// `body`, as "line L column C": for a scalar, its last character; for an object or array, its
// opening bracket; for a missing field (`missingField` true: path names the object), the
// object's closing brace. Falls back to the end of the text when the path is not found.
std::string serdePosition(std::string_view body, const std::vector<JsonStep>& path,
                          bool missingField);

// serde's "line L column C" of a byte offset (the column of the byte before `offset`).
std::string lineColumn(std::string_view body, size_t offset);

} // namespace tt
