// How a subcommand plugs into `anirec`. Each cmd_*.cpp defines one command:
// its options table (CLI11 options bound to one options struct, each with its
// default, range check and help text) and the function that runs it.
//
//   static anirec::cli::Registrar reg{"stats", "Describe a ratings file or dataset",
//       [](CLI::App& app) -> anirec::cli::RunFn {
//           auto opt = std::make_shared<StatsOptions>();
//           app.add_option("input", opt->input, "...")->required();
//           return [opt] { return run_stats(*opt); };
//       }};
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace anirec::cli {

using RunFn = std::function<int()>;
using SetupFn = std::function<RunFn(CLI::App&)>;

struct Command {
    std::string name;
    std::string summary;
    SetupFn setup;
};

std::vector<Command>& commands();

struct Registrar {
    Registrar(std::string name, std::string summary, SetupFn setup) {
        commands().push_back({std::move(name), std::move(summary), std::move(setup)});
    }
};

}  // namespace anirec::cli
