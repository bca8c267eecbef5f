// Image references, normalised by Docker's rules (distribution/reference,
// normalize.go and regexp.go). The grammar, from regexp.go:
//
//   reference        := name [ ":" tag ] [ "@" digest ]
//   name             := [domain-and-port "/"] path-component ["/" path-component]*
//   domain-and-port  := host [":" port-number]
//   host             := domain-name | "[" ipv6 "]"
//   domain-name      := domain-component ["." domain-component]*
//   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//   path-component   := [a-z0-9]+ [separator [a-z0-9]+]*
//   separator        := "." | "_" | "__" | "-"+
//   tag              := [\w][\w.-]{0,127}
//   digest           := algorithm ":" hex{32,}   (then checked by go-digest)
//
// Each production is one small predicate below instead of a std::regex, so a
// reader can match the code to the grammar line by line.
#include <algorithm>
#include <cctype>

#include "gorae/images/reference.hpp"

namespace gorae::images {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDomain = "index.docker.io";
constexpr std::string_view kOfficialPrefix = "library/";
constexpr std::size_t kNameMax = 255;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool word(char c) { return alnum(c) || c == '_'; }

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool path_component(std::string_view s) {
  std::size_t i = 0;
  for (;;) {
    std::size_t start = i;
    while (i < s.size() && lower_alnum(s[i])) ++i;
    if (i == start) return false;  // every run of separators sits between alphanumerics
    if (i == s.size()) return true;
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      i += (i + 1 < s.size() && s[i + 1] == '_') ? 2 : 1;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') ++i;
    } else {
      return false;
    }
  }
}

bool path(std::string_view s) {
  for (;;) {
    auto slash = s.find('/');
    if (!path_component(s.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    s.remove_prefix(slash + 1);
  }
}

bool domain_component(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return alnum(c) || c == '-'; });
}

bool host(std::string_view s) {
  if (s.size() > 2 && s.front() == '[' && s.back() == ']')
    return std::all_of(s.begin() + 1, s.end() - 1,
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':'; });
  for (;;) {
    auto dot = s.find('.');
    if (!domain_component(s.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool domain_and_port(std::string_view s) {
  // The port's colon is the last one after any "]" of an IPv6 host.
  auto bracket = s.rfind(']');
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    s = s.substr(0, colon);
  }
  return host(s);
}

bool tag_ok(std::string_view s) {
  return !s.empty() && s.size() <= 128 && word(s.front()) &&
         std::all_of(s.begin(), s.end(), [](char c) { return word(c) || c == '.' || c == '-'; });
}

// The regexp's shape of a digest; go-digest then checks algorithm and length.
bool digest_shape(std::string_view d) {
  auto colon = d.find(':');
  if (colon == std::string_view::npos || d.size() - colon - 1 < 32) return false;
  std::string_view hex = d.substr(colon + 1);
  if (!std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return false;
  bool at_start = true;  // of an algorithm component: [A-Za-z][A-Za-z0-9]*, joined by [-_+.]
  for (char c : d.substr(0, colon)) {
    if (at_start && !std::isalpha(static_cast<unsigned char>(c))) return false;
    at_start = c == '-' || c == '_' || c == '+' || c == '.';
    if (!at_start && !alnum(c)) return false;
  }
  return !at_start;
}

// "busybox" → (docker.io, library/busybox); "localhost:5000/x" → (localhost:5000, x).
// A first component counts as a registry when it has a "." or ":", is
// "localhost", or has capitals (no repository path may).
Result<std::pair<std::string, std::string>> split_docker_domain(std::string_view name) {
  // LAB(05) docker-domain: Split a name into registry and repository as Docker normalises it
  // "busybox" is docker.io/library/busybox, "me/app" docker.io/me/app,
  // "localhost:5000/app" and "ghcr.io/me/app" name their registry;
  // index.docker.io is docker.io.
  // LAB-STUB: return gorae::lab::not_implemented(@TASK@);
  std::string domain, remainder;
  auto slash = name.find('/');
  std::string_view first = slash == std::string_view::npos ? name : name.substr(0, slash);
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost" &&
       lower(first) == first)) {
    domain = kDefaultDomain;
    remainder = name;
  } else {
    domain = first;
    remainder = name.substr(slash + 1);
  }
  if (domain == kLegacyDomain) domain = kDefaultDomain;
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos)
    remainder = std::string(kOfficialPrefix) + remainder;
  return std::pair{domain, remainder};
  // LAB-END
}

tl::unexpected<Error> invalid(std::string message) {
  return tl::unexpected(Error(Errc::invalid_argument, std::move(message)));
}

// distribution/reference's Parse, for a name that already has its domain.
Result<Reference> parse_full(std::string_view text) {
  Reference ref;
  std::string_view rest = text;
  std::string_view digest_text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    digest_text = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  auto colon = rest.rfind(':');
  auto slash = rest.rfind('/');
  std::string_view name = rest;
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    name = rest.substr(0, colon);
  }
  slash = name.find('/');
  bool has_tag = name.size() < rest.size();
  bool has_digest = text.find('@') != std::string_view::npos;
  bool ok = slash != std::string_view::npos && domain_and_port(name.substr(0, slash)) &&
            path(name.substr(slash + 1)) && (!has_tag || tag_ok(ref.tag)) &&
            (!has_digest || digest_shape(digest_text));
  if (!ok) {
    if (text.empty()) return invalid("repository name must have at least one component");
    return invalid("invalid reference format");
  }
  if (name.size() > kNameMax)
    return invalid("repository name must not be more than 255 characters");
  ref.domain = name.substr(0, slash);
  ref.path = name.substr(slash + 1);
  if (!digest_text.empty()) {
    GORAE_ASSIGN_OR_RETURN(ref.digest, Digest::parse(digest_text));
  }
  return ref;
}

}  // namespace

Result<Reference> Reference::parse(std::string_view text) {
  if (text.size() == 64 && is_lower_hex(text))
    return invalid("invalid repository name (" + std::string(text) +
                   "), cannot specify 64-byte hexadecimal strings");
  GORAE_ASSIGN_OR_RETURN(auto split, split_docker_domain(text));
  auto& [domain, remainder] = split;
  std::string remote = remainder.substr(0, remainder.find(':'));
  if (lower(remote) != remote)
    return invalid("invalid reference format: repository name (" + remote + ") must be lowercase");
  return parse_full(domain + "/" + remainder);
}

std::string Reference::familiar_name() const {
  if (domain != kDefaultDomain) return name();
  if (path.rfind(kOfficialPrefix, 0) == 0 && path.find('/', kOfficialPrefix.size()) == std::string::npos)
    return path.substr(kOfficialPrefix.size());
  return path;
}

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->str();
  return out;
}

std::string Reference::familiar() const {
  std::string out = familiar_name();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->str();
  return out;
}

Reference Reference::with_default_tag() const {
  Reference out = *this;
  if (out.name_only()) out.tag = "latest";
  return out;
}

Reference Reference::store_key() const {
  Reference out = *this;
  if (out.digest) out.tag.clear();
  return out.with_default_tag();
}

Status validate_tag(std::string_view tag) {
  if (!tag_ok(tag)) return invalid("invalid tag format");
  return {};
}

std::optional<Digest> parse_image_id(std::string_view text) {
  if (text.size() == 64) {
    if (auto digest = Digest::from_hex(text)) return *digest;
  }
  if (auto digest = Digest::parse(text)) return *digest;
  return std::nullopt;
}

}  // namespace gorae::images
