#pragma once
// The part of the Dockerfile language `docker commit --change` needs: lines
// into instructions, words, quotes and $VARIABLE expansion, after
// buildkit's frontend/dockerfile/parser and shell packages.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gorae/base/error.hpp"

namespace gorae::images::dockerfile {

/// One instruction: "env" (lower case) and the text after it, trimmed;
/// `original` is the whole line as written (continuations joined).
struct Instruction {
  std::string name;
  std::string rest;
  std::string original;
};

/// Splits `text` into instructions: blank lines and # comments are skipped,
/// a line ending in a backslash continues on the next.
std::vector<Instruction> split_instructions(const std::string& text);

/// Words separated by blanks; quotes and backslashes stay in the words but
/// keep blanks inside them from splitting.
std::vector<std::string> split_words(const std::string& text);

/// A JSON array of strings (the exec form), or nullopt when `text` is not one.
std::optional<std::vector<std::string>> json_strings(const std::string& text);

/// ENV and LABEL's arguments: "a=1 b='2 3'" or the old "a 1 2" (one pair,
/// the rest of the line its value). Keys and values still unprocessed.
/// @return "<NAME> must have two arguments" or "Syntax error - can't find =
///         in \"w\". Must be of the form: name=value".
Result<std::vector<std::pair<std::string, std::string>>> name_values(const std::string& rest,
                                                                   const std::string& instruction);

/// One word as the shell would read it: quotes removed, backslash escapes
/// applied, $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative}
/// replaced from `env` ("NAME=value" entries; missing names are empty).
/// @return Errc::invalid_argument for an unterminated quote or ${.
Result<std::string> expand(const std::string& word, const std::vector<std::string>& env);

}  // namespace gorae::images::dockerfile
