#pragma once
/// What the lab's own restic says about a client's repository, read as data:
/// `restic snapshots --json` (restic 0.14). The repository is written by the
/// client's PCs, so every field is checked; what does not read is reported
/// with its JSON pointer, never trusted. docs/backups.md. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/backup_retention.h"

namespace custode {

/// The listing, or what in it did not read.
struct SnapshotListing {
    std::vector<ListedSnapshot> snapshots;
    std::string error;  ///< "" when all of it read; else "/2/time: not an RFC 3339 time"

    bool ok() const { return error.empty(); }
};

SnapshotListing read_snapshot_listing(std::string_view json);

/// A regular file of a snapshot, as `restic ls --json` names it: its path
/// inside the snapshot ("/d/sub/invoice.pdf", what `restore --include` takes).
struct ListedFile {
    std::string path;
    std::uint64_t size = 0;

    bool operator==(const ListedFile&) const = default;
};

struct FileListing {
    std::vector<ListedFile> files;  ///< regular files only, in listing order
    std::string error;              ///< "" when all of it read; else "line 3: not JSON"

    bool ok() const { return error.empty(); }
};

/// `restic ls --json SNAPSHOT` (restic 0.14): one JSON object per line, the
/// snapshot first, then its nodes. Directories, links and the rest are
/// skipped; a line that does not read spoils the listing.
FileListing read_file_listing(std::string_view json_lines);

/// The largest file a restore test takes: it is a test, not a restore.
inline constexpr std::uint64_t max_restore_test_bytes = 256ull << 20;

/// The file a restore test restores, chosen by `random` among the files it
/// can take: at most max_restore_test_bytes, and no `* ? [ \` in the path
/// (restic's --include reads those as a pattern). None when there is none.
std::optional<ListedFile> choose_restore_file(const std::vector<ListedFile>& files, std::uint64_t random);

}  // namespace custode
