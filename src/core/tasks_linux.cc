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
    if (!settings.backup_repository)
        return fmt::format("echo {} >&2; exit {}", shell_quote(fmt::format("custode: {}", no_repository_message)),
                           no_repository_exit);
    std::string command = "restic --repo " + shell_quote(*settings.backup_repository);
    if (settings.backup_password_file) command += " --password-file " + shell_quote(*settings.backup_password_file);
    return command + " backup --json --" + quoted_words(settings.backup_sources.value_or(default_backup_sources));
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

}  // namespace

std::string linux_task_script(MaintenanceTask task, const TaskSettings& settings) {
    switch (task) {
        case MaintenanceTask::antivirus: return antivirus(settings);
        case MaintenanceTask::disk_health: return std::string(disk_health_script);
        case MaintenanceTask::disk_optimize: return disk_optimize();
        case MaintenanceTask::backup: return backup(settings);
        case MaintenanceTask::empty_trash: return std::string(empty_trash_script);
    }
    return "exit 2";
}

/// Detached and delayed, so the SSH session reports exit 0 and closes
/// before the PC goes down.
std::string linux_shutdown_script() {
    return "nohup sh -c 'sleep 5; systemctl poweroff || poweroff' >/dev/null 2>&1 &\nexit 0";
}

}  // namespace custode::tasks_detail
