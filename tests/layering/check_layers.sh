#!/bin/sh
# The layers include only what is below them (docs/architecture.md):
#   cli -> app -> core, os;  os -> core;  core -> nothing of custode's but core,
# and core reaches no system interface at all.
# Usage: check_layers.sh SOURCE_ROOT   (the directory holding src/ and include/)
# Prints every wrong include as file:line and exits 1 if there is any.
set -eu
root=${1:?usage: check_layers.sh SOURCE_ROOT}
[ -d "$root/src" ] && [ -d "$root/include/custode" ] || { echo "$root: no src/ and include/custode/ here" >&2; exit 2; }

bad=0
# forbid LAYER PATTERN WHY: every include of LAYER's files (src/LAYER, include/custode/LAYER) matching PATTERN.
forbid() {
    found=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" \
                 "$root/src/$1" "$root/include/custode/$1" 2>/dev/null || true)
    if [ -n "$found" ]; then
        printf '%s\n' "$found" | sed "s|^$root/||; s|\$|    <- $1 $3|"
        bad=1
    fi
}

forbid cli  'custode/os/'                   'must reach the system through app'
forbid app  'custode/cli/'                  'must not know the command line'
forbid os   'custode/(app|cli)/'            'is below app and cli'
forbid core 'custode/(app|cli|os)/'         'is pure: it includes only core'
forbid core 'sys/|unistd\.h|fcntl\.h|netlink/|linux/|pcap|sqlite3|sodium|libssh|curl/|pwd\.h|net/|netinet/|arpa/' \
            'is pure: no system interface'

if [ "$bad" -ne 0 ]; then
    echo "wrong includes: see the layers in docs/architecture.md" >&2
    exit 1
fi
echo "layers: every include points downwards"
