/// The Linux profile: POSIX sh run by root's login shell over SSH. Every
/// value from netconf goes through shell_quote.

#include <fmt/format.h>
#include <string>
#include <vector>

#include "custode/core/command_text.h"
#include "tasks_detail.h"

namespace custode::tasks_detail {
namespace {

const std::vector<std::string> default_scan_paths{"/home"};
const std::vector<std::string> default_backup_sources{"/home", "/etc"};

std::string quoted_words(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& word : words) out += " " + shell_quote(word);
    return out;
}

std::string antivirus(const TaskSettings& settings) {
    return "clamscan --recursive --infected --no-summary --stdout --" +
           quoted_words(settings.scan_paths.value_or(default_scan_paths));
}

/// One JSON object per line and disk: {"device":..,"type":..,"exit":..,"smartctl":<smartctl -j>}.
/// smartctl's JSON spans lines but never holds a raw newline inside a string,
/// so deleting newlines keeps it valid. No line at all: no SMART device.
constexpr std::string_view disk_health_script = R"sh(command -v smartctl >/dev/null 2>&1 || { echo "smartctl not found" >&2; exit 127; }
smartctl --scan-open | while read -r dev opt type rest; do
  case "$dev" in ''|'#'*) continue ;; esac
  [ "$opt" = "-d" ] || type=auto
  out=$(smartctl -j -H -A -d "$type" "$dev" 2>/dev/null); rc=$?
  out=$(printf '%s' "$out" | tr -d '\n')
  printf '{"device":"%s","type":"%s","exit":%d,"smartctl":%s}\n' "$dev" "$type" "$rc" "${out:-null}"
done)sh";

std::string disk_optimize() { return "fstrim --verbose --all"; }

std::string backup(const TaskSettings& settings) {
    if (!restic_repository(settings))
        return fmt::format("echo {} >&2; exit {}", shell_quote(fmt::format("custode: {}", no_repository_message)),
                           no_repository_exit);
    return "restic" + linux_restic_arguments(settings) + " backup --json --" +
           quoted_words(settings.backup_sources.value_or(default_backup_sources));
}

/// Empties the freedesktop trash of every home in /etc/passwd (root's too):
/// files/ (the trashed items, counted), info/ and expunged/, dotfiles too.
/// Prints {"trash_dirs":N,"items":N,"failed":N}; exits 1 when something
/// could not be removed.
constexpr std::string_view empty_trash_script = R"sh(cut -d: -f6 /etc/passwd | sort -u | {
  dirs=0; items=0; failed=0
  while IFS= read -r home; do
    trash="$home/.local/share/Trash"
    [ -n "$home" ] && [ -d "$trash" ] || continue
    dirs=$((dirs + 1))
    for part in files info expunged; do
      for entry in "$trash/$part"/* "$trash/$part"/.[!.]* "$trash/$part"/..?*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        if rm -rf -- "$entry"; then
          [ "$part" = files ] && items=$((items + 1))
        else
          failed=$((failed + 1))
        fi
      done
    done
  done
  printf '{"trash_dirs":%d,"items":%d,"failed":%d}\n' "$dirs" "$items" "$failed"
  [ "$failed" -eq 0 ]
})sh";

/// apt-get update, then the upgrade, non-interactive: dpkg keeps a changed
/// configuration file and takes the package's default where none changed; a
/// held package stays held (no --allow-change-held-packages). A dpkg lock
/// held by another process is waited for (DPkg::Lock::Timeout) up to
/// apt_lock_wait, then apt fails saying so. apt's own words go to stderr;
/// stdout carries only what custode reads, one tagged line each:
///   custode-held PKG, custode-upgraded PKG FROM TO, custode-added PKG TO,
///   custode-reboot-required yes|no, custode-reboot-package PKG
/// The versions are dpkg's before and after, so a half-done upgrade still
/// lists what it changed. The exit code is apt-get's.
constexpr std::string_view updates_script = R"sh(export DEBIAN_FRONTEND=noninteractive LC_ALL=C
command -v apt-get >/dev/null 2>&1 || { echo "apt-get not found: the updates task needs Debian or Ubuntu" >&2; exit 127; }
versions() { dpkg-query -W -f '${Package}:${Architecture} ${Version} ${db:Status-Abbrev}
' | awk '$3 ~ /^.i/ { print $1, $2 }' | sort; }
before=$(mktemp) && after=$(mktemp) || exit 2
trap 'rm -f "$before" "$after"' EXIT
apt-mark showhold | sed 's/^/custode-held /'
versions >"$before"
set -- -y -q -o DPkg::Lock::Timeout=LOCK_WAIT -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
apt-get "$@" update >&2 && apt-get "$@" MODE >&2
rc=$?
versions >"$after"
join "$before" "$after" | awk '$2 != $3 { print "custode-upgraded", $1, $2, $3 }'
join -v 2 "$before" "$after" | awk '{ print "custode-added", $1, $2 }'
if [ -e /run/reboot-required ]; then
  echo custode-reboot-required yes
  [ -r /run/reboot-required.pkgs ] && sort -u /run/reboot-required.pkgs | sed 's/^/custode-reboot-package /'
else
  echo custode-reboot-required no
fi
exit $rc)sh";

std::string updates(const TaskSettings& settings) {
    std::string script(updates_script);
    const auto replace = [&](std::string_view what, std::string_view with) {
        script.replace(script.find(what), what.size(), with);
    };
    replace("LOCK_WAIT", std::to_string(apt_lock_wait.count()));
    replace("MODE", settings.apt_upgrade == AptUpgrade::dist_upgrade ? "dist-upgrade" : "upgrade");
    return script;
}

}  // namespace

std::string linux_task_script(MaintenanceTask task, const TaskSettings& settings) {
    switch (task) {
        case MaintenanceTask::antivirus: return antivirus(settings);
        case MaintenanceTask::disk_health: return std::string(disk_health_script);
        case MaintenanceTask::disk_optimize: return disk_optimize();
        case MaintenanceTask::backup: return backup(settings);
        case MaintenanceTask::empty_trash: return std::string(empty_trash_script);
        case MaintenanceTask::updates: return updates(settings);
    }
    return "exit 2";
}

/// Detached and delayed, so the SSH session reports exit 0 and closes
/// before the PC goes down.
std::string linux_shutdown_script() {
    return "nohup sh -c 'sleep 5; systemctl poweroff || poweroff' >/dev/null 2>&1 &\nexit 0";
}

/// Never with someone logged on at a terminal or a desktop (`who`: the
/// SSH exec channel custode uses has no terminal, so it is not listed): their
/// names go out as JSON with shutdown_user_logged_on_exit, as on Windows.
std::string linux_reboot_script() {
    return "users=$(who | awk '{print $1}' | sort -u | sed 's/.*/\"&\"/' | paste -sd, -)\n"
           "if [ -n \"$users\" ]; then printf '{\"reboot\":\"skipped\",\"reason\":\"user_logged_on\",\"users\":[%s]}\\n' "
           "\"$users\"; echo \"not rebooted: logged on\" >&2; exit 10; fi\n"
           "nohup sh -c 'sleep 5; systemctl reboot || reboot' >/dev/null 2>&1 &\nexit 0";
}

std::string linux_restic_arguments(const TaskSettings& settings) {
    const auto target = restic_repository(settings);
    if (!target) return "";
    std::string words = " --repo " + shell_quote(target->repository);
    if (target->rclone_program) words += " --option " + shell_quote("rclone.program=" + *target->rclone_program);
    if (settings.backup_password_file) words += " --password-file " + shell_quote(*settings.backup_password_file);
    return words;
}

}  // namespace custode::tasks_detail
