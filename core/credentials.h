#pragma once

#include <string>
#include <string_view>

namespace tt {

// Credentials are forwarded but never stored (docs/proxy.md, "What is recorded").

// True for a header or query parameter name that carries a credential. The name is read as
// parts split at `-` and `_`, case-insensitively; it is a credential when
// - a part is `authorization`, `auth`, `cookie`, `cookie2`, `apikey`, `secret`, `password`,
//   `passwd`, `credential`, `credentials` or `signature` (Authorization, Proxy-Authorization,
//   Cookie, Set-Cookie, X-Auth-Token, X-Amz-Credential, X-Amz-Signature, X-APIKEY, ...), or
// - its last part is `key` (X-Api-Key, api_key, Ocp-Apim-Subscription-Key, `key`), or
// - its last part is `token`, except after `per` (X-Access-Token, X-Amz-Security-Token,
//   access_token; TGI's `x-time-per-token` is a time).
bool isCredential(std::string_view name);

// A request target as stored: the value of every query parameter whose name isCredential is
// replaced by `redacted` (`/generate?api_key=redacted&x=1`). Returns `target` itself when it
// has no such parameter, which is nearly always.
std::string targetForStorage(std::string_view target);

} // namespace tt
