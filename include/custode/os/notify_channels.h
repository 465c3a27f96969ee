#pragma once
/// The two ways the morning message leaves the gateway (docs/notify.md): the
/// system's sendmail interface, as cron and smartd use it, and an HTTP POST
/// through libcurl. Every outcome, failures included, is data: a message
/// that could not be sent never stops what sent it.

#include <chrono>
#include <string>

namespace custode::os {

/// What became of one attempt to send.
struct Delivery {
    bool ok = false;
    std::string detail;  ///< "sent", "HTTP 204", "sendmail exited 75: ...", "timed out after 10 s"
};

/// Where Debian's MTAs (exim4, postfix, nullmailer, msmtp-mta, ...) put their sendmail.
inline constexpr const char* sendmail_path = "/usr/sbin/sendmail";

/// Hands `message` (headers, blank line, body) to `sendmail -t -oi`: the
/// recipients come from its To: header; a line with a single dot is text.
/// Delivered means sendmail exited 0 (it took the message).
Delivery send_mail(const std::string& message, std::chrono::milliseconds timeout);

/// POSTs `json` to `url` (http or https only, no redirects followed) with
/// Content-Type: application/json. Delivered means an HTTP 2xx answer.
Delivery post_json(const std::string& url, const std::string& json, std::chrono::milliseconds timeout);

}  // namespace custode::os
