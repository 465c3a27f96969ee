/// Writes the sample overview (tests/unit/sample_overview.h: four clients,
/// 30 nights of every state) for the browser test.
/// Usage: custode-overview-sample OUT.html

#include <fstream>
#include <iostream>

#include "unit/sample_overview.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: custode-overview-sample OUT.html\n";
        return 2;
    }
    std::ofstream(argv[1]) << custode::render_overview_html(custode::testing::sample_overview());
    return 0;
}
