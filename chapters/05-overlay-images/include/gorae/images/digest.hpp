#pragma once

#include <compare>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gorae/base/error.hpp"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace gorae::images {

/// A content digest as the OCI image spec writes it: "sha256:<64 lowercase hex>".
/// Only sha256 is supported, as in Docker's image store.
class Digest {
 public:
  /// An empty digest (no value yet); every real one comes from the factories.
  Digest() = default;
  /// Accepts exactly "sha256:" + 64 lowercase hex digits.
  /// @return Errc::invalid_argument with go-digest's messages: "invalid checksum
  ///         digest format", "invalid checksum digest length", "unsupported digest algorithm".
  static Result<Digest> parse(std::string_view text);
  /// `hex` must be 64 lowercase hex digits (checked, as parse()).
  static Result<Digest> from_hex(std::string_view hex);
  /// The sha256 of `data`.
  static Digest of(std::string_view data);

  bool empty() const { return hex_.empty(); }
  const std::string& hex() const { return hex_; }
  std::string str() const { return "sha256:" + hex_; }
  /// The first 12 hex digits, Docker's short ID.
  std::string short_hex() const { return hex_.substr(0, 12); }

  auto operator<=>(const Digest&) const = default;

 private:
  friend class Sha256;
  explicit Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
};

/// True when `text` is non-empty and only lowercase hex digits.
bool is_lower_hex(std::string_view text);

/// An incremental sha256 (OpenSSL EVP), for data that streams past.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  /// The digest of everything given so far; the hasher then starts over.
  Digest finish();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace gorae::images
