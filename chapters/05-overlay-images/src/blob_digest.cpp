// sha256 digests through OpenSSL's EVP interface, the one the OCI spec and
// Docker use for every blob, layer and image ID.
#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>

#include "gorae/images/digest.hpp"

namespace gorae::images {
namespace {

constexpr std::string_view kPrefix = "sha256:";

// EVP fails only when memory runs out or the default provider is missing:
// like bad_alloc, nothing sensible can continue.
[[noreturn]] void evp_fatal(const char* what) {
  std::fprintf(stderr, "gorae: OpenSSL %s failed\n", what);
  std::abort();
}

}  // namespace

bool is_lower_hex(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<Digest> Digest::from_hex(std::string_view hex) {
  if (hex.size() != 64) return fail(Errc::invalid_argument, "invalid checksum digest length");
  if (!is_lower_hex(hex)) return fail(Errc::invalid_argument, "invalid checksum digest format");
  return Digest(std::string(hex));
}

Result<Digest> Digest::parse(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return fail(Errc::invalid_argument, "invalid checksum digest format");
  if (text.substr(0, colon + 1) != kPrefix)
    return fail(Errc::invalid_argument, "unsupported digest algorithm");
  return from_hex(text.substr(colon + 1));
}

Digest Digest::of(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
    evp_fatal("EVP_DigestInit_ex(sha256)");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, std::size_t size) {
  if (size > 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) evp_fatal("EVP_DigestUpdate");
}

Digest Sha256::finish() {
  unsigned char raw[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), raw, &length) != 1) evp_fatal("EVP_DigestFinal_ex");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[raw[i] >> 4];
    hex += kHex[raw[i] & 0xf];
  }
  if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) evp_fatal("EVP_DigestInit_ex");
  return Digest(std::move(hex));
}

}  // namespace gorae::images
