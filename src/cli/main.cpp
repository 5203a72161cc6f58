// anirec <command> [--flags]: routes argv[1] to one command. Exit codes:
// 0 success, 2 usage error (usage printed), 1 runtime error (one line naming what failed).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "util/error.h"
#include "util/fp_mode.h"

namespace anirec::cli {
std::vector<Command>& commands() {
    static std::vector<Command> list;
    return list;
}
}  // namespace anirec::cli

int main(int argc, char** argv) {
    using namespace anirec;
    flush_denormals_to_zero();  // before any compute thread starts: they inherit it
    auto& cmds = cli::commands();
    std::sort(cmds.begin(), cmds.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

    CLI::App app{"anirec: a SASRec sequential recommender for anime", "anirec"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "anirec 0.1.0");
    app.footer("Run 'anirec <command> --help' for a command's options.");
    std::vector<std::pair<CLI::App*, cli::RunFn>> runs;
    for (auto& c : cmds) {
        CLI::App* sub = app.add_subcommand(c.name, c.summary);
        runs.emplace_back(sub, c.setup(*sub));
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);  // prints help (rc 0) or the error with usage
        return rc == 0 ? 0 : 2;
    }
    for (auto& [sub, run] : runs) {
        if (!sub->parsed()) continue;
        try {
            return run();
        } catch (const UsageError& e) {
            std::cerr << "anirec " << sub->get_name() << ": " << e.what() << "\n\n" << sub->help();
            return 2;
        } catch (const std::exception& e) {
            std::cerr << "anirec " << sub->get_name() << ": error: " << e.what() << "\n";
            return 1;
        }
    }
    return 2;
}
