#pragma once

#include "core/exchange.h"

namespace tt::tgisim {

// The `vary` value TGI's CORS layer adds to every answer.
inline constexpr const char* kVary =
    "origin, access-control-request-method, access-control-request-headers";

// `headers`, then TGI's CORS headers.
Headers corsHeaders(Headers headers);

// `content-type: application/json`, then `extra`, then TGI's CORS headers.
Headers jsonHeaders(Headers extra);

} // namespace tt::tgisim
