/// The morning message sent: which channels, what each answered.

#include "custode/app/notify.h"

#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/core/night_message_json.h"

namespace custode::app {
namespace notify_app {

class SystemNotifySender final : public NotifySender {
public:
    os::Delivery send_mail(const std::string& message) override { return os::send_mail(message, notify_timeout); }
    os::Delivery post_json(const std::string& url, const std::string& json) override {
        return os::post_json(url, json, notify_timeout);
    }
};

/// One channel's attempt; an exception from the sender (a pipe, a fork) is its failure too.
template <typename Send>
NotificationResult attempt(std::string channel, std::string target, Send&& send) {
    NotificationResult result{std::move(channel), std::move(target), false, ""};
    try {
        const auto delivery = send();
        result.ok = delivery.ok;
        result.detail = delivery.detail;
    } catch (const std::exception& error) {
        result.detail = error.what();
    }
    return result;
}

}  // namespace notify_app

std::unique_ptr<NotifySender> system_notify_sender() { return std::make_unique<notify_app::SystemNotifySender>(); }

std::vector<NotificationResult> send_message(const NotifySettings& settings, const NightMessage& message,
                                             NotifySender& sender) {
    std::vector<NotificationResult> results;
    if (!settings.mail_to.empty())
        results.push_back(notify_app::attempt("mail", fmt::format("{}", fmt::join(settings.mail_to, ", ")),
                                              [&] { return sender.send_mail(mail_message(message, settings.mail_to)); }));
    if (settings.webhook)
        results.push_back(notify_app::attempt("webhook", redacted_url(*settings.webhook), [&] {
            return sender.post_json(*settings.webhook, webhook_json(message).dump());
        }));
    return results;
}

std::vector<NotificationResult> notify_night(const NotifySettings& settings, const RunRecord& record,
                                             const std::vector<std::string>& reports, NotifySender& sender) {
    const auto message = night_message(record, reports);
    if (!should_notify(message, settings.always)) return {};
    return send_message(settings, message, sender);
}

std::vector<NotificationResult> send_test_message(const Netconf& netconf) {
    if (!netconf.site.notify.any())
        throw UsageError("site.toml has no [notify] table: nothing to test (docs/notify.md)");
    const auto sender = system_notify_sender();
    return send_message(netconf.site.notify, test_message(netconf.site.name), *sender);
}

std::string notification_line(const NotificationResult& result) {
    return fmt::format("{} {}{}: {}{}", result.channel, result.channel == "mail" ? "to " : "", result.target,
                       result.ok ? "" : "FAILED: ", result.detail);
}

}  // namespace custode::app
