#pragma once
/// The morning message (site.toml [notify], docs/notify.md): after a
/// scheduled night, one message per site on each configured channel. A
/// failure to send is a result, logged and recorded, never an exception and
/// never the night's exit code.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "custode/core/netconf.h"
#include "custode/core/night_message.h"
#include "custode/core/run_record.h"
#include "custode/os/notify_channels.h"

namespace custode::app {

/// How a message leaves the gateway. Abstract so the rules are tested on a fake.
class NotifySender {
public:
    virtual ~NotifySender() = default;
    virtual os::Delivery send_mail(const std::string& message) = 0;
    virtual os::Delivery post_json(const std::string& url, const std::string& json) = 0;
};

/// How long one channel may take: a dead mail server or webhook must not hold the night's end.
inline constexpr std::chrono::seconds notify_timeout{10};

/// The system's sendmail and libcurl, each bounded by notify_timeout.
std::unique_ptr<NotifySender> system_notify_sender();

/// Sends `message` on every channel `settings` has: one result each. Never throws.
std::vector<NotificationResult> send_message(const NotifySettings& settings, const NightMessage& message,
                                             NotifySender& sender);

/// After a scheduled night: the message about `record` (naming `reports`),
/// sent when something needs the technician or `always` is set. Empty when
/// nothing was sent.
std::vector<NotificationResult> notify_night(const NotifySettings& settings, const RunRecord& record,
                                             const std::vector<std::string>& reports, NotifySender& sender);

/// `maintain --notify-test`: a test message on every channel. UsageError when
/// site.toml has no [notify].
std::vector<NotificationResult> send_test_message(const Netconf& netconf);

/// "mail to tech@example.org: sent", "webhook https://hooks.example.org/…: FAILED: HTTP 500".
std::string notification_line(const NotificationResult& result);

}  // namespace custode::app
