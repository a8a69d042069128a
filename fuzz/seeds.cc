// Writes the seed corpus of every harness into OUT/NAME, from what exists beside the repository
// (llhttp's test corpus, TGI's recorded responses, the public traces) and in it (the client
// fixtures). Usage: fuzz_seeds OUT. fuzz/run.sh calls it before fuzzing; libFuzzer then mutates
// real TGI traffic instead of starting from nothing.
#include "tests/support/llhttp_corpus.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kShared = TT_SHARED_DIR;
const fs::path kSource = TT_SOURCE_DIR;

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string firstLines(const fs::path& file, int lines) {
  std::ifstream in(file, std::ios::binary);
  std::string out, line;
  for (int i = 0; i < lines && std::getline(in, line); ++i) {
    out += line + "\n";
  }
  return out;
}

class Corpus {
public:
  Corpus(const fs::path& out, const std::string& name) : dir_(out / name) {
    fs::create_directories(dir_);
  }
  void add(char control, const std::string& bytes) {
    std::ofstream(dir_ / ("seed-" + std::to_string(count_++)), std::ios::binary)
        << control << bytes;
  }
  // The proxy harness's layout: control, the client part's length (2 bytes), client, answer.
  void addExchange(char control, const std::string& client, const std::string& answer) {
    const size_t size = std::min<size_t>(client.size(), 0xffff);
    add(control, std::string{static_cast<char>(size & 0xff), static_cast<char>(size >> 8)} +
                     client.substr(0, size) + answer);
  }
  size_t count() const { return count_; }

private:
  fs::path dir_;
  size_t count_ = 0;
};

std::vector<fs::path> filesUnder(const fs::path& root, const std::string& extension) {
  std::vector<fs::path> files;
  if (fs::exists(root)) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().extension() == extension) {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string sseOf(const nlohmann::json& events) {
  std::string out;
  for (const auto& event : events) {
    out += "data: " + event.dump() + "\n\n";
  }
  return out + "data: [DONE]\n\n";
}

std::string jsonAnswer(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string sseAnswer(const std::string& stream) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", stream.size());
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
         "chunked\r\n\r\n" +
         std::string(size) + "\r\n" + stream + "\r\n0\r\n\r\n";
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT\n");
    return 2;
  }
  const fs::path out = argv[1];
  Corpus http(out, "http_parser"), body(out, "tgi_body"), sse(out, "sse_stream"),
      importer(out, "importer"), session(out, "proxy_session");

  int skipped = 0;
  for (const auto& c : tt::test::llhttp_corpus::loadAll(kShared / "corpora/llhttp/head", skipped)) {
    http.add(c.request ? '\x60' : '\x61', c.input);
  }

  std::vector<std::string> clientRequests;
  for (const fs::path& file : filesUnder(kSource / "tests/fixtures/clients", ".http")) {
    const std::string request = readFile(file);
    clientRequests.push_back(request);
    http.add('\x34', request);
    const size_t bodyAt = request.find("\r\n\r\n");
    if (bodyAt != std::string::npos) {
      for (char endpoint = 0; endpoint < 6; ++endpoint) {
        body.add(endpoint, request.substr(bodyAt + 4));
      }
    }
  }

  std::vector<std::string> answers;
  for (const fs::path& file : filesUnder(kShared / "fixtures/tgi", ".json")) {
    const std::string text = readFile(file);
    const auto document = nlohmann::json::parse(text, nullptr, false);
    if (document.is_discarded()) {
      continue;
    }
    body.add('\x00', document.dump());
    answers.push_back(jsonAnswer(document.dump()));
    if (document.is_array()) {
      const std::string stream = sseOf(document);
      sse.add('\x37', stream);
      answers.push_back(sseAnswer(stream));
    }
  }
  for (size_t i = 0; i < answers.size(); ++i) {
    const std::string& client =
        clientRequests.empty() ? std::string() : clientRequests[i % clientRequests.size()];
    session.addExchange(static_cast<char>(i & 1), client, answers[i]);
  }

  const std::pair<const char*, char> traces[] = {{"mooncake-conversation/head-1000.jsonl", 0},
                                                 {"mooncake-synthetic/head-1000.jsonl", 0},
                                                 {"azure-llm-2023-conv/head-1000.csv", 1},
                                                 {"azure-llm-2023-code/head-1000.csv", 1},
                                                 {"weka-claude-code/head-1000.csv", 3}};
  for (const auto& [path, format] : traces) {
    importer.add(format, firstLines(kShared / "traces" / path, 40));
  }

  std::printf("seeds: %zu http_parser, %zu tgi_body, %zu sse_stream, %zu importer, %zu "
              "proxy_session\n",
              http.count(), body.count(), sse.count(), importer.count(), session.count());
  return 0;
}
