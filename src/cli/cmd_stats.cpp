// `anirec stats <raw file or .anirec> [--json] [reading flags]`: what the data holds,
// what reading and each filter dropped, and whether the order means anything.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/ingest_flags.h"
#include "data/dataset_file.h"
#include "data/ingest.h"
#include "data/stats.h"
#include "util/error.h"

namespace {

using namespace anirec;

struct StatsOptions {
    std::string input;
    bool json = false;
    cli::IngestFlags flags;
};

int run_stats(const StatsOptions& o) {
    std::string flag = o.flags.raw_flag_given();
    if (!flag.empty() && is_dataset_file(o.input))
        throw UsageError(cat(flag, " does not apply to a dataset file (", o.input,
                             "): it was read and filtered by 'anirec prepare'"));
    Dataset ds = load_or_ingest(o.input, o.flags.resolve());
    nlohmann::json report = stats_report(ds);
    if (o.json)
        std::cout << report.dump(2) << "\n";
    else
        std::cout << stats_text(report);
    return 0;
}

cli::Registrar reg{"stats", "Describe a ratings file or a dataset file",
                   [](CLI::App& app) -> cli::RunFn {
                       auto o = std::make_shared<StatsOptions>();
                       app.add_option("input", o->input, "Ratings file (any supported format) or .anirec dataset")
                           ->required();
                       app.add_flag("--json", o->json, "Print JSON instead of text");
                       cli::add_ingest_flags(app, o->flags);
                       return [o] { return run_stats(*o); };
                   }};

}  // namespace
