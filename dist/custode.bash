# bash completion for custode: commands, each command's options, the client
# names of the netconf directory in use, and a client's host names for wake
# and enroll. Commands and options are read from custode's own --help, so
# they cannot drift from the binary. Installed by the package (docs/install.md) as
# /usr/share/bash-completion/completions/custode.

# The netconf directory: --netconf DIR on the line, else $CUSTODE_NETCONF, else /etc/custode.
_custode_netconf() {
    local i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --netconf ]]; then
            printf '%s' "${COMP_WORDS[i + 1]}"
            return
        fi
    done
    printf '%s' "${CUSTODE_NETCONF:-/etc/custode}"
}

_custode_clients() {
    local file
    for file in "$(_custode_netconf)"/clients/*.toml; do
        [[ -e $file ]] && basename "$file" .toml
    done
}

# The name of each [[host]] in the client's file.
_custode_hosts() {
    awk '/^\[\[host\]\]/ { in_host = 1; next }
         /^\[/ { in_host = 0 }
         in_host && /^[ \t]*name[ \t]*=/ { sub(/^[^=]*=[ \t]*"/, ""); sub(/".*/, ""); print }' \
        "$(_custode_netconf)/clients/$1.toml" 2>/dev/null
}

_custode_commands() {
    "${COMP_WORDS[0]}" --help 2>/dev/null | awk '/^Commands:/ { listing = 1; next } /^$/ { listing = 0 } listing { print $1 }'
}

# A command's options (global ones included), as its --help lists them.
_custode_options() {
    "${COMP_WORDS[0]}" "$1" --help 2>/dev/null | sed -nE 's/^  (-[a-zA-Z] \[ )?(--[a-z][a-z-]*).*/\2/p'
}

# True when option $2 of command $1 takes a value ("--wait SECONDS" in its --help).
_custode_takes_value() {
    "${COMP_WORDS[0]}" "$1" --help 2>/dev/null | grep -qE "^  $2 [A-Z]"
}

_custode() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local command="" first_argument="" arguments=0 i word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ $word == --netconf || $word == --state ]]; then
            ((i++))
        elif [[ $word == -* ]]; then
            [[ -n $command ]] && _custode_takes_value "$command" "$word" && ((i++))
        elif [[ -z $command ]]; then
            command=$word
        else
            [[ -z $first_argument ]] && first_argument=$word
            ((arguments++))
        fi
    done
    COMPREPLY=()
    case $prev in
        --netconf) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        --state | --targets | --key | --out | --html | --pubkey) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
    esac
    if [[ -n $command && $prev == -* && $prev != --json ]] && _custode_takes_value "$command" "$prev"; then
        return  # a value of the user's own: nothing to offer
    fi
    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "--netconf --state --json --verbose --quiet --help --version" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$(_custode_commands)" -- "$cur")
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_custode_options "$command")" -- "$cur")
        return
    fi
    case $command in
        wake | enroll)
            if ((arguments == 0)); then
                mapfile -t COMPREPLY < <(compgen -W "$(_custode_clients)" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "$(_custode_hosts "$first_argument")" -- "$cur")
            fi
            ;;
        plan | apply | status | check | remove | scan | hosts | maintain | runs | disconnect)
            mapfile -t COMPREPLY < <(compgen -W "$(_custode_clients)" -- "$cur")
            ;;
        verify | isolation-check) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    esac
}

complete -F _custode custode
