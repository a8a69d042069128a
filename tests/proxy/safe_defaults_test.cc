// Safe defaults of `tracetune proxy` as a user runs it (docs/proxy.md, "What is recorded" and
// "Limits"): the database is private, no credential reaches it in any --redact mode, each mode
// keeps what it says and no more, and the admin endpoint listens on loopback only.
#include "tests/proxy/harness.h"
#include "tests/support/proxy_process.h"
#include "tests/support/temp_dir.h"

#include "schema/store.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <sstream>

namespace tt::test {
namespace {

// Every place a client or TGI puts a credential, each with its own secret.
const std::vector<std::pair<std::string, std::string>> kCredentialHeaders = {
    {"Authorization", "Bearer tt-secret-authorization"},
    {"Proxy-Authorization", "Basic tt-secret-proxy-authorization"},
    {"Cookie", "session=tt-secret-cookie"},
    {"X-Api-Key", "tt-secret-x-api-key"},
    {"Api-Key", "tt-secret-api-key"},
    {"X-Goog-Api-Key", "tt-secret-goog"},
    {"Ocp-Apim-Subscription-Key", "tt-secret-subscription-key"},
    {"X-Auth-Token", "tt-secret-auth-token"},
    {"X-Access-Token", "tt-secret-access-token"},
    {"X-Amz-Security-Token", "tt-secret-amz-token"},
    {"X-Client-Secret", "tt-secret-client-secret"},
};
const std::string kQuery = "?api_key=tt-secret-query-key&access_token=tt-secret-query-token"
                           "&X-Amz-Signature=tt-secret-query-signature&stream=false";
const std::string kUserinfo = "tt-secret-userinfo";
const std::string kSetCookie = "id=tt-secret-set-cookie";
const std::string kPrompt = "tt-prompt-what-is-deep-learning";
const std::string kAnswer = "tt-answer-a-branch-of-machine-learning";

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int modeOf(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

// True when something accepts a TCP connection on `address`:`port`.
bool accepts(const char* address, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address, &addr.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

} // namespace

TEST_CASE("a capture holds no credential and, per --redact mode, only the bodies it says",
          "[proxy][capture][cli][process]") {
  const std::string redact = GENERATE("none", "prompts", "bodies");
  INFO("--redact " << redact);
  TempDir dir;
  const std::string db = dir.file("capture.db");
  FakeUpstream upstream(answerAll(jsonResponse(R"([{"generated_text":")" + kAnswer + "\"}]",
                                               "Set-Cookie: " + kSetCookie + "\r\n")));
  // The proxy inherits a umask that lets everything through: its files must be private anyway.
  const mode_t oldMask = umask(0);
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream",
                      "http://127.0.0.1:" + std::to_string(upstream.port()), "--db", db, "--redact",
                      redact, "--scrape-interval", "0"});
  umask(oldMask);
  INFO(proxy.startLine);
  REQUIRE(proxy.port > 0);

  std::string credentials;
  for (const auto& [name, value] : kCredentialHeaders) {
    credentials += name + ": " + value + "\r\n";
  }
  const std::string body = R"({"inputs":")" + kPrompt + R"(","parameters":{"max_new_tokens":3}})";
  const std::string tail = "HTTP/1.1\r\nHost: a\r\n" + credentials + "Content-Type: " +
                           "application/json\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\n\r\n" + body;
  Client client(proxy.port);
  client.send("POST /generate" + kQuery + " " + tail);
  CHECK(client.response().status == 200);
  client.send("POST http://user:" + kUserinfo + "@tgi/generate " + tail);
  CHECK(client.response().status == 200);
  // What reached TGI is what the client sent: credentials are forwarded, only storage omits them.
  std::vector<UpstreamRequest> up = upstream.requests();
  std::erase_if(up, [](const UpstreamRequest& r) { return !r.message.target.starts_with("/gen"); });
  REQUIRE(up.size() == 2); // besides the scrape of /info and /metrics
  CHECK(up[0].message.target == "/generate" + kQuery);
  CHECK(up[0].message.header("authorization") == "Bearer tt-secret-authorization");

  // The database and its -wal and -shm beside it are the owner's only.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    INFO(db + suffix);
    CHECK(modeOf(db + suffix) == 0600);
  }
  REQUIRE(proxy.stop(SIGTERM) == 0);

  // Every byte of every file the capture left, free pages included.
  std::string bytes;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    bytes += readAll(db + suffix);
  }
  Store store(db, Store::Access::Read);
  const auto traces = store.listTraces();
  REQUIRE(traces.size() == 1);
  REQUIRE(store.exchanges(traces[0].id).size() == 2); // the search below is not over nothing
  CHECK(bytes.find("/generate?api_key=redacted&access_token=redacted") != std::string::npos);

  std::vector<std::string> secrets = {kUserinfo, kSetCookie};
  for (const auto& [name, value] : kCredentialHeaders) {
    secrets.push_back(value.substr(value.find("tt-secret")));
  }
  for (const char* q :
       {"tt-secret-query-key", "tt-secret-query-token", "tt-secret-query-signature"}) {
    secrets.push_back(q);
  }
  for (const std::string& secret : secrets) {
    INFO(secret);
    CHECK(bytes.find(secret) == std::string::npos);
  }
  CHECK((bytes.find(kPrompt) != std::string::npos) == (redact == "none"));
  CHECK((bytes.find(kAnswer) != std::string::npos) == (redact != "bodies"));
}

TEST_CASE("the admin endpoint listens on loopback unless told otherwise", "[proxy][cli][process]") {
  TempDir dir;
  FakeUpstream upstream(answerAll(jsonResponse("{}")));
  ProxyProcess proxy({"--listen", "127.0.0.1:0", "--upstream",
                      "http://127.0.0.1:" + std::to_string(upstream.port()), "--db",
                      dir.file("a.db"), "--admin", "0", "--scrape-interval", "0"});
  INFO(proxy.startLine);
  REQUIRE(proxy.adminPort > 0);
  CHECK(proxy.startLine.find("admin on 127.0.0.1:") != std::string::npos);
  CHECK(accepts("127.0.0.1", proxy.adminPort));
  // Another loopback address reaches every socket bound to the wildcard address, but not one
  // bound to 127.0.0.1.
  CHECK_FALSE(accepts("127.0.0.2", proxy.adminPort));
  CHECK_FALSE(accepts("127.0.0.2", proxy.port)); // --listen 127.0.0.1 is honoured too
  REQUIRE(proxy.stop(SIGTERM) == 0);
}

} // namespace tt::test
