#pragma once
/// Named network namespaces, made and removed exactly as `ip netns add/del`
/// does (a bind mount on /run/netns/NAME), so `ip netns exec NAME ...` works
/// on what custode creates. Every failure throws custode::SystemError.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "custode/os/unique_fd.h"

namespace custode::os {

/// Where `ip netns` keeps its namespaces.
inline constexpr std::string_view kNetnsRunDir = "/run/netns";

/// What a create did. "Exists" is an expected outcome, not an error: the
/// caller reads the live object back and decides.
enum class Creation { created, already_exists };

/// Creates /run/netns/NAME holding a new, empty network namespace. Returns
/// already_exists (and changes nothing) if the name is taken. On failure the
/// file is removed again.
Creation create_named_namespace(std::string_view name);

/// The same, then runs `inside` in the new namespace before returning: the
/// CALLING thread unshares, runs `inside`, mounts and goes back to its own
/// namespace (as `ip netns add` does; the process ends rather than go on in
/// the wrong one). No thread is made: a thread per namespace cost ~4 ms at
/// 1000 namespaces (its exit flushes its /proc entries). If `inside` throws,
/// nothing is mounted, the file is removed again and the exception rethrown. Sockets
/// opened inside keep the new namespace.
Creation create_named_namespace(std::string_view name, const std::function<void()>& inside);

/// Detaches and removes /run/netns/NAME. The namespace itself lives on while
/// a process or socket still holds it. Returns false if there was no such name.
bool delete_named_namespace(std::string_view name);

/// What /run/netns/NAME is. `half_made`: the file is there but no namespace
/// is mounted on it, left by a creation or removal that was killed between
/// the file and the mount (`ip netns` lists it; it holds nothing).
enum class NamespaceFile { absent, mounted, half_made };
NamespaceFile namespace_file(std::string_view name);

/// True when a namespace is mounted on /run/netns/NAME.
bool named_namespace_exists(std::string_view name);

/// The names under /run/netns, sorted. A missing directory gives an empty list.
std::vector<std::string> list_named_namespaces();

/// An open network-namespace file descriptor (O_RDONLY|O_CLOEXEC), closed on
/// destruction. Move-only.
class NamespaceFd {
public:
    /// Opens /run/netns/NAME.
    static NamespaceFd open_named(std::string_view name);
    /// Opens the calling thread's own network namespace.
    static NamespaceFd open_current();

    int fd() const { return fd_.get(); }

private:
    explicit NamespaceFd(int fd) : fd_(fd) {}
    UniqueFd fd_;
};

/// Runs `work` in a fresh thread that first enters `ns` (setns CLONE_NEWNET),
/// waits for it, and rethrows whatever it threw. The calling thread never
/// changes namespace. Sockets opened inside keep that namespace for good, so
/// the usual pattern is: open the socket in here, use it from anywhere.
void run_in_namespace(const NamespaceFd& ns, const std::function<void()>& work);

/// Runs work(i) for every i, in ONE fresh thread that enters namespaces[i]
/// before each call; stops at the first exception and rethrows it. For
/// opening sockets in many namespaces: a thread costs about 50 us, a setns
/// about 2 us.
void run_in_each_namespace(const std::vector<const NamespaceFd*>& namespaces,
                           const std::function<void(std::size_t)>& work);

/// run_in_namespace for work that returns a value (for example a socket).
template <class Work>
auto in_namespace(const NamespaceFd& ns, Work&& work) -> std::invoke_result_t<Work&> {
    using Result = std::invoke_result_t<Work&>;
    if constexpr (std::is_void_v<Result>) {
        run_in_namespace(ns, work);
    } else {
        std::optional<Result> result;
        run_in_namespace(ns, [&] { result.emplace(work()); });
        return std::move(*result);
    }
}

/// Writes `value` to a /proc/sys file. /proc/sys/net shows the namespace of
/// the thread that OPENS the file: call this inside run_in_namespace to set a
/// client namespace's sysctls.
void write_sysctl(const std::string& path, std::string_view value);

/// Writes several /proc/sys files under one directory (for example
/// "/proc/sys/net"): the directory is looked up once and each file opened
/// relative to it. Worth it for /proc/sys/net, whose lookup walks one cached
/// entry per live namespace that used it (1000 namespaces: ~1 ms a lookup).
/// Same namespace rule as write_sysctl: the directory shows the namespace of
/// the thread that opens it.
void write_sysctls(const std::string& directory,
                   const std::vector<std::pair<std::string, std::string>>& relative_path_and_value);

/// Reads a /proc/sys file, without the trailing newline. Same namespace rule.
std::string read_sysctl(const std::string& path);

}  // namespace custode::os
