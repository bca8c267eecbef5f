#pragma once
// Shared by cli_image_*.cpp: each command is added by a function, so that it
// can live both at the top (`gorae load`) and under `gorae image`.

#include <string>

#include "gorae/cli/cli.hpp"

namespace gorae::cli::image_detail {

void add_load(CLI::App& parent, Context& context);  // cli_image_transfer.cpp
void add_save(CLI::App& parent, Context& context);  // cli_image_transfer.cpp

/// go-units' HumanSize (4 significant digits): 1984162 → "1.984MB", what
/// `docker image prune` prints; chapter 01's human_size has 3 (the tables').
std::string human_size_4(double bytes);

}  // namespace gorae::cli::image_detail
