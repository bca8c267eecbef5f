#pragma once

// Text helpers shared by the security module's sources (not a public header).

#include <string>
#include <string_view>

namespace gorae::security::detail {

/// Go's %q (strconv.Quote) for ASCII text: how dockerd quotes names and
/// options in its error messages, e.g. `unknown capability: "CAP_FOO"`.
std::string go_quote(std::string_view s);

}  // namespace gorae::security::detail
