/// NetlinkSocket: libnl's socket, with the kernel's extended-ack text kept.
/// libnl 3.7 has no ext-ack support (no nl_socket_set_ext_ack; its default
/// error handler keeps only a libnl error code), so the socket enables
/// NETLINK_EXT_ACK itself and installs its own error callback, which reads
/// NLMSGERR_ATTR_MSG out of the NLMSG_ERROR message (docs/netlink.md).
#include "custode/os/netlink.h"

#include <exception>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include "custode/core/error.h"
#include "custode/os/fault_injection.h"

namespace custode::os {
namespace {

struct SocketFree {
    void operator()(nl_sock* sock) const { nl_socket_free(sock); }
};
struct CallbacksPut {
    void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};
using Callbacks = std::unique_ptr<nl_cb, CallbacksPut>;

/// Large enough for any dump batch the kernel builds (it caps them at 32 KiB),
/// so one recvmsg per batch and no MSG_PEEK round trip.
constexpr std::size_t kReceiveBuffer = 32768;

[[noreturn]] void throw_libnl(const std::string& call, int libnl_error) {
    throw SystemError(call, 0, nl_geterror(libnl_error));
}

/// The text of NLMSGERR_ATTR_MSG in an NLMSG_ERROR message, "" if none.
std::string extended_ack_text(const nlmsgerr* error) {
    /// libnl hands us the payload; the header sits just before it in the same buffer.
    const auto* header = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(error) - NLMSG_HDRLEN);
    if (!(header->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
    std::size_t offset = sizeof(nlmsgerr);
    /// Without NLM_F_CAPPED the whole request is echoed before the TLVs.
    if (!(header->nlmsg_flags & NLM_F_CAPPED)) offset += NLMSG_ALIGN(error->msg.nlmsg_len - NLMSG_HDRLEN);
    const std::size_t payload = header->nlmsg_len - NLMSG_HDRLEN;
    if (offset >= payload) return "";
    auto* attributes = reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(error) + offset));
    nlattr* table[NLMSGERR_ATTR_MAX + 1] = {};
    if (nla_parse(table, NLMSGERR_ATTR_MAX, attributes, static_cast<int>(payload - offset), nullptr) < 0) return "";
    const nlattr* text = table[NLMSGERR_ATTR_MSG];
    if (!text || nla_len(text) <= 0) return "";
    const auto* chars = static_cast<const char*>(nla_data(text));
    return std::string(chars, strnlen(chars, static_cast<std::size_t>(nla_len(text))));
}

struct DumpContext {
    const std::function<void(const nlmsghdr*)>* each;
    std::exception_ptr failure;
};

/// Exceptions must not cross libnl's C frames: keep the first, stop reading.
int on_dump_message(nl_msg* msg, void* arg) {
    auto* context = static_cast<DumpContext*>(arg);
    try {
        (*context->each)(nlmsg_hdr(msg));
        return NL_OK;
    } catch (...) {
        context->failure = std::current_exception();
        return NL_STOP;
    }
}

}  // namespace

void NlMsgFree::operator()(nl_msg* msg) const { nlmsg_free(msg); }

struct NetlinkSocket::State {
    std::unique_ptr<nl_sock, SocketFree> sock;
    int error = 0;  ///< errno of the last NLMSG_ERROR
    std::string message;  ///< its extended-ack text

    static int on_error(sockaddr_nl*, nlmsgerr* error, void* arg) {
        auto* state = static_cast<State*>(arg);
        state->error = -error->error;
        state->message = extended_ack_text(error);
        return NL_STOP;
    }
};

NetlinkSocket::NetlinkSocket() : state_(std::make_unique<State>()) {
    state_->sock.reset(nl_socket_alloc());
    if (!state_->sock) throw SystemError("nl_socket_alloc", ENOMEM, "");
    nl_sock* sock = state_->sock.get();
    if (const int err = nl_connect(sock, NETLINK_ROUTE); err < 0) throw_libnl("nl_connect(NETLINK_ROUTE)", err);
    const int fd = nl_socket_get_fd(sock);
    const int on = 1;
    /// EXT_ACK: the kernel explains refusals. CAP_ACK: errors do not echo the
    /// whole request back, so they stay small.
    if (::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on) != 0)
        throw SystemError("setsockopt(NETLINK_EXT_ACK)", errno, "");
    if (::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on) != 0)
        throw SystemError("setsockopt(NETLINK_CAP_ACK)", errno, "");
    nl_socket_disable_msg_peek(sock);
    if (const int err = nl_socket_set_msg_buf_size(sock, kReceiveBuffer); err < 0)
        throw_libnl("nl_socket_set_msg_buf_size", err);
    Callbacks callbacks(nl_socket_get_cb(sock));
    nl_cb_err(callbacks.get(), NL_CB_CUSTOM, &State::on_error, state_.get());
}

NetlinkSocket::~NetlinkSocket() = default;
NetlinkSocket::NetlinkSocket(NetlinkSocket&&) noexcept = default;
NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&&) noexcept = default;

nl_sock* NetlinkSocket::get() const { return state_->sock.get(); }

int NetlinkSocket::transact(nl_msg* request, std::string& kernel_message) {
    state_->error = 0;
    state_->message.clear();
    kernel_message.clear();
    if (const int sent = nl_send_auto(get(), request); sent < 0) throw_libnl("netlink send", sent);
    const int err = nl_wait_for_ack(get());
    count_system_change();
    if (err >= 0) return 0;
    if (state_->error == 0) throw_libnl("netlink receive", err);
    kernel_message = state_->message;
    return state_->error;
}

void NetlinkSocket::execute(nl_msg* request, const std::string& call) {
    std::string kernel_message;
    if (const int error = transact(request, kernel_message); error != 0)
        throw SystemError(call, error, kernel_message);
}

void NetlinkSocket::dump(int type, const void* header, std::size_t header_size,
                         const std::function<void(const nlmsghdr*)>& each, const std::string& call) {
    NlMsg request(nlmsg_alloc_simple(type, NLM_F_DUMP));
    if (!request) throw SystemError(call, ENOMEM, "");
    if (const int err = nlmsg_append(request.get(), const_cast<void*>(header), header_size, NLMSG_ALIGNTO); err < 0)
        throw_libnl(call, err);
    state_->error = 0;
    state_->message.clear();
    if (const int sent = nl_send_auto(get(), request.get()); sent < 0) throw_libnl(call, sent);

    /// A copy of the socket's callbacks (keeping the error handler) plus ours.
    const Callbacks socket_callbacks(nl_socket_get_cb(get()));
    Callbacks callbacks(nl_cb_clone(socket_callbacks.get()));
    if (!callbacks) throw SystemError(call, ENOMEM, "");
    DumpContext context{&each, nullptr};
    nl_cb_set(callbacks.get(), NL_CB_VALID, NL_CB_CUSTOM, on_dump_message, &context);
    const int err = nl_recvmsgs(get(), callbacks.get());
    if (context.failure) std::rethrow_exception(context.failure);
    if (err < 0) {
        if (state_->error != 0) throw SystemError(call, state_->error, state_->message);
        throw_libnl(call, err);
    }
}

}  // namespace custode::os
