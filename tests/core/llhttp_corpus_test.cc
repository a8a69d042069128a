// Runs llhttp 9.4.2's own test cases (shared/corpora/llhttp/head, see its README for the format)
// through our HttpParser: what llhttp 9 refuses we refuse, what it accepts we accept with the same
// messages (method, url, status, headers, body), whole and split at every byte offset.
#include "core/http_headers.h"
#include "core/http_parser.h"

#include "tests/support/llhttp_corpus.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

namespace tt {
namespace {

using namespace test::llhttp_corpus;

class Collector final : public HttpMessageHandler {
public:
  void onHead(const HttpHead& h) override {
    cur_ = Message{};
    cur_.method = h.method;
    cur_.url = h.target;
    cur_.status = h.status;
    cur_.headers = h.headers;
  }
  void onBody(std::string_view chunk) override { cur_.body += chunk; }
  void onMessageComplete(const HttpHead& head) override {
    cur_.headers.insert(cur_.headers.end(), head.trailers.begin(), head.trailers.end());
    messages.push_back(cur_);
  }
  std::vector<Message> messages;

private:
  Message cur_;
};

struct Actual {
  std::vector<Message> messages;
  ParseStatus status = ParseStatus::Ok;
  std::optional<EofState> eof;
  bool operator==(const Actual&) const = default;
};

Actual run(const Case& c, std::optional<size_t> cut) {
  Collector col;
  HttpParser parser(c.request ? HttpParser::Kind::Request : HttpParser::Kind::Response, col, {});
  parser.setHeadRequest(c.skipBody);
  Actual a;
  const std::string_view in = c.input;
  const std::vector<std::string_view> parts =
      cut ? std::vector<std::string_view>{in.substr(0, *cut), in.substr(*cut)}
          : std::vector<std::string_view>{in};
  for (const std::string_view part : parts) {
    const ParseResult r = parser.execute(part);
    if (r.status != ParseStatus::Ok) {
      a.status = r.status;
      break;
    }
  }
  // The corpus logs the finish state, not the callbacks llhttp_finish makes.
  a.messages = col.messages;
  if (c.finish) {
    a.eof = parser.finish();
  }
  return a;
}

} // namespace

TEST_CASE("llhttp 9.4.2 corpus: same verdicts and messages as llhttp 9", "[http][corpus]") {
  const fs::path root = fs::path(TT_SHARED_DIR) / "corpora/llhttp/head";
  REQUIRE(fs::is_directory(root));
  int skipped = 0;
  const std::vector<Case> cases = loadAll(root, skipped);
  // README counts: 251 cases; 37 lenient, 24 pause and 1 request skipBody case leave 189.
  CHECK(cases.size() + static_cast<size_t>(skipped) == 251);
  CHECK(skipped == 62);

  int agreed = 0;
  int stricter = 0;
  int rejections = 0;
  std::set<std::string> seenKnown;
  for (const Case& c : cases) {
    INFO(c.id << " \"" << c.name << "\"");
    const Actual whole = run(c, std::nullopt);
    const Expected& e = c.expected;
    if (knownStricter().contains(c.id)) {
      seenKnown.insert(c.id);
      CHECK(whole.status == ParseStatus::Error);
      ++stricter;
      continue;
    }
    if (e.rejected) {
      ++rejections;
      CHECK(whole.status == ParseStatus::Error);
    } else if (e.upgrade) {
      CHECK(whole.status == ParseStatus::Upgrade);
    } else {
      CHECK(whole.status == ParseStatus::Ok);
    }
    CHECK(whole.messages.size() == e.messages.size());
    if (!e.rejected) {
      CHECK(whole.messages == e.messages);
    }
    if (e.finish) {
      // llhttp's finish state: 0 safe (idle), 1 safe with callback (close-delimited end),
      // 2 unsafe (truncated).
      const EofState want = *e.finish == 0   ? EofState::Idle
                            : *e.finish == 1 ? EofState::Complete
                                             : EofState::Truncated;
      CHECK(whole.eof == want);
    }
    for (size_t cut = 1; cut < c.input.size(); ++cut) {
      const Actual split = run(c, cut);
      if (!(split == whole)) {
        FAIL_CHECK("split at " << cut << " differs");
        break;
      }
    }
    ++agreed;
  }
  CHECK(seenKnown.size() == knownStricter().size());
  CHECK(agreed + stricter == static_cast<int>(cases.size()));
  WARN("llhttp corpus: " << cases.size() << " cases run (" << rejections << " rejections), "
                         << agreed << " agree with llhttp 9.4.2, " << stricter
                         << " knowingly stricter; " << skipped
                         << " lenient/pause/skipBody cases skipped");
}

} // namespace tt
