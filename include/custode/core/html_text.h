#pragma once
/// Text for custode's HTML pages (the run report, the disconnection
/// certificate): everything that came from a PC, netconf or a user is
/// escaped, in text and in attribute values alike.

#include <string>
#include <string_view>

namespace custode {

/// The look the run report and the overview share: colours, cards,
/// badges, totals; each page adds its own rules after it.
inline constexpr std::string_view card_page_css = R"css(
:root{color-scheme:light;--good:#1b7f3b;--warn:#a86400;--bad:#c0261b;--idle:#6b6f76}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2328;overflow-wrap:anywhere}
.card{background:#fff;border-radius:10px;padding:12px;margin:10px 0;box-shadow:0 1px 3px #0002;border-left:6px solid var(--idle)}
.head{display:flex;flex-wrap:wrap;gap:6px;align-items:center;justify-content:space-between}
.meta{color:#57606a;font-size:.9em;margin:4px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;color:#fff;font-size:.85em;font-weight:600}
.badge.good{background:var(--good)}.badge.warn{background:var(--warn)}.badge.bad{background:var(--bad)}.badge.idle{background:var(--idle)}
.totals{display:flex;flex-wrap:wrap;gap:8px;padding:0;margin:8px 0 0;list-style:none}
.totals li{background:#f3f4f6;border-radius:8px;padding:4px 10px}
)css";

/// & < > " ' as character references.
std::string html_escape(std::string_view text);

/// A relative file path as a URL path: every byte but letters, digits,
/// `-._~` and `/` percent-encoded, so a '#', '?' or space in a folder's name
/// still links to the file (html_escape it too when it goes in an attribute).
std::string url_path(std::string_view path);

}  // namespace custode
