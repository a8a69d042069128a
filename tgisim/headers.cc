#include "tgisim/headers.h"

namespace tt::tgisim {

Headers corsHeaders(Headers headers) {
  headers.emplace_back("vary", kVary);
  headers.emplace_back("access-control-allow-origin", "*");
  return headers;
}

Headers jsonHeaders(Headers extra) {
  Headers h{{"content-type", "application/json"}};
  for (auto& e : extra) {
    h.push_back(std::move(e));
  }
  return corsHeaders(std::move(h));
}

} // namespace tt::tgisim
