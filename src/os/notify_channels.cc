/// sendmail through run_program; the webhook through libcurl's easy
/// interface (one handle per message: a night sends one).

#include "custode/os/notify_channels.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <memory>
#include <mutex>

#include "custode/core/version.h"
#include "custode/os/program.h"

namespace custode::os {
namespace notify_detail {

/// The first line of a program's or server's answer, for a one-line detail.
std::string first_line(std::string_view text, std::size_t most = 200) {
    while (!text.empty() && (text.front() == '\n' || text.front() == '\r' || text.front() == ' ')) text.remove_prefix(1);
    text = text.substr(0, std::min(text.find_first_of("\r\n"), most));
    return std::string(text);
}

std::string seconds_text(std::chrono::milliseconds timeout) {
    return fmt::format("{:g} s", std::chrono::duration<double>(timeout).count());
}

struct CurlDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

/// curl_global_init is not thread-safe and must run once.
void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// Keeps the start of the answer's body, for the detail of an HTTP error.
std::size_t keep_answer(char* data, std::size_t size, std::size_t count, void* answer) {
    auto& text = *static_cast<std::string*>(answer);
    const std::size_t bytes = size * count;
    if (text.size() < 512) text.append(data, std::min(bytes, 512 - text.size()));
    return bytes;
}

}  // namespace notify_detail

Delivery send_mail(const std::string& message, std::chrono::milliseconds timeout) {
    using namespace notify_detail;
    const auto run = run_program({sendmail_path, "-t", "-oi"}, message, timeout);
    if (!run.started)
        return {false, fmt::format("{} (install a mail transfer agent: exim4-daemon-light, postfix, or nullmailer to "
                                   "relay to your provider)",
                                   run.error)};
    if (run.timed_out) return {false, fmt::format("sendmail timed out after {}", seconds_text(timeout))};
    if (!run.exit_code) return {false, "sendmail was killed by a signal"};
    if (*run.exit_code != 0) {
        const auto said = first_line(run.output);
        return {false, fmt::format("sendmail exited {}{}", *run.exit_code, said.empty() ? "" : ": " + said)};
    }
    return {true, "sent"};
}

Delivery post_json(const std::string& url, const std::string& json, std::chrono::milliseconds timeout) {
    using namespace notify_detail;
    init_curl();
    const std::unique_ptr<CURL, CurlDeleter> handle(curl_easy_init());
    if (!handle) return {false, "libcurl could not make a handle"};
    const std::unique_ptr<curl_slist, SlistDeleter> headers(
        curl_slist_append(nullptr, "Content-Type: application/json"));
    const auto agent = fmt::format("custode/{}", version());
    std::string answer;
    char error[CURL_ERROR_SIZE] = {};
    CURL* curl = handle.get();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");  // never file:// or others from netconf
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, agent.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: other threads may run
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    const CURLcode result = curl_easy_perform(curl);
    if (result == CURLE_OPERATION_TIMEDOUT) return {false, fmt::format("timed out after {}", seconds_text(timeout))};
    if (result != CURLE_OK) return {false, error[0] ? std::string(error) : std::string(curl_easy_strerror(result))};
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        const auto said = first_line(answer);
        return {false, fmt::format("HTTP {}{}", status, said.empty() ? "" : ": " + said)};
    }
    return {true, fmt::format("HTTP {}", status)};
}

}  // namespace custode::os
