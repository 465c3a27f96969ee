#!/bin/sh
# The layer check must fail on a wrong include: plant one per rule in a copy
# of the tree and expect check_layers.sh to name exactly that file.
set -eu
root=${1:?usage: planted_include_test.sh SOURCE_ROOT}
check="$(dirname "$0")/check_layers.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fresh_copy() {
    rm -rf "$work/tree"
    mkdir -p "$work/tree"
    cp -r "$root/src" "$root/include" "$work/tree/"
}

fresh_copy
"$check" "$work/tree" >/dev/null || { echo "FAIL: the clean copy does not pass" >&2; exit 1; }

# plant FILE INCLUDE: the check must exit 1 and name FILE.
plant() {
    fresh_copy
    printf '#include %s\n' "$2" >> "$work/tree/$1"
    if out=$("$check" "$work/tree" 2>&1); then
        echo "FAIL: $2 in $1 passed the layer check" >&2
        exit 1
    fi
    case "$out" in
        *"$1:"*) echo "caught: $2 in $1" ;;
        *) echo "FAIL: $2 in $1 failed the check without naming the file:" >&2; echo "$out" >&2; exit 1 ;;
    esac
}

plant src/cli/apply.cc '"custode/os/files.h"'
plant include/custode/cli/common.h '"custode/os/file_lock.h"'
plant src/app/links.cc '"custode/cli/output.h"'
plant src/os/files.cc '"custode/app/links.h"'
plant src/core/frames.cc '"custode/os/netns.h"'
plant src/core/frames.cc '<sys/socket.h>'
plant include/custode/core/address.h '<arpa/inet.h>'
echo "every planted include was caught"
