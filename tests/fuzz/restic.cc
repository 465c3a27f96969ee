/// What the lab's restic says about a repository the client's PCs write:
/// `restic snapshots --json` and `restic ls --json` (core/restic_listing.h),
/// and the restore test's choice among the listed files. The repository is
/// untrusted; what does not read is refused with its place, never half-read.
/// Input: the snapshots listing, then after the first NUL byte the ls lines.

#include "custode/core/restic_listing.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

void restic(Bytes bytes) {
    const auto text = as_text(bytes);
    const auto nul = text.find('\0');
    const auto snapshots = read_snapshot_listing(text.substr(0, nul));
    expect(snapshots.ok() || snapshots.snapshots.empty(), "a refused snapshot listing gives no snapshot");
    for (const auto& snapshot : snapshots.snapshots)
        expect(snapshot.id.size() == 64 && !snapshot.host.empty(), "a listed snapshot has a full id and a host");
    if (nul == std::string_view::npos) return;
    const auto files = read_file_listing(text.substr(nul + 1));
    expect(files.ok() || files.files.empty(), "a refused ls listing gives no file");
    for (const auto& file : files.files) expect(file.path.starts_with('/'), "a listed file's path is absolute");
    for (const std::uint64_t pick : {0ull, 1ull, 7ull, ~0ull}) {
        const auto chosen = choose_restore_file(files.files, pick);
        if (!chosen) continue;
        expect(chosen->size <= max_restore_test_bytes, "a restore test takes no file past its bound");
        expect(chosen->path.find_first_of("*?[\\") == std::string::npos, "a restore test takes no pattern");
    }
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(restic)
