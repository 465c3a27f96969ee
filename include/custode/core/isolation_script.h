#pragma once
/// isolation-check.ps1: the client-side isolation check for a Windows PC,
/// written by `custode disconnect` beside the targets file, with the same
/// targets, lab MACs and control embedded. It runs in Windows PowerShell 5.1
/// with nothing to install and no admin rights, and applies the rules of
/// core::assess to what a PC can see without them: ICMP echo, TCP connects
/// and the neighbour cache (docs/isolation.md, "On a Windows PC").

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/isolation.h"

namespace custode {

/// The script's file name for `client`, beside its targets file.
std::string isolation_script_name(std::string_view client);

/// The script's bytes: UTF-8 with a byte-order mark (Windows PowerShell 5.1
/// reads a .ps1 without one in the PC's ANSI code page, which would garble
/// the Italian text) and CRLF line ends (Notepad). Every embedded value is a
/// PowerShell single-quoted literal (powershell_quote). `tcp_ports`: the
/// Linux check's (IsolationSettings::tcp_ports); `generated_by` names custode
/// and its version in the report.
std::string isolation_check_script(const TargetsFile& targets, const std::vector<std::uint16_t>& tcp_ports,
                                   std::string_view generated_by);

}  // namespace custode
