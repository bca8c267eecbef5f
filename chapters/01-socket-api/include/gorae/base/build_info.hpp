#pragma once

/// Facts about this build, fixed at configure time (cmake/build_info.cpp.in).
namespace gorae::build_info {
extern const char* const kVersion;    ///< project version, e.g. "0.1.0"
extern const char* const kGitCommit;  ///< short commit hash or "unknown"
extern const char* const kBuildTime;  ///< RFC 3339 time of the configure step
extern const char* const kCompiler;   ///< compiler id and version
}  // namespace gorae::build_info
