#pragma once
/// Text for custode's HTML pages (the run report, the disconnection
/// certificate): everything that came from a PC, netconf or a user is
/// escaped, in text and in attribute values alike.

#include <string>
#include <string_view>

namespace custode {

/// & < > " ' as character references.
std::string html_escape(std::string_view text);

}  // namespace custode
