#include "tools/tgi-sim/options.h"

int main(int argc, char** argv) {
  CLI::App app{"tgi-sim"};
  tt::tgisim::TgiSimOptions options;
  tt::tgisim::setupTgiSim(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return tt::tgisim::runTgiSim(options);
}
