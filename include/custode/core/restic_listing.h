#pragma once
/// What the lab's own restic says about a client's repository, read as data:
/// `restic snapshots --json` (restic 0.14). The repository is written by the
/// client's PCs, so every field is checked; what does not read is reported
/// with its JSON pointer, never trusted. docs/backups.md. Pure.

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

}  // namespace custode
