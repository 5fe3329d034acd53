// Reads a whole file into memory, reporting failures as errno values.
#pragma once

#include <string>
#include <system_error>

namespace staticgate::config {

// Appends the contents of path to out. A directory gives EISDIR rather than
// an empty file, as std::ifstream would.
std::error_code read_file(const std::string& path, std::string& out);

}  // namespace staticgate::config
