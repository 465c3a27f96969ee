/// Seeds a state file with the sample run (tests/unit/sample_run.h, and an
/// updates task with a restart on studio), so the browser test renders it
/// through `custode report --html` like a user would.
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
    // studio: 40 package upgrades (one failed) and a restart, folded and said on a phone.
    auto& studio = run.clients[1].hosts[0];
    studio.tasks.push_back(custode::testing::sample_updates(40, 1));
    studio.reboot = custode::RebootOutcome::rebooted;
    studio.reboot_detail = "away 100 s";
    run.id = custode::os::begin_run(store, run);
    custode::os::finish_run(store, run);
    std::cout << run.id << '\n';
    return 0;
}
