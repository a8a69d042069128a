#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tt::test {

// A real TGI response from shared/fixtures/tgi (its README), by its path there.
inline std::string tgiFixture(const std::string& path) {
  std::ifstream in(std::string(TT_SHARED_DIR) + "/fixtures/tgi/" + path);
  if (!in.good()) {
    throw std::runtime_error("missing fixture " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace tt::test
