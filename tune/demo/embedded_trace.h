#pragma once

namespace tt::tune {
// The demo's traffic: an Azure conversation trace slice in the Azure CSV format (README.md here).
extern const char* const kDemoTraceCsv;
} // namespace tt::tune
