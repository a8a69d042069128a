#include "tools/tracetune/command.h"

int main(int argc, char** argv) {
  return tt::cli::runMain(argc, argv);
}
