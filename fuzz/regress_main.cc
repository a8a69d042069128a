// Runs a harness over files instead of under libFuzzer: every file named, and every file in every
// folder named, goes to LLVMFuzzerTestOneInput once. ctest runs each harness this way over its
// committed corpus (fuzz/corpus/NAME: seeds and the inputs of every crash found), so that a
// crash fixed once stays fixed in every build, sanitized or not.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void runFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

} // namespace

int main(int argc, char** argv) {
  size_t runs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (!std::filesystem::is_directory(arg)) {
      runFile(arg);
      ++runs;
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(arg)) {
      if (entry.is_regular_file()) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      runFile(file);
      ++runs;
    }
  }
  if (runs == 0) {
    std::fprintf(stderr, "no input files: give files or folders of them\n");
    return 1;
  }
  std::printf("%zu inputs ran\n", runs);
  return 0;
}
