#include "custode/os/bridge_fdb.h"
#include "custode/os/netns.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <linux/if_ether.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>

#include "custode/core/error.h"

namespace custode::os {
namespace {

namespace fs = std::filesystem;

std::optional<FdbEntry> parse_fdb_message(const nlmsghdr* message) {
    if (message->nlmsg_type != RTM_NEWNEIGH) return std::nullopt;
    const auto* header = static_cast<const ndmsg*>(nlmsg_data(message));
    if (header->ndm_family != AF_BRIDGE) return std::nullopt;
    std::array<nlattr*, NDA_MAX + 1> table{};
    /// libnl's parser takes non-const pointers but does not write the message.
    if (nlmsg_parse(const_cast<nlmsghdr*>(message), sizeof(ndmsg), table.data(), NDA_MAX, nullptr) < 0)
        return std::nullopt;
    if (!table[NDA_LLADDR] || nla_len(table[NDA_LLADDR]) != ETH_ALEN) return std::nullopt;
    MacAddress::Bytes bytes{};
    std::memcpy(bytes.data(), nla_data(table[NDA_LLADDR]), ETH_ALEN);
    FdbEntry entry{MacAddress(bytes), header->ndm_ifindex, 0, std::nullopt};
    if (table[NDA_MASTER]) entry.master_index = static_cast<int>(nla_get_u32(table[NDA_MASTER]));
    if (table[NDA_VLAN]) entry.vlan = nla_get_u16(table[NDA_VLAN]);
    return entry;
}

/// The text of a /proc symlink, "" when it vanished or is not readable.
std::string link_text(const fs::path& path) {
    std::error_code error;
    auto target = fs::read_symlink(path, error);
    return error ? std::string() : target.string();
}

std::string comm_of(const fs::path& process) {
    std::ifstream file(process / "comm");
    std::string comm;
    std::getline(file, comm);
    return comm;
}

}  // namespace

std::vector<FdbEntry> dump_bridge_fdb(NetlinkSocket& socket) {
    std::vector<FdbEntry> entries;
    ndmsg header{};
    header.ndm_family = AF_BRIDGE;
    socket.dump(RTM_GETNEIGH, &header, sizeof(header),
                [&](const nlmsghdr* message) {
                    if (auto entry = parse_fdb_message(message)) entries.push_back(*entry);
                },
                "dump bridge forwarding tables");
    return entries;
}

void set_link_address(NetlinkSocket& socket, int index, MacAddress mac) {
    NlMsg request(nlmsg_alloc_simple(RTM_NEWLINK, 0));
    if (!request) throw SystemError("set link address", ENOMEM, "");
    ifinfomsg header{};
    header.ifi_family = AF_UNSPEC;
    header.ifi_index = index;
    if (nlmsg_append(request.get(), &header, sizeof(header), NLMSG_ALIGNTO) < 0 ||
        nla_put(request.get(), IFLA_ADDRESS, ETH_ALEN, mac.bytes().data()) < 0)
        throw SystemError("set link address", ENOMEM, "");
    socket.execute(request.get(), fmt::format("set link {} address {}", index, mac.to_string()));
}

std::optional<NamespaceId> named_namespace_id(const std::string& name) {
    struct stat info {};
    const auto path = fs::path(kNetnsRunDir) / name;
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT) return std::nullopt;
        throw SystemError("stat " + path.string(), errno, "");
    }
    return NamespaceId{info.st_dev, info.st_ino};
}

std::vector<std::string> namespace_holders(const NamespaceId& id) {
    const auto wanted = fmt::format("net:[{}]", id.inode);
    std::vector<std::string> holders;
    std::error_code error;
    for (const auto& process : fs::directory_iterator("/proc", error)) {
        const auto pid = process.path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
        bool held = false;
        std::error_code task_error;
        for (const auto& task : fs::directory_iterator(process.path() / "task", task_error))
            if (link_text(task.path() / "ns/net") == wanted) held = true;
        std::error_code fd_error;
        for (const auto& fd : fs::directory_iterator(process.path() / "fd", fd_error))
            if (link_text(fd.path()) == wanted) held = true;
        if (held) holders.push_back(fmt::format("pid {} ({})", pid, comm_of(process.path())));
    }
    /// mountinfo field 4 is the mount's root; for an nsfs bind mount it is "net:[INODE]".
    std::ifstream mountinfo("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mountinfo, line)) {
        std::istringstream fields(line);
        std::string id_field, parent, major_minor, root, mount_point;
        fields >> id_field >> parent >> major_minor >> root >> mount_point;
        if (root == wanted) holders.push_back("mount " + mount_point);
    }
    return holders;
}

}  // namespace custode::os
