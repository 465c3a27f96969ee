#pragma once
/// Text for custode's HTML pages (the run report, the disconnection
/// certificate): everything that came from a PC, netconf or a user is
/// escaped, in text and in attribute values alike.

#include <string>
#include <string_view>

namespace custode {

/// & < > " ' as character references.
std::string html_escape(std::string_view text);

/// A relative file path as a URL path: every byte but letters, digits,
/// `-._~` and `/` percent-encoded, so a '#', '?' or space in a folder's name
/// still links to the file (html_escape it too when it goes in an attribute).
std::string url_path(std::string_view path);

}  // namespace custode
