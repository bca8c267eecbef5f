#pragma once
// The small readers behind mount_parse.cpp and spec_mounts.cpp: Go's path
// and JSON rules, and Docker's mode words.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gorae/base/error.hpp"

namespace gorae::volumes {

/// Go's strings.SplitN (n <= 0: no limit).
std::vector<std::string> split(const std::string& text, char separator, int n);
/// Go's path.Clean: "/a//b/../c/" → "/a/c"; "" → ".".
std::string clean_path(const std::string& path);

/// private, rprivate, shared, rshared, slave, rslave.
bool is_propagation(const std::string& word);
/// A -v MODE: comma-separated, at most one word of each kind (rw/ro, z/Z,
/// propagation, nocopy, consistency); "" is valid.
bool is_valid_mode(const std::string& mode);

/// A member by exact name, else by any case (Go's rule); nullptr for
/// absent or null.
const nlohmann::json* field(const nlohmann::json& object, const char* key);
/// Members of a HostConfig.Mounts entry; a wrong type is Go's decoding
/// error naming "Mount.HostConfig.Mounts.<name>".
Status read_string(const nlohmann::json& object, const char* name, const char* key, std::string& out);
Status read_bool(const nlohmann::json& object, const char* name, const char* key, bool& out);
Status read_string_map(const nlohmann::json& object, const char* name, const char* key,
                       std::map<std::string, std::string>& out);
Status read_mount_object(const nlohmann::json& object, std::string& type, std::string& source,
                         std::string& target, bool& read_only);
Status read_tmpfs_options(const nlohmann::json& object, long long& size_bytes, unsigned& mode,
                          std::vector<std::string>& extra);

/// Docker's MergeTmpfsOptions: the last of each flag (ro/rw count as one)
/// and of each key=value wins, in their order; data keys other than size,
/// mode, uid, gid, nr_inodes, nr_blocks and mpol are refused with
/// 'invalid tmpfs option ["key" "value"]'.
Result<std::vector<std::string>> merge_tmpfs_options(const std::vector<std::string>& options);

}  // namespace gorae::volumes
