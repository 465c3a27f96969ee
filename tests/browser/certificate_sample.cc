/// Writes the sample disconnection certificate (tests/unit/sample_certificate.h)
/// as custode renders it, for the browser test.
/// Usage: custode-certificate-sample FILE.html

#include <fstream>
#include <iostream>

#include "custode/core/certificate_html.h"
#include "unit/sample_certificate.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: custode-certificate-sample FILE.html\n";
        return 2;
    }
    std::ofstream(argv[1], std::ios::binary) << custode::render_certificate_html(custode::testing::sample_certificate());
    return 0;
}
