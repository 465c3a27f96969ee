/// Seeds a state file with the sample run (tests/unit/sample_run.h), so the
/// browser test renders it through `custode report --html` like a user would.
/// Usage: custode-report-sample STATE_FILE; prints the run's id.

#include <iostream>

#include "custode/os/run_store.h"
#include "unit/sample_run.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: custode-report-sample STATE_FILE\n";
        return 2;
    }
    auto store = custode::os::StateStore::open(argv[1]);
    auto run = custode::testing::sample_run();
    run.id = custode::os::begin_run(store, run);
    custode::os::finish_run(store, run);
    std::cout << run.id << '\n';
    return 0;
}
