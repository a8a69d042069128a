// The pieces under the server: tokenizer stand-in, filler text, metric rendering.
#include "tgisim/filler.h"
#include "tgisim/metrics.h"
#include "tgisim/tokenizer.h"

#include <catch2/catch.hpp>

using namespace tt::tgisim;

TEST_CASE("tokenizer: words in 4-character pieces, spaces ride on words, markers are one token") {
  Tokenizer t;
  const auto pieces = t.encode("<|im_start|>user\nHi  there, extraordinary!", false);
  std::vector<std::string> texts;
  for (const auto& p : pieces) {
    texts.push_back(p.text);
    CHECK(p.id == Tokenizer::idOf(p.text));
  }
  CHECK(texts == std::vector<std::string>{"<|im_start|>", "user", "\n", "Hi", " ", " ther", "e",
                                          ",", " extr", "aord", "inar", "y", "!"});
  CHECK(pieces.front().special);
  CHECK(t.count("<|im_start|>user\nHi  there, extraordinary!", false) == pieces.size());
  CHECK(t.count("abc", true) == 2);
  CHECK(t.encode("", true).size() == 1);
  // UTF-8 characters count as one character each and are never split.
  const auto utf8 = t.encode("héllo wörld", false);
  CHECK(utf8.size() == 4);
  CHECK(utf8[0].text == "héll");
}

TEST_CASE("filler text is deterministic per seed and re-tokenizes one token per word") {
  FillerText a(42, 0);
  FillerText b(42, 0);
  Tokenizer t;
  for (int i = 0; i < 200; ++i) {
    const GenToken x = a.next();
    const GenToken y = b.next();
    CHECK(x.text == y.text);
    CHECK(x.logprob == y.logprob);
    CHECK(x.logprob <= 0);
    CHECK(t.count(x.text, false) == 1);
  }
  FillerText eos(1, 0.5);
  int specials = 0;
  for (int i = 0; i < 100; ++i) {
    specials += eos.next().special ? 1 : 0;
  }
  CHECK(specials > 20);
}

TEST_CASE("metrics render as metrics-exporter-prometheus does") {
  Metrics m(1000, 2000);
  m.increment("tgi_request_count");
  m.increment("tgi_request_failure", "err=\"validation\"", 2);
  m.observe("tgi_request_duration", 0.0002);
  m.observe("tgi_request_skipped_tokens", 0);
  m.observe("tgi_batch_next_size", 3);
  const std::string text = m.render();
  CHECK(text.find("# TYPE tgi_request_count counter\ntgi_request_count 1\n") != std::string::npos);
  CHECK(text.find("tgi_request_failure{err=\"validation\"} 2\n") != std::string::npos);
  CHECK(text.find("# TYPE tgi_request_duration histogram\n") != std::string::npos);
  CHECK(text.find("tgi_request_duration_bucket{le=\"0.00015000000000000001\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("tgi_request_duration_bucket{le=\"0.00022500000000000002\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("tgi_request_duration_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(text.find("tgi_request_duration_count 1\n") != std::string::npos);
  CHECK(text.find("# TYPE tgi_request_skipped_tokens summary\n") != std::string::npos);
  CHECK(text.find("tgi_request_skipped_tokens{quantile=\"0.999\"} 0\n") != std::string::npos);
  CHECK(text.find("tgi_batch_next_size_bucket{le=\"3\"} 1\n") != std::string::npos);
  CHECK(text.find("tgi_batch_next_size_bucket{le=\"2\"} 0\n") != std::string::npos);
  CHECK(text.find("tgi_request_input_length") == std::string::npos); // untouched: absent
}
