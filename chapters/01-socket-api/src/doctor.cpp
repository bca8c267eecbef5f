// The doctor's registry and runner. The checks themselves live in
// doctor_checks.cpp (chapter 01) and in later chapters; this file only runs
// them, formats their findings and decides the exit code.

#include "gorae/doctor/doctor.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <sstream>

namespace gorae::doctor {
namespace {

// Width of the tag column ("[warn]    "); the fix line is indented to match.
constexpr int kTagWidth = 10;

const char* tag(Outcome outcome) {
  switch (outcome) {
    case Outcome::ok: return "[ ok ]";
    case Outcome::warn: return "[warn]";
    case Outcome::missing: break;
  }
  return "[MISS]";
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// A check is user code from any chapter: keep one broken check from hiding
// the report of all the others.
Finding run_one(const Check& check, const Host& host) {
  try {
    if (!check.run) return {Outcome::missing, "check has no function", ""};
    return check.run(host);
  } catch (const std::exception& e) {
    return {Outcome::missing, std::string("check failed: ") + e.what(), ""};
  } catch (...) {
    return {Outcome::missing, "check failed with an unknown exception", ""};
  }
}

std::string plural(int n, const char* word, const char* words) {
  return std::to_string(n) + " " + (n == 1 ? word : words);
}

}  // namespace

bool find_in_path(const std::string& name) {
  if (name.empty()) return false;
  if (name.find('/') != std::string::npos) return is_executable_file(name);
  const char* env = std::getenv("PATH");
  std::string dirs = env ? env : "";
  dirs += ":/usr/local/sbin:/usr/sbin:/sbin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    // POSIX: an empty PATH entry means the current directory.
    if (is_executable_file((dir.empty() ? "." : dir) + "/" + name)) return true;
  }
  return false;
}

void Registry::add(Check check) {
  auto same = std::find_if(checks_.begin(), checks_.end(),
                           [&](const Check& c) { return c.name == check.name; });
  if (same != checks_.end()) {
    *same = std::move(check);
  } else {
    checks_.push_back(std::move(check));
  }
}

int run(const Registry& registry, const Host& host, std::ostream& out) {
  size_t name_width = 12;
  for (const Check& check : registry.checks()) name_width = std::max(name_width, check.name.size());
  name_width += 2;

  int ok = 0, warnings = 0, missing = 0;
  bool required_missing = false;
  for (const Check& check : registry.checks()) {
    Finding finding = run_one(check, host);
    // An optional check can warn but never make the host unfit.
    if (finding.outcome == Outcome::missing && !check.required) finding.outcome = Outcome::warn;
    if (finding.outcome == Outcome::ok) ++ok;
    if (finding.outcome == Outcome::warn) ++warnings;
    if (finding.outcome == Outcome::missing) {
      ++missing;
      required_missing = true;
    }

    std::string line = tag(finding.outcome);
    line.resize(kTagWidth, ' ');
    std::string name = check.name;
    name.resize(name_width, ' ');
    out << line << name << finding.summary << '\n';
    if (finding.outcome != Outcome::ok && !finding.fix.empty())
      out << std::string(kTagWidth, ' ') << "fix: " << finding.fix << '\n';
  }
  out << "doctor: " << ok << " ok, " << plural(warnings, "warning", "warnings") << ", " << missing
      << " missing\n";
  return required_missing ? 1 : 0;
}

}  // namespace gorae::doctor
