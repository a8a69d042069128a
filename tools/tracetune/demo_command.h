#pragma once

#include "tools/tracetune/command.h"

namespace tt::cli {

void setupDemo(CLI::App& app, Runner& runner);

} // namespace tt::cli
