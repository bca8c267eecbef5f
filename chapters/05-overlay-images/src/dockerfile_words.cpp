// Dockerfile words as buildkit reads them (frontend/dockerfile/parser for
// the lines, frontend/dockerfile/shell for quotes and variables), reduced
// to what the instructions `docker commit --change` accepts can contain.
#include "dockerfile_words.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace gorae::images::dockerfile {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string trim(const std::string& text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && blank(text[begin])) ++begin;
  while (end > begin && blank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

bool name_char(char c, bool first) {
  return c == '_' || std::isalpha(static_cast<unsigned char>(c)) || (!first && std::isdigit(static_cast<unsigned char>(c)));
}

std::string lookup(const std::vector<std::string>& env, const std::string& name) {
  std::string value;  // the last definition wins, as in the process environment
  for (const auto& entry : env)
    if (entry.compare(0, name.size() + 1, name + "=") == 0) value = entry.substr(name.size() + 1);
  return value;
}

bool defined(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& entry : env)
    if (entry.compare(0, name.size() + 1, name + "=") == 0) return true;
  return false;
}

// ${...} starting at text[i] == '{'; leaves i after the closing brace.
Result<std::string> braced(const std::string& text, std::size_t& i, const std::vector<std::string>& env) {
  std::size_t close = text.find('}', i);
  if (close == std::string::npos) return fail(Errc::invalid_argument, "missing '}' in \"" + text + "\"");
  std::string inside = text.substr(i + 1, close - i - 1);
  i = close + 1;
  std::size_t end = 0;
  while (end < inside.size() && name_char(inside[end], end == 0)) ++end;
  std::string name = inside.substr(0, end), modifier = inside.substr(end);
  if (name.empty()) return fail(Errc::invalid_argument, "bad substitution in \"" + text + "\"");
  std::string value = lookup(env, name);
  if (modifier.empty()) return value;
  if (modifier.rfind(":-", 0) == 0) return value.empty() ? expand(modifier.substr(2), env) : Result<std::string>(value);
  if (modifier.rfind(":+", 0) == 0) return value.empty() ? Result<std::string>("") : expand(modifier.substr(2), env);
  if (modifier[0] == '-') return defined(env, name) ? Result<std::string>(value) : expand(modifier.substr(1), env);
  if (modifier[0] == '+') return defined(env, name) ? expand(modifier.substr(1), env) : Result<std::string>("");
  return fail(Errc::invalid_argument, "unsupported modifier (" + modifier.substr(0, 1) + ") in substitution");
}

Result<std::string> variable(const std::string& text, std::size_t& i, const std::vector<std::string>& env) {
  // text[i] == '$'
  if (i + 1 < text.size() && text[i + 1] == '{') {
    ++i;
    return braced(text, i, env);
  }
  std::size_t end = i + 1;
  while (end < text.size() && name_char(text[end], end == i + 1)) ++end;
  if (end == i + 1) {  // "$" before something that is no name: itself
    ++i;
    return std::string("$");
  }
  std::string name = text.substr(i + 1, end - i - 1);
  i = end;
  return lookup(env, name);
}

Instruction instruction_of(const std::string& line) {
  std::size_t space = 0;
  while (space < line.size() && !blank(line[space])) ++space;
  std::string name = line.substr(0, space);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {name, trim(line.substr(space)), line};
}

}  // namespace

std::vector<Instruction> split_instructions(const std::string& text) {
  std::vector<Instruction> out;
  std::string pending;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    if (line.back() == '\\') {
      pending += line.substr(0, line.size() - 1);
      continue;
    }
    out.push_back(instruction_of(pending + line));
    pending.clear();
  }
  if (!trim(pending).empty()) out.push_back(instruction_of(trim(pending)));  // ends in a backslash
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!quote && blank(c)) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    word += c;
    if (c == '\\' && quote != '\'' && i + 1 < text.size()) {
      word += text[++i];
    } else if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '"' || c == '\'')) {
      quote = c;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

std::optional<std::vector<std::string>> json_strings(const std::string& text) {
  if (text.empty() || text[0] != '[') return std::nullopt;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : parsed) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> name_values(const std::string& rest,
                                                                   const std::string& instruction) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto words = split_words(rest);
  if (words.empty()) return pairs;
  if (words[0].find('=') == std::string::npos) {  // the old form: NAME value...
    std::size_t space = 0;
    while (space < rest.size() && !blank(rest[space])) ++space;
    if (space == rest.size()) return fail(Errc::invalid_argument, instruction + " must have two arguments");
    pairs.emplace_back(rest.substr(0, space), trim(rest.substr(space)));
    return pairs;
  }
  for (const auto& word : words) {
    auto equals = word.find('=');
    if (equals == std::string::npos)
      return fail(Errc::invalid_argument, "Syntax error - can't find = in \"" + word +
                                              "\". Must be of the form: name=value");
    pairs.emplace_back(word.substr(0, equals), word.substr(equals + 1));
  }
  return pairs;
}

Result<std::string> expand(const std::string& word, const std::vector<std::string>& env) {
  std::string out;
  char quote = 0;
  for (std::size_t i = 0; i < word.size();) {
    char c = word[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0;
      else out += c;
      ++i;
    } else if (c == '\\' && i + 1 < word.size()) {
      // Inside double quotes only \ " $ are escapes; elsewhere any character.
      char next = word[i + 1];
      if (quote == '"' && next != '\\' && next != '"' && next != '$') out += c;
      out += next;
      i += 2;
    } else if (c == '$') {
      GORAE_ASSIGN_OR_RETURN(std::string value, variable(word, i, env));
      out += value;
    } else if (c == '"') {
      quote = quote ? 0 : '"';
      ++i;
    } else if (c == '\'' && !quote) {
      quote = '\'';
      ++i;
    } else {
      out += c;
      ++i;
    }
  }
  if (quote) return fail(Errc::invalid_argument, std::string("unexpected end of statement while looking for matching ") + quote);
  return out;
}

}  // namespace gorae::images::dockerfile
