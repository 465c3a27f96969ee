#!/bin/bash
# dist/custode.bash driven as bash drives it: COMP_WORDS and COMP_CWORD set,
# _custode called, COMPREPLY read. Usage: completion_test.sh CUSTODE SOURCE_DIR
set -u
custode=$1
source_dir=$2
netconf=$source_dir/netconf
# shellcheck source=/dev/null
source "$source_dir/dist/custode.bash"
failures=0

# complete WORD... : completes the last word of "custode WORD..."; prints COMPREPLY sorted, one a line.
complete_line() {
    COMP_WORDS=("$custode" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _custode
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

expect() {  # expect "WHAT" "EXPECTED LINES" WORD...
    local what=$1 expected=$2
    shift 2
    local got
    got=$(complete_line "$@")
    if [[ $got != "$expected" ]]; then
        printf 'FAIL %s\n  custode %s<TAB>\n  expected: %s\n  got:      %s\n' "$what" "$*" "$(echo $expected)" "$(echo $got)"
        failures=$((failures + 1))
    fi
}

expect_has() {  # expect_has "WHAT" "LINE" WORD...: LINE is among the completions
    local what=$1 line=$2
    shift 2
    if ! complete_line "$@" | grep -qxF -- "$line"; then
        printf 'FAIL %s\n  custode %s<TAB> lacks %s\n' "$what" "$*" "$line"
        failures=$((failures + 1))
    fi
}

expect "a command from its first letters" "wake" wa
expect "the commands starting with 're'" "$(printf 'remove\nreport')" re
# Every command custode's table lists, and nothing else.
expect "every command" "$("$custode" --help | awk '/^Commands:/{c=1;next} /^$/{c=0} c{print $1}' | sort)" ""
expect "a global option" "--state" --st
expect "a command's option" "--dry-run" maintain --dr
expect_has "apply's --prune" "--prune" apply --
expect_has "a command's options include the global ones" "--netconf" apply --
expect "the clients of the netconf in use" "$(printf 'acme\nbianchi\nrossi')" --netconf "$netconf" status ""
expect "a client by its first letter" "bianchi" --netconf "$netconf" check b
CUSTODE_NETCONF=$netconf expect "the clients from CUSTODE_NETCONF" "$(printf 'acme\nbianchi\nrossi')" maintain ""
expect "wake: the client's hosts after the client" "$(printf 'office-2\nreception')" --netconf "$netconf" wake acme ""
expect "wake: hosts after the client and a host" "office-2" --netconf "$netconf" wake acme reception of
expect "enroll: the client's hosts" "reception" --netconf "$netconf" enroll acme re
expect "a value of the user's own after an option that takes one" "" --netconf "$netconf" wake acme --wait ""
expect "wake: hosts after an option with its value" "reception" --netconf "$netconf" wake acme --wait 30 rec
expect "no client directory: nothing" "" --netconf /nonexistent status ""
expect_has "--netconf takes a directory" "$source_dir/netconf" --netconf "$source_dir/netc"

if ((failures)); then
    echo "$failures completion case(s) failed"
    exit 1
fi
echo "all completion cases passed"
