/// NetconfKeyLog: the one per thread that records, innermost first.

#include "custode/core/netconf_keys.h"

namespace custode {
namespace netconf_key_log {

thread_local NetconfKeyLog* innermost = nullptr;

}  // namespace netconf_key_log

NetconfKeyLog::NetconfKeyLog() : outer_(netconf_key_log::innermost) { netconf_key_log::innermost = this; }

NetconfKeyLog::~NetconfKeyLog() { netconf_key_log::innermost = outer_; }

NetconfKeyLog* NetconfKeyLog::active() { return netconf_key_log::innermost; }

}  // namespace custode
