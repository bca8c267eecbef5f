#pragma once
// Random names for temporary files and directories, and for volumes that
// were given none (Docker's 64 hex digits).

#include <cstddef>
#include <random>
#include <string>

namespace gorae::images::detail {

inline std::string random_hex(std::size_t digits) {
  std::random_device device;  // getrandom(2) on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < digits; ++i) out += kHex[device() & 0xf];
  return out;
}

}  // namespace gorae::images::detail
