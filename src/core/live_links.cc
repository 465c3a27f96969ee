#include "custode/core/live_links.h"

namespace custode {

const LiveLink* LiveNamespace::find(std::string_view link_name) const {
    for (const auto& link : links)
        if (link.name == link_name) return &link;
    return nullptr;
}

const LiveLink* LiveNamespace::find(int index) const {
    for (const auto& link : links)
        if (link.index == index) return &link;
    return nullptr;
}

std::string ownership_marker(std::string_view client) { return "custode:" + std::string(client); }

std::string unfinished_link_name(std::string_view client) { return "c~" + std::string(client); }

}  // namespace custode
